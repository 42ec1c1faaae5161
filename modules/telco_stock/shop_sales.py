# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from sql import Cast, Literal, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.functions import Round

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

# the states of the shop sales that count as sold
SOLD_STATES = ['done', 'posted']


class ShopSalesContext(ModelView):
    "Shop Sales Context"
    __name__ = 'telco.shop.sales.context'
    __string__ = "Shop Sales Context"

    from_date = fields.Date(
        "From Date", required=True,
        domain=[
            If(Eval('to_date'), ('from_date', '<=', Eval('to_date')), ()),
            ])
    to_date = fields.Date("To Date", required=True)
    shop = fields.Many2One(
        'telco.shop', "Shop",
        domain=[('company', '=', Eval('company', -1))])
    company = fields.Many2One('company.company', "Operator", readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        context = Transaction().context
        if context.get('from_date'):
            return context['from_date']
        return Pool().get('ir.date').today() - dt.timedelta(days=29)

    @classmethod
    def default_to_date(cls):
        return (Transaction().context.get('to_date')
            or Pool().get('ir.date').today())


class ShopSales(ModelSQL, ModelView):
    "The sales of a shop's cash desks on a day"
    __name__ = 'telco.shop.sales'
    __string__ = "Shop Sales per Day"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    shop = fields.Many2One('telco.shop', "Shop", readonly=True)
    date = fields.Date("Date", readonly=True)
    sales = fields.Integer(
        "Sales", readonly=True, help="The sales done at the cash desks.")
    amount = fields.Numeric(
        "Amount", digits=(16, 3), readonly=True,
        help="Their untaxed amount.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('shop', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        sale = pool.get('sale.point.sale').__table__()
        line = pool.get('sale.point.sale.line').__table__()
        point = pool.get('sale.point').__table__()
        context = Transaction().context
        today = Date.today()
        to_date = context.get('to_date') or today
        from_date = context.get('from_date') or (
            to_date - dt.timedelta(days=29))
        where = (sale.state.in_(SOLD_STATES) & (point.shop != Null)
            & (sale.date >= from_date) & (sale.date <= to_date))
        if context.get('shop'):
            where &= point.shop == context['shop']
        amounts = (line
            .select(line.sale, Sum(line.quantity * line.unit_list_price)
                .as_('amount'),
                group_by=[line.sale]))
        return (sale
            .join(point, condition=sale.point == point.id)
            .join(amounts, 'LEFT', condition=amounts.sale == sale.id)
            .select(
                Min(sale.id).as_('id'),
                Literal(0).as_('create_uid'),
                Max(sale.create_date).as_('create_date'),
                Literal(Null).as_('write_uid'),
                Literal(Null).as_('write_date'),
                sale.company.as_('company'),
                point.shop.as_('shop'),
                sale.date.as_('date'),
                Count(sale.id).as_('sales'),
                Round(Cast(Sum(amounts.amount), cls.amount.sql_type().base),
                    cls.amount.digits[1]).as_('amount'),
                where=where,
                group_by=[sale.company, point.shop, sale.date]))
