# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Offers: tariff plans and options, eligible by the rules of
eligibility.py"""
import datetime as dt


from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.modules.telco_base.input import (
    MAX_QUANTITY, date_domain)
from trytond.modules.product import price_digits, round_price
from trytond.modules.telco_base.model import (
    CodeNameMixin, OperatorMixin, same_operator)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .eligibility import (
    CustomerProfile, EligibilityMixin, eligibility_relations)


BILLING_PERIODS = [
    ('once', "Once"),
    ('daily', "Daily"),
    ('weekly', "Weekly"),
    ('monthly', "Monthly"),
    ('yearly', "Yearly"),
    ]


def list_price(product, company_id):
    "The list price of the product for the operator"
    pool = Pool()
    Product = pool.get('product.product')
    if not product:
        return None
    with Transaction().set_context(company=company_id):
        return Product(product.id).list_price_used


class Offer(
        CodeNameMixin, OperatorMixin, EligibilityMixin, DeactivableMixin,
        ModelSQL, ModelView):
    "Tariff plan or option of an operator"
    __name__ = 'telco.offer'
    __string__ = "Offer"

    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('plan', "Tariff Plan"),
            ('option', "Option"),
            ], "Kind", required=True, sort=False)
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The product sold for the offer: its list price is the price "
        "of the offer.")
    price = fields.Function(
        fields.Numeric("Price", digits=price_digits), 'get_price')
    billing_period = fields.Selection(
        BILLING_PERIODS, "Billing Period", required=True, sort=False)
    minutes = fields.Integer(
        "Minutes", domain=['OR', ('minutes', '=', None),
            [('minutes', '>=', 0), ('minutes', '<=', MAX_QUANTITY)]],
        help="Voice minutes per billing period; leave empty for unlimited.")
    sms = fields.Integer(
        "SMS", domain=['OR', ('sms', '=', None),
            [('sms', '>=', 0), ('sms', '<=', MAX_QUANTITY)]],
        help="SMS per billing period; leave empty for unlimited.")
    data_mb = fields.Integer(
        "Data (MB)",
        domain=['OR', ('data_mb', '=', None),
            [('data_mb', '>=', 0), ('data_mb', '<=', MAX_QUANTITY)]],
        help="Mobile data in megabytes per billing period; "
        "leave empty for unlimited.")
    start_date = fields.Date(
        "Start Date",
        domain=[
            ['OR',
                ('start_date', '=', None),
                ('start_date', '<=', If(Eval('end_date', None),
                        Eval('end_date', dt.date.max), dt.date.max)),
                ],
            date_domain('start_date'),
            ],
        help="The first day the offer can be sold.")
    end_date = fields.Date(
        "End Date",
        domain=[
            ['OR',
                ('end_date', '=', None),
                ('end_date', '>=', If(Eval('start_date', None),
                        Eval('start_date', dt.date.min), dt.date.min)),
                ],
            date_domain('end_date'),
            ],
        help="The last day the offer can be sold.")
    customer_categories, zones, consumption_bands = eligibility_relations(
        'telco.offer')
    description = fields.Text("Description", translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'telco_offers.msg_offer_code_unique'),
            ('product_unique', Unique(t, t.product),
                'telco_offers.msg_offer_product_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))
        same_operator(cls.product, 'template.company')

    @classmethod
    def default_kind(cls):
        return 'plan'

    @classmethod
    def default_billing_period(cls):
        return 'monthly'

    def get_price(self, name):
        price = list_price(self.product, self.company.id)
        return round_price(price) if price is not None else None

    def valid_on(self, date):
        return ((not self.start_date or self.start_date <= date)
            and (not self.end_date or date <= self.end_date))

    def ineligibility(self, profile, date=None):
        if date is not None and not self.valid_on(date):
            return gettext(
                'telco_offers.msg_offer_not_valid',
                offer=self.rec_name, date=date)
        return super().ineligibility(profile)

    @classmethod
    def fitting(cls, party, company_id, date=None):
        """Return the operator's offers the customer is eligible to, the
        plans whose price is nearest to the customer's consumption first"""
        profile = CustomerProfile(party, company_id, date)
        date = date or dt.date.today()
        offers = [o for o in cls.search([('company', '=', company_id)])
            if o.ineligibility(profile, date) is None]
        return sorted(offers, key=lambda o: (
                o.kind != 'plan', abs((o.price or 0) - profile.consumption)))


class OfferCategory(ModelSQL):
    "Offer - Customer Category"
    __name__ = 'telco.offer-telco.customer.category'
    __string__ = "Offer - Customer Category"
    owner = fields.Many2One(
        'telco.offer', "Offer", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'telco.customer.category', "Category", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('owner')
        same_operator(cls.category, company='_parent_owner.company')


class OfferZone(ModelSQL):
    "Offer - Zone"
    __name__ = 'telco.offer-telco.offer.zone'
    __string__ = "Offer - Zone"
    owner = fields.Many2One(
        'telco.offer', "Offer", required=True, ondelete='CASCADE')
    zone = fields.Many2One(
        'telco.offer.zone', "Zone", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('owner')
        same_operator(cls.zone, company='_parent_owner.company')


class OfferBand(ModelSQL):
    "Offer - Consumption Band"
    __name__ = 'telco.offer-telco.offer.consumption_band'
    __string__ = "Offer - Consumption Band"
    owner = fields.Many2One(
        'telco.offer', "Offer", required=True, ondelete='CASCADE')
    band = fields.Many2One(
        'telco.offer.consumption_band', "Consumption Band", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('owner')
        same_operator(cls.band, company='_parent_owner.company')
