# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from sql import Union
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond.modules.telco_dashboard.breakdown import Division
from trytond.modules.telco_dashboard.kpi import KPI, fetch_one
from trytond.pool import Pool, PoolMeta

from .shop_sales import SOLD_STATES


def stock_values(company_id, date):
    """The query of the value of each done move in or out of the storage of
    the operator's shops until the date, at today's cost price: shop, value
    (negative out of the shop)"""
    pool = Pool()
    move = pool.get('stock.move').__table__()
    cost = pool.get('product.cost_price').__table__()
    Location = pool.get('stock.location')
    location = Location.__table__()
    storage = Location.__table__()
    warehouse = Location.__table__()
    shop = pool.get('telco.shop').__table__()
    # the shop of each location inside a shop's storage
    locations = (location
        .join(storage, condition=(location.left >= storage.left)
            & (location.left <= storage.right))
        .join(warehouse, condition=warehouse.storage_location == storage.id)
        .join(shop, condition=shop.warehouse == warehouse.id)
        .select(location.id.as_('location'), shop.id.as_('shop'),
            where=shop.company == company_id))
    value = move.internal_quantity * Coalesce(cost.cost_price, 0)

    def moves(location, sign):
        return (move
            .join(locations, condition=location == locations.location)
            .join(cost, 'LEFT', condition=(cost.product == move.product)
                & (cost.company == company_id))
            .select(locations.shop.as_('shop'), (value * sign).as_('value'),
                where=(move.state == 'done')
                & (move.effective_date <= date)))
    return Union(
        moves(move.to_location, 1), moves(move.from_location, -1),
        all_=True)


class Figure(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def kpis(cls):
        return super().kpis() + [
            KPI('shop_sales', 'telco_stock.msg_kpi_shop_sales',
                'telco_stock.msg_kpi_shop_sales_help',
                cls._kpi_shop_sales, cls._records_shop_sales,
                feature='stock', unit='amount', sequence=50),
            KPI('stock_value', 'telco_stock.msg_kpi_stock_value',
                'telco_stock.msg_kpi_stock_value_help',
                cls._kpi_stock_value, cls._records_stock_value,
                feature='stock', unit='amount', better=None, sequence=51),
            ]

    @classmethod
    def _kpi_shop_sales(cls, company_id, start, end):
        pool = Pool()
        sale = pool.get('sale.point.sale').__table__()
        line = pool.get('sale.point.sale.line').__table__()
        amount = fetch_one(line
            .join(sale, condition=line.sale == sale.id)
            .select(Sum(line.quantity * line.unit_list_price),
                where=(sale.company == company_id)
                & sale.state.in_(SOLD_STATES)
                & (sale.date >= start) & (sale.date <= end)))
        return Decimal(str(amount or 0)).quantize(Decimal('0.001'))

    @classmethod
    def _records_shop_sales(cls, company_id, start, end):
        return 'sale.point.sale', [
            ('company', '=', company_id),
            ('state', 'in', SOLD_STATES),
            ('date', '>=', start),
            ('date', '<=', end),
            ], 'sale_point.act_sale_form'

    @classmethod
    def _kpi_stock_value(cls, company_id, start, end):
        values = stock_values(company_id, end)
        amount = fetch_one(values.select(Sum(values.value)))
        return Decimal(str(amount or 0)).quantize(Decimal('0.001'))

    @classmethod
    def _records_stock_value(cls, company_id, start, end):
        return 'telco.shop.stock', [
            ('shop.company', '=', company_id),
            ('quantity', '!=', 0),
            ], 'telco_stock.act_shop_stock'


class Breakdown(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('shop_sales_shop', 'telco_stock.msg_division_shop_sales',
                'telco_stock.msg_division_shop_sales_help',
                cls._division_shop_sales, cls._records_shop_sales,
                'telco.shop', feature='stock', unit='amount', sequence=50),
            Division('stock_value_shop',
                'telco_stock.msg_division_stock_value',
                'telco_stock.msg_division_stock_value_help',
                cls._division_stock_value, cls._records_stock_value,
                'telco.shop', feature='stock', unit='amount', stock=True,
                sequence=51),
            ]

    @classmethod
    def _division_shop_sales(cls, company_id, start, end):
        pool = Pool()
        sale = pool.get('sale.point.sale').__table__()
        line = pool.get('sale.point.sale.line').__table__()
        point = pool.get('sale.point').__table__()
        return (line
            .join(sale, condition=line.sale == sale.id)
            .join(point, condition=sale.point == point.id)
            .select(point.shop, Sum(line.quantity * line.unit_list_price),
                where=(sale.company == company_id)
                & sale.state.in_(SOLD_STATES)
                & (sale.date >= start) & (sale.date <= end),
                group_by=[point.shop]))

    @classmethod
    def _records_shop_sales(cls, company_id, start, end, shop):
        model, domain, action = Pool().get(
            'telco.dashboard.figure')._records_shop_sales(
            company_id, start, end)
        return model, domain + [('point.shop', '=', shop)], action

    @classmethod
    def _division_stock_value(cls, company_id, start, end):
        values = stock_values(company_id, end)
        return values.select(
            values.shop, Sum(values.value), group_by=[values.shop])

    @classmethod
    def _records_stock_value(cls, company_id, start, end, shop):
        return 'telco.shop.stock', [
            ('shop', '=', shop),
            ('quantity', '!=', 0),
            ], 'telco_stock.act_shop_stock'
