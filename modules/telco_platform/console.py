# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from sql import Literal, Null
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class Revenue(ModelSQL, ModelView):
    """The monthly recurring revenue of the platform on a date: what each
    running subscription brings a month, after its discount and trial"""
    __name__ = 'telco.platform.revenue'
    __string__ = "Monthly Recurring Revenue"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    feature = fields.Many2One('telco.feature', "Feature", readonly=True)
    start_date = fields.Date("Start Date", readonly=True)
    end_date = fields.Date("End Date", readonly=True)
    monthly_price = fields.Numeric(
        "Catalogue Price", digits=(16, 2), readonly=True)
    discount = fields.Numeric("Discount", digits=(5, 2), readonly=True)
    free = fields.Boolean("Free", readonly=True)
    revenue = fields.Numeric("Monthly Revenue", digits=(16, 2), readonly=True)
    currency_code = fields.Char("Currency", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('revenue', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        Feature = pool.get('telco.feature')
        Date = pool.get('ir.date')
        subscription = Subscription.__table__()
        feature = Feature.__table__()
        date = Transaction().context.get('date') or Date.today()
        discount = Coalesce(subscription.discount, Decimal(0))
        free = Coalesce(subscription.free_until >= date, Literal(False))
        revenue = Case(
            (free, Decimal(0)),
            else_=feature.monthly_price * (Literal(100) - discount)
            / Literal(100))
        return subscription.join(feature,
            condition=subscription.feature == feature.id
            ).select(
                subscription.id.as_('id'),
                subscription.create_uid.as_('create_uid'),
                subscription.create_date.as_('create_date'),
                subscription.write_uid.as_('write_uid'),
                subscription.write_date.as_('write_date'),
                subscription.company.as_('company'),
                subscription.feature.as_('feature'),
                subscription.start_date.as_('start_date'),
                subscription.end_date.as_('end_date'),
                feature.monthly_price.as_('monthly_price'),
                discount.as_('discount'),
                free.as_('free'),
                revenue.as_('revenue'),
                feature.currency_code.as_('currency_code'),
                where=(subscription.start_date <= date)
                & ((subscription.end_date == Null)
                    | (subscription.end_date >= date))
                & (feature.active == Literal(True)))


class RevenueContext(ModelView):
    "Monthly recurring revenue on a date"
    __name__ = 'telco.platform.revenue.context'
    __string__ = "Monthly Recurring Revenue on a Date"
    date = fields.Date("Date", required=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()
