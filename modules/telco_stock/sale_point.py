# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import ShopSaleError
from .stock import same_operator_or_shared


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    shop = fields.Many2One(
        'telco.shop', "Shop", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="The shop of this cash desk: it sells from the shop's stock.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in ['storage_location', 'return_location']:
            same_operator(getattr(cls, name))
        # the customer location is the platform's, shared by all
        same_operator_or_shared(cls.customer_location)

    @fields.depends('shop', '_parent_shop.warehouse')
    def on_change_shop(self):
        if self.shop and self.shop.warehouse:
            storage = self.shop.warehouse.storage_location
            self.storage_location = storage
            self.return_location = storage


class POSCashSession(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.cash.session'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # a session has no operator of its own: it is the one of its point,
        # which must be the current operator's
        cls.point.domain = [cls.point.domain or [],
            ('company', '=', Eval('context', {}).get('company', -1)),
            ]


class POSCashTransfer(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.cash.transfer'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # its operator is its point's (a Function field): it follows the
        # point's rules
        cls.__access__.add('point')
        same_operator(cls.point, company='_parent_type.company')


class POSSale(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def do(cls, sales):
        for sale in sales:
            for line in sale.lines:
                line.check_serial()
        super().do(sales)

    @classmethod
    def post(cls, sales):
        pool = Pool()
        Line = pool.get('telco.line')
        # a SIM or a new line may have been sold by another sale meanwhile
        for sale in sales:
            for line in sale.lines:
                line.check_serial()
        super().post(sales)
        # a SIM sold with a new line: the line starts with this SIM
        lines = []
        for sale in sales:
            for sale_line in sale.lines:
                if sale_line.telco_line and sale_line.quantity > 0:
                    telco_line = sale_line.telco_line
                    telco_line.sim = sale_line.lot.sim
                    lines.append(telco_line)
        if lines:
            Line.save(lines)
            Line.activate(lines)


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    lot = fields.Many2One(
        'stock.lot', "Serial Number", ondelete='RESTRICT',
        domain=[
            ('product', '=', Eval('product', -1)),
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('sale_state') != 'open',
            'invisible': ~Eval('serialised', False),
            'required': (
                Eval('serialised', False) & (Eval('sale_state') == 'open')),
            },
        help="The IMEI, serial number or ICCID of the item sold.")
    serialised = fields.Function(
        fields.Boolean("Serialised"), 'on_change_with_serialised')
    telco_line = fields.Many2One(
        'telco.line', "New Line", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('state', '=', 'draft'),
            ],
        states={
            'readonly': Eval('sale_state') != 'open',
            'invisible': Eval('product_kind') != 'sim',
            },
        help="The new line this SIM is sold with: "
        "it is activated when the sale is posted.")
    product_kind = fields.Function(
        fields.Char("Product Kind"), 'on_change_with_product_kind')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.product, 'template.company')

    @fields.depends('product')
    def on_change_with_serialised(self, name=None):
        return bool(self.product and self.product.template.serialised)

    @fields.depends('product')
    def on_change_with_product_kind(self, name=None):
        if self.product:
            return self.product.template.telco_kind

    @fields.depends('product', 'quantity', 'lot')
    def on_change_lot(self):
        if self.lot and self.quantity is None:
            self.quantity = 1

    def check_serial(self):
        "Serialised products are sold one serial number a line"
        if self.telco_line and self.product.template.telco_kind != 'sim':
            raise ShopSaleError(gettext(
                    'telco_stock.msg_pos_line_needs_sim',
                    product=self.product.rec_name))
        if not self.product.template.serialised:
            return
        if not self.lot:
            raise ShopSaleError(gettext(
                    'telco_stock.msg_pos_lot_required',
                    product=self.product.rec_name))
        if abs(self.quantity) != 1:
            raise ShopSaleError(gettext(
                    'telco_stock.msg_pos_serial_quantity',
                    product=self.product.rec_name, lot=self.lot.number))
        if self.telco_line and not self.lot.sim:
            raise ShopSaleError(gettext(
                    'telco_stock.msg_pos_line_needs_sim',
                    product=self.product.rec_name))
        if self.telco_line and self.telco_line.state != 'draft':
            raise ShopSaleError(gettext(
                    'telco_stock.msg_pos_line_not_draft',
                    line=self.telco_line.rec_name))
        if self.lot.sim and self.lot.sim.state != 'available':
            raise ShopSaleError(gettext(
                    'telco_stock.msg_pos_sim_not_available',
                    sim=self.lot.sim.rec_name))

    def get_stock_move(self):
        move = super().get_stock_move()
        if move:
            move.lot = self.lot
        return move
