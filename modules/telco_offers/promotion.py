# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Promotions of sale_promotion by season, customer segment, zone and
consumption band, with caps and stacking rules"""
import re
from decimal import Decimal, InvalidOperation

from sql.aggregate import Sum

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.product import round_price
from trytond.modules.telco_base.input import MAX_AMOUNT, MAX_QUANTITY
from trytond.modules.telco_base.model import same_operator
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction, without_check_access

from .exceptions import OfferValidationError
from .eligibility import (
    CustomerProfile, EligibilityMixin, eligibility_relations)

# the sales that consume the caps of their promotions
CONSUMING_STATES = ('quotation', 'confirmed', 'processing', 'done')
# the formula of a discount in percentage: the unit price times a factor
RATE_FORMULA = re.compile(
    r"^\s*unit_price\s*(?:\*\s*(?:Decimal\(\s*['\"]?)?"
    r"(?P<factor>\d+(?:\.\d*)?|\.\d+)(?:['\"]?\s*\))?\s*)?$")


class Promotion(EligibilityMixin, metaclass=PoolMeta):
    __name__ = 'sale.promotion'

    season = fields.Many2One(
        'telco.offer.season', "Season", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="The promotion applies only to sales dated in the season.")
    customer_categories, zones, consumption_bands = eligibility_relations(
        'sale.promotion')
    stacking = fields.Selection([
            ('exclusive', "Exclusive"),
            ('stackable', "Stackable"),
            ], "Stacking", required=True, sort=False,
        help="An exclusive promotion applies alone on a line; stackable "
        "promotions apply one after the other on the discounted price.")
    priority = fields.Integer(
        "Priority", required=True,
        help="Promotions of higher priority apply first.")
    quantity_cap = fields.Float(
        "Quantity Cap", digits=(16, 0),
        domain=['OR',
            ('quantity_cap', '=', None),
            [('quantity_cap', '>', 0), ('quantity_cap', '<=', MAX_QUANTITY)]],
        help="The most units that can be sold with the promotion.")
    budget_cap = fields.Numeric(
        "Budget Cap", digits=(16, 3),
        domain=['OR', ('budget_cap', '=', None),
            [('budget_cap', '>', 0), ('budget_cap', '<=', MAX_AMOUNT)]],
        help="The most discount that the promotion can give in total.")
    consumed_quantity = fields.Function(
        fields.Float("Consumed Quantity", digits=(16, 0)), 'get_consumed')
    consumed_budget = fields.Function(
        fields.Numeric("Consumed Budget", digits=(16, 3)), 'get_consumed')
    discount_rate = fields.Function(
        fields.Numeric(
            "Discount (%)", digits=(16, 2),
            help="The percentage taken off the unit price.\n"
            "Empty when the price is computed by a formula of the platform "
            "administrator."),
        'on_change_with_discount_rate', setter='set_discount_rate')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the formula is Python: only the platform administrator sees it,
        # the others set the discount in percentage
        cls.formula.states = dict(cls.formula.states or {})
        cls.formula.states['invisible'] = ~Id(
            'telco_base', 'group_platform_admin').in_(
            Eval('context', {}).get('groups', []))
        # sale_promotion lets any product or category be linked
        same_operator(cls.products, 'template.company')
        same_operator(cls.categories)

    @classmethod
    def default_formula(cls):
        # no discount until one is set
        return 'unit_price'

    @classmethod
    def default_stacking(cls):
        return 'exclusive'

    @fields.depends('formula')
    def on_change_with_discount_rate(self, name=None):
        match = RATE_FORMULA.match(self.formula or '')
        if not match:
            return None
        factor = Decimal(match.group('factor') or 1)
        return ((1 - factor) * 100).quantize(Decimal('0.01'))

    @fields.depends('discount_rate', 'formula')
    def on_change_discount_rate(self):
        if self.discount_rate is not None:
            self.formula = self.rate_formula(self.discount_rate)

    @classmethod
    def rate_formula(cls, rate):
        "The formula of a discount of rate percent"
        factor = (1 - Decimal(rate) / 100).normalize()
        if factor == 1:
            return 'unit_price'
        return f'unit_price * {factor:f}'

    @classmethod
    def set_discount_rate(cls, promotions, name, value):
        if value is None:
            return
        try:
            value = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            value = None
        if value is None or not (0 <= value <= 100):
            raise OfferValidationError(gettext(
                    'telco_offers.msg_promotion_discount_rate',
                    promotion=', '.join(p.rec_name for p in promotions[:5])))
        formula = cls.rate_formula(value)
        cls.write(
            [p for p in promotions if p.formula != formula],
            {'formula': formula})

    @classmethod
    def default_priority(cls):
        return 10

    @classmethod
    def validate_fields(cls, promotions, field_names):
        super().validate_fields(promotions, field_names)
        for promotion in promotions:
            if promotion.season and promotion.season.company != (
                    promotion.company):
                raise OfferValidationError(gettext(
                        'telco_offers.msg_promotion_season_operator',
                        promotion=promotion.rec_name))

    @classmethod
    def get_consumed(cls, promotions, names):
        cursor = Transaction().connection.cursor()
        result = {
            'consumed_quantity': {p.id: 0 for p in promotions},
            'consumed_budget': {p.id: Decimal(0) for p in promotions},
            }
        ids = [p.id for p in promotions]
        for query in cls._consumed_queries(ids):
            cursor.execute(*query)
            for promotion_id, quantity, discount in cursor:
                result['consumed_quantity'][promotion_id] += quantity or 0
                result['consumed_budget'][promotion_id] += Decimal(
                    str(discount or 0))
        return {n: result[n] for n in names}

    @classmethod
    def _consumed_queries(cls, ids):
        """Yield the queries of (promotion, quantity, discount) that use the
        caps of the promotions"""
        yield consumed_query(
            'sale.line.promotion', 'sale.line', 'sale.sale',
            CONSUMING_STATES, ids)

    def get_pattern(self, sale):
        if sale.id is not None and sale.id >= 0:
            return super().get_pattern(sale)
        # a shop sale or a quote priced as a sale that is not stored
        pool = Pool()
        Currency = pool.get('currency.currency')
        Uom = pool.get('product.uom')
        pattern = {}
        if self.currency:
            pattern['amount'] = Currency.compute(
                sale.currency, self.get_sale_amount(sale), self.currency)
        if self.unit:
            pattern['quantity'] = sum(
                Uom.compute_qty(l.unit, l.quantity, self.unit)
                for l in sale.lines
                if l.type == 'line' and self.is_valid_sale_line(l))
        return pattern

    @property
    def customer_rules(self):
        return bool(self.customer_types or self.customer_categories
            or self.zones or self.line_kinds or self.consumption_bands
            or self.age_min is not None or self.age_max is not None)

    @classmethod
    def get_promotions(cls, sale, pattern=None):
        pool = Pool()
        Date = pool.get('ir.date')
        with Transaction().set_context(company=sale.company.id):
            date = sale.sale_date or Date.today()
        profile = None
        promotions = list(super().get_promotions(sale, pattern=pattern))
        # the sales staff need not read seasons, zones and bands
        with without_check_access():
            for promotion in cls.browse(promotions):
                if promotion.season and not promotion.season.contains(date):
                    continue
                if promotion.customer_rules:
                    if not sale.party:
                        continue
                    if profile is None:
                        profile = CustomerProfile(
                            sale.party, sale.company.id, date)
                    if not promotion.is_eligible(profile):
                        continue
                yield promotion

    def apply(self, sale):
        """Apply on the lines in the order of priority: an exclusive
        promotion only on lines without promotion and then alone, stackable
        ones on the discounted price; never beyond the caps"""
        pool = Pool()
        Application = pool.get('sale.line.promotion')
        currency = sale.currency
        quantity_left = budget_left = None
        if self.quantity_cap is not None:
            quantity_left = self.quantity_cap - self.consumed_quantity
        if self.budget_cap is not None:
            budget_left = self.budget_cap - self.consumed_budget
        applied = False
        for line in sale.lines:
            if line.type != 'line' or not self.is_valid_sale_line(line):
                continue
            applications = list(line.promotion_applications or [])
            if applications and (self.stacking == 'exclusive' or any(
                        a.promotion.stacking == 'exclusive'
                        for a in applications)):
                continue
            context = self.get_context_formula(line)
            if applications:
                context['names']['unit_price'] = line.unit_price
            new_price = self.get_unit_price(**context)
            if new_price is None:
                continue
            new_price = round_price(max(new_price, Decimal(0)))
            if new_price >= line.unit_price:
                continue
            quantity = line.quantity
            discount = currency.round(
                (line.unit_price - new_price) * Decimal(str(quantity)))
            if quantity_left is not None:
                if quantity > quantity_left:
                    continue
                quantity_left -= quantity
            if budget_left is not None:
                if discount > budget_left:
                    continue
                budget_left -= discount
            applications.append(Application(
                    promotion=self, quantity=quantity,
                    unit_price_before=line.unit_price, discount=discount))
            line.promotion_applications = applications
            line.unit_price = new_price
            line.promotion = self
            applied = True
        if applied:
            sale.lines = sale.lines  # Trigger the change


class PromotionApplicationMixin:
    """A promotion applied on a line: the discount it gave.
    Classes define the Many2One field line."""
    __slots__ = ()

    promotion = fields.Many2One(
        'sale.promotion', "Promotion", required=True, ondelete='RESTRICT')
    quantity = fields.Float("Quantity", digits=(16, 0), readonly=True)
    unit_price_before = fields.Numeric(
        "Unit Price Before", digits=(16, 4), readonly=True)
    discount = fields.Numeric("Discount", digits=(16, 3), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('line')
        same_operator(cls.promotion, company='_parent_line.company')

    @classmethod
    def copies(cls, applications):
        "New applications of this class as the applications given"
        return [cls(
                promotion=a.promotion, quantity=a.quantity,
                unit_price_before=a.unit_price_before, discount=a.discount)
            for a in applications]


class PromotedLineMixin:
    """A line that keeps the promotions applied on it, as a sale line does
    (quote and shop sale lines). Classes define the One2Many field
    promotion_applications to their PromotionApplicationMixin model."""
    __slots__ = ()

    promotion = fields.Many2One(
        'sale.promotion', "Promotion", ondelete='RESTRICT', readonly=True,
        states={'invisible': ~Eval('promotion')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.promotion)

    def clear_promotions(self):
        self.promotion = None
        self.promotion_applications = []

    def set_promotions(self, applications):
        "Keep copies of the applications of a sale priced as this line"
        Application = self.__class__.promotion_applications.get_target()
        self.promotion = applications[-1].promotion
        self.promotion_applications = Application.copies(applications)


class SaleLinePromotion(PromotionApplicationMixin, ModelSQL, ModelView):
    "Promotion applied on a sale line"
    __name__ = 'sale.line.promotion'
    __string__ = "Promotion Applied"

    line = fields.Many2One(
        'sale.line', "Line", required=True, ondelete='CASCADE')


class PromotionCategory(ModelSQL):
    "Promotion - Customer Category"
    __name__ = 'sale.promotion-telco.customer.category'
    __string__ = "Promotion - Customer Category"
    owner = fields.Many2One(
        'sale.promotion', "Promotion", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'telco.customer.category', "Category", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('owner')
        same_operator(cls.category, company='_parent_owner.company')


class PromotionZone(ModelSQL):
    "Promotion - Zone"
    __name__ = 'sale.promotion-telco.offer.zone'
    __string__ = "Promotion - Zone"
    owner = fields.Many2One(
        'sale.promotion', "Promotion", required=True, ondelete='CASCADE')
    zone = fields.Many2One(
        'telco.offer.zone', "Zone", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('owner')
        same_operator(cls.zone, company='_parent_owner.company')


class PromotionBand(ModelSQL):
    "Promotion - Consumption Band"
    __name__ = 'sale.promotion-telco.offer.consumption_band'
    __string__ = "Promotion - Consumption Band"
    owner = fields.Many2One(
        'sale.promotion', "Promotion", required=True, ondelete='CASCADE')
    band = fields.Many2One(
        'telco.offer.consumption_band', "Consumption Band", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('owner')
        same_operator(cls.band, company='_parent_owner.company')



def consumed_query(application, line, sale, states, ids):
    """The query of (promotion, quantity, discount) of the applications of
    the promotions on the lines of the sales in the states (model names)"""
    pool = Pool()
    application = pool.get(application).__table__()
    line = pool.get(line).__table__()
    sale = pool.get(sale).__table__()
    return application.join(
        line, condition=application.line == line.id
        ).join(sale, condition=line.sale == sale.id).select(
        application.promotion,
        Sum(application.quantity), Sum(application.discount),
        where=application.promotion.in_(ids) & sale.state.in_(states),
        group_by=[application.promotion])


def promote(company, party, date, items):
    """Price with the promotions in force items that are not sale lines
    (the lines of shop sales and of quotes): they are applied on a sale
    that is not stored, as they would be on a sale.

    items: [(product, quantity, unit, unit_price, taxes)]
    Return [(unit_price, original_unit_price, [sale.line.promotion])]
    in the order of the items; the applications are not stored."""
    pool = Pool()
    Sale = pool.get('sale.sale')
    SaleLine = pool.get('sale.line')
    sale = Sale(
        company=company, party=party, sale_date=date,
        currency=company.currency, origin=None, price_list=None,
        invoice_party=None)
    lines = []
    for product, quantity, unit, unit_price, taxes in items:
        lines.append(SaleLine(
                sale=sale, type='line', product=product, quantity=quantity,
                unit=unit, unit_price=unit_price, taxes=list(taxes),
                original_unit_price=None, promotion=None,
                promotion_applications=[]))
    sale.lines = lines
    currency = company.currency
    sale.untaxed_amount = sum(
        (currency.round(Decimal(str(l.quantity)) * l.unit_price)
            for l in lines), Decimal(0))
    sale.tax_amount = sale.get_tax_amount()
    sale.total_amount = sale.untaxed_amount + sale.tax_amount
    sale.apply_promotion()
    return [
        (l.unit_price, l.original_unit_price,
            list(l.promotion_applications))
        for l in sale.lines]
