# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sales of the shops (sale_point): promotions applied when the cashier
asks for the payment, as long as nothing is paid; packs' revenue split"""
from decimal import Decimal

from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.product import price_digits, round_price
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import without_check_access

from .promotion import (
    PromotedLineMixin, PromotionApplicationMixin, consumed_query, promote)

# the shop sales that consume the caps of their promotions
CONSUMING_STATES = ('open', 'done', 'posted')


class POSSale(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    customer = fields.Many2One(
        'party.party', "Customer", ondelete='RESTRICT',
        context={'company': Eval('company', -1)},
        states={'readonly': Eval('state') != 'open'},
        help="The customer, when known: the promotions for customers "
        "apply only to a known customer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.customer)
        cls.customer.depends |= {'company'}
        cls._buttons.update(
            apply_promotions={
                'invisible': Eval('state') != 'open',
                'readonly': Bool(Eval('payments', [0])),
                'depends': ['state', 'payments'],
                })

    @classmethod
    @ModelView.button
    def apply_promotions(cls, sales):
        """Price again the lines of the sales not paid yet with the
        promotions in force on their date"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        lines = []
        for sale in sales:
            if sale.state != 'open' or sale.payments or not sale.lines:
                continue
            for line in sale.lines:
                line.unapply_promotion()
            # the cashiers need not read the rules of the promotions
            with without_check_access():
                prices = promote(
                    sale.company, sale.customer, sale.date,
                    [(l.product, l.quantity, l.product.sale_uom,
                            l.unit_list_price, l.taxes)
                        for l in sale.lines])
            for line, (price, _, applications) in zip(sale.lines, prices):
                line.apply_promotion(price, applications)
            lines.extend(sale.lines)
        Line.save(lines)

    @classmethod
    @ModelView.button_action('sale_point.wizard_pay')
    def pay(cls, sales):
        cls.apply_promotions(sales)
        super().pay(sales)

    @classmethod
    @Workflow.transition('done')
    def do(cls, sales):
        pool = Pool()
        Revenue = pool.get('telco.pack.revenue')
        super().do(sales)
        # a pack sold in a shop has its revenue split as in a sale
        with without_check_access():
            Revenue.record(
                [l for s in sales for l in s.lines], field='pos_line')


class POSSaleLine(PromotedLineMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    original_unit_list_price = fields.Numeric(
        "Original Unit List Price", digits=price_digits, readonly=True,
        states={'invisible': ~Eval('promotion')})
    original_unit_gross_price = fields.Numeric(
        "Original Unit Gross Price", digits=price_digits, readonly=True,
        states={'invisible': ~Eval('promotion')})
    promotion_applications = fields.One2Many(
        'sale.point.sale.line.promotion', 'line', "Promotions Applied",
        readonly=True,
        states={'invisible': ~Eval('promotion_applications')})

    @fields.depends('original_unit_list_price', 'original_unit_gross_price',
        'promotion', 'promotion_applications')
    def on_change_product(self):
        super().on_change_product()
        self.original_unit_list_price = None
        self.original_unit_gross_price = None
        self.clear_promotions()

    def unapply_promotion(self):
        if self.original_unit_list_price is not None:
            self.unit_list_price = self.original_unit_list_price
            self.unit_gross_price = self.original_unit_gross_price
        self.original_unit_list_price = None
        self.original_unit_gross_price = None
        self.clear_promotions()

    def apply_promotion(self, unit_list_price, applications):
        pool = Pool()
        Tax = pool.get('account.tax')
        if not applications:
            return
        self.original_unit_list_price = self.unit_list_price
        self.original_unit_gross_price = self.unit_gross_price
        self.unit_list_price = round_price(unit_list_price)
        taxes = Tax.compute(
            self.taxes, self.unit_list_price, 1, date=self.sale.date)
        self.unit_gross_price = (
            self.unit_list_price + sum(t['amount'] for t in taxes)).quantize(
                Decimal(1) / 10 ** self.__class__.unit_gross_price.digits[1])
        self.set_promotions(applications)


class POSSaleLinePromotion(PromotionApplicationMixin, ModelSQL, ModelView):
    "Promotion applied on a shop sale line"
    __name__ = 'sale.point.sale.line.promotion'
    __string__ = "Promotion Applied"

    line = fields.Many2One(
        'sale.point.sale.line', "Line", required=True, ondelete='CASCADE')


class Promotion(metaclass=PoolMeta):
    __name__ = 'sale.promotion'

    @classmethod
    def _consumed_queries(cls, ids):
        yield from super()._consumed_queries(ids)
        yield consumed_query(
            'sale.point.sale.line.promotion', 'sale.point.sale.line',
            'sale.point.sale', CONSUMING_STATES, ids)


class PackRevenuePOS(metaclass=PoolMeta):
    __name__ = 'telco.pack.revenue'

    pos_line = fields.Many2One(
        'sale.point.sale.line', "Shop Sale Line", ondelete='CASCADE',
        readonly=True)


class FigurePOS(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def _promotion_applications(cls):
        return super()._promotion_applications() + [(
                'sale.point.sale.line.promotion', 'sale.point.sale.line',
                'sale.point.sale', 'date', ['done', 'posted'])]
