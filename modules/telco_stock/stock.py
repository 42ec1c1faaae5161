# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal, Null
from stdnum import imei

from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, same_operator)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import SerialValidationError


def same_operator_or_shared(field, company='company'):
    """Restrict a relation to stock locations to the locations of the
    record's operator and the platform's shared ones (customer, supplier,
    transit)"""
    field.domain = [field.domain or [], ['OR',
            ('company', '=', None),
            ('company', '=', Eval(company, -1)),
            ]]
    field.depends = (field.depends or set()) | {company}


class Location(metaclass=PoolMeta):
    """Stock locations of an operator; the locations without operator
    (customer, supplier, transit) are the platform's, shared by all"""
    __name__ = 'stock.location'

    company = fields.Many2One(
        'company.company', "Operator", ondelete='CASCADE',
        help="Empty for the platform's shared locations "
        "(customer, supplier, transit).")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality(cardinality='low'))))
        operator = ['OR',
            ('company', '=', None),
            ('company', '=', Eval('company', -1)),
            ]
        for name in [
                'parent', 'input_location', 'output_location',
                'storage_location', 'picking_location',
                'lost_found_location']:
            field = getattr(cls, name)
            field.domain = [field.domain or [], operator]
            field.depends = (field.depends or set()) | {'company'}
        for field in [cls.waste_locations, cls.waste_warehouses]:
            same_operator_or_shared(field)
        same_operator(cls.address, 'party.company')

    @classmethod
    def get_default_warehouse(cls):
        """The operator's only warehouse that is not a shop's, else the only
        shared one: the shops' warehouses are chosen, not defaulted"""
        pool = Pool()
        Shop = pool.get('telco.shop')
        context = Transaction().context
        if context.get('warehouse'):
            return context['warehouse']
        company = context.get('company')
        warehouse = cls._default_warehouse_cache.get(company, -1)
        if warehouse == -1:
            location = cls.__table__()
            shop = Shop.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*location.join(shop, 'LEFT',
                    condition=shop.warehouse == location.id
                    ).select(location.id, location.company,
                    where=(location.type == 'warehouse')
                    & (location.active == Literal(True))
                    & (shop.id == Null)
                    & ((location.company == company)
                        | (location.company == Null)),
                    limit=10))
            rows = cursor.fetchall()
            own = [i for i, c in rows if c is not None]
            shared = [i for i, c in rows if c is None]
            warehouse = None
            if len(own) == 1:
                warehouse = own[0]
            elif not own and len(shared) == 1:
                warehouse = shared[0]
            cls._default_warehouse_cache.set(company, warehouse)
        return warehouse


class Lot(OperatorMixin, metaclass=PoolMeta):
    """Serial numbers (IMEI of phones, serials of keys and routers) and SIM
    lots (ICCID) of an operator's products"""
    __name__ = 'stock.lot'

    sim = fields.Many2One(
        'telco.sim', "SIM", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('product_kind') != 'sim',
            'required': Eval('product_kind') == 'sim',
            },
        help="The SIM card this lot is: its ICCID is the lot number.")
    product_kind = fields.Function(
        fields.Selection('get_product_kinds', "Product Kind"),
        'on_change_with_product_kind')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('product_number_unique', Unique(t, t.product, t.number),
                'telco_stock.msg_lot_number_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality(cardinality='low'))))
        same_operator(cls.product, 'template.company')
        cls.product.context = {
            **(cls.product.context or {}),
            'company': Eval('company', -1),
            }

    @classmethod
    def get_product_kinds(cls):
        pool = Pool()
        Template = pool.get('product.template')
        return Template.fields_get(['telco_kind'])['telco_kind']['selection']

    @fields.depends('product')
    def on_change_with_product_kind(self, name=None):
        if self.product:
            return self.product.template.telco_kind

    @fields.depends('sim', 'number')
    def on_change_sim(self):
        if self.sim:
            self.number = self.sim.iccid

    @classmethod
    def validate_fields(cls, lots, field_names):
        super().validate_fields(lots, field_names)
        if field_names is None or {'number', 'product', 'sim'} & field_names:
            for lot in lots:
                lot.check_serial()

    def check_serial(self):
        "IMEI of phones (Luhn), digits of SIM lots (the ICCID of the SIM)"
        kind = self.product.template.telco_kind if self.product else None
        number = self.number or ''
        if kind == 'phone':
            if not (len(number) == 15 and imei.is_valid(number)):
                raise SerialValidationError(gettext(
                        'telco_stock.msg_imei_invalid', imei=number))
        elif kind == 'sim':
            if not self.sim or self.sim.iccid != number:
                raise SerialValidationError(gettext(
                        'telco_stock.msg_sim_lot_iccid', number=number))
        elif kind in {'key_4g', 'router', 'box_adsl', 'box_fibre'}:
            if not number.isalnum():
                raise SerialValidationError(gettext(
                        'telco_stock.msg_serial_invalid', serial=number))


class Move(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.lot)
        for name in ['from_location', 'to_location']:
            field = getattr(cls, name)
            field.domain = [field.domain or [], ['OR',
                    ('company', '=', None),
                    ('company', '=', Eval('company', -1)),
                    ]]
            field.depends = (field.depends or set()) | {'company'}
        same_operator(cls.product, 'template.company')
        same_operator(cls.invoice_lines)

    @classmethod
    def validate_fields(cls, moves, field_names):
        super().validate_fields(moves, field_names)
        if field_names is None or {'lot', 'quantity'} & field_names:
            for move in moves:
                move.check_serial_quantity()

    @classmethod
    def do(cls, moves):
        pool = Pool()
        ShopStock = pool.get('telco.shop.stock')
        pending = [m for m in moves if m.state != 'done']
        super().do(moves)
        ShopStock.add_moves([m for m in pending if m.state == 'done'])

    @classmethod
    def cancel(cls, moves):
        pool = Pool()
        ShopStock = pool.get('telco.shop.stock')
        done = [m for m in moves if m.state == 'done']
        super().cancel(moves)
        ShopStock.add_moves(
            [m for m in done if m.state == 'cancelled'], sign=-1)

    def check_serial_quantity(self):
        "One serial number is one item"
        if (self.lot and self.product.template.serialised
                and abs(self.on_change_with_internal_quantity()) > 1):
            raise SerialValidationError(gettext(
                    'telco_stock.msg_serial_quantity',
                    product=self.product.rec_name, lot=self.lot.number,
                    quantity=self.quantity))


class _LocationsOfOperator:
    "A shipment between the operator's locations and the shared ones"
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in [
                'from_location', 'to_location', 'warehouse',
                'warehouse_input', 'warehouse_output', 'warehouse_storage']:
            field = getattr(cls, name, None)
            if field is None or isinstance(field, fields.Function):
                continue
            same_operator_or_shared(field)
        # the supplier or customer is one of the operator's parties
        for name in ['supplier', 'customer']:
            if hasattr(cls, name):
                same_operator(getattr(cls, name))


class ShipmentInternal(
        ButtonFieldsMixin, _LocationsOfOperator, metaclass=PoolMeta):
    "Transfer between the warehouses of an operator's shops"
    __name__ = 'stock.shipment.internal'


class ShipmentIn(
        ButtonFieldsMixin, _LocationsOfOperator, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'


class ShipmentInReturn(
        ButtonFieldsMixin, _LocationsOfOperator, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'


class ShipmentOut(
        ButtonFieldsMixin, _LocationsOfOperator, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'


class ShipmentOutReturn(
        ButtonFieldsMixin, _LocationsOfOperator, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out.return'


class Inventory(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.location.domain = [cls.location.domain or [],
            ('company', '=', Eval('company', -1))]
        cls.location.depends = (cls.location.depends or set()) | {'company'}


class InventoryLine(metaclass=PoolMeta):
    __name__ = 'stock.inventory.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.lot, company='_parent_inventory.company')
        same_operator(
            cls.product, 'template.company',
            company='_parent_inventory.company')

