# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Products recommended on a sale (sale_product_recommendation): the packs
that hold the products of the sale, then the products that the operator's
customers bought with them.

The association rules of sale_product_recommendation_association_rule are
not used: they are mined from every sale of the database, whatever the
operator."""
import datetime as dt

from sql import Null
from sql.aggregate import Count, Max

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .eligibility import SOLD_STATES

# the sales that tell what is bought together
HISTORY = dt.timedelta(days=365)
# shop sales that are paid
SHOP_SOLD_STATES = ('done', 'posted')


class Configuration(metaclass=PoolMeta):
    __name__ = 'sale.configuration'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.product_recommendation_method.selection.append(
            ('bought_together', "Packs and Products Bought Together"))


def bought_together(company, product_ids, limit=20):
    """Return the ids of the products to propose with the products: the
    products of the operator's packs that hold them, then the products most
    often sold with them over the last year (sales and shop sales)"""
    pool = Pool()
    Date = pool.get('ir.date')
    Pack = pool.get('telco.pack')
    Component = pool.get('telco.pack.component')
    cursor = Transaction().connection.cursor()
    product_ids = list(product_ids)
    pack = Pack.__table__()
    component = Component.__table__()
    cursor.execute(*component.join(
            pack, condition=component.pack == pack.id).select(
            pack.product, Count(component.id),
            where=(pack.company == company.id) & (pack.active == True)
            & component.product.in_(product_ids)
            & ~pack.product.in_(product_ids),
            group_by=[pack.product],
            order_by=[Count(component.id).desc, pack.product]))
    result = [p for p, _ in cursor]
    with Transaction().set_context(company=company.id):
        since = Date.today() - HISTORY
    counts = {}
    for baskets in _baskets(company, since):
        other = baskets()
        basket = baskets()
        cursor.execute(*other.join(
                basket, condition=other.sale == basket.sale).select(
                other.product, Count(other.sale, distinct=True),
                Max(other.sale),
                where=basket.product.in_(product_ids)
                & ~other.product.in_(product_ids),
                group_by=[other.product]))
        for product, count, last in cursor:
            n, previous = counts.get(product, (0, 0))
            counts[product] = (n + count, max(previous, last))
    ranked = sorted(counts, key=lambda p: (-counts[p][0], -counts[p][1], p))
    result.extend(p for p in ranked if p not in result)
    return result[:limit]


def _baskets(company, since):
    """Yield functions that return a new query of (sale, product) of the
    sold lines of the operator since the date, one per kind of sale"""
    pool = Pool()
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')

    def sales():
        sale = Sale.__table__()
        line = Line.__table__()
        return line.join(sale, condition=line.sale == sale.id).select(
            sale.id.as_('sale'), line.product.as_('product'),
            where=(sale.company == company.id)
            & sale.state.in_(SOLD_STATES)
            & (line.type == 'line') & (line.product != Null)
            & (line.quantity > 0) & (sale.sale_date >= since))
    yield sales
    try:
        ShopSale = pool.get('sale.point.sale')
        ShopLine = pool.get('sale.point.sale.line')
    except KeyError:
        return

    def shop_sales():
        sale = ShopSale.__table__()
        line = ShopLine.__table__()
        # negative ids: shop sales are not sales
        return line.join(sale, condition=line.sale == sale.id).select(
            (-sale.id).as_('sale'), line.product.as_('product'),
            where=(sale.company == company.id)
            & sale.state.in_(SHOP_SOLD_STATES)
            & (line.quantity > 0) & (sale.date >= since))
    yield shop_sales


class RecommendationMixin:
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.recommended_products.context = {
            **(cls.recommended_products.context or {}),
            'company': Eval('company', -1),
            }
        cls.recommended_products.depends = (
            cls.recommended_products.depends or set()) | {'company'}

    @fields.depends(methods=['_recommended_products_bought_together'])
    def on_change_with_recommended_products(self, name=None):
        return super().on_change_with_recommended_products(name=name)

    @fields.depends('company', 'lines')
    def _recommended_products_bought_together(self):
        pool = Pool()
        Product = pool.get('product.product')
        product_ids = {
            l.product.id for l in self.lines or []
            if getattr(l, 'product', None)}
        if not self.company or not product_ids:
            return
        with without_check_access():
            if 'offers' not in self.company.enabled_features():
                return
        ranked = bought_together(self.company, product_ids)
        # only the products the user may read: those of its operator
        readable = {p.id for p in Product.search([('id', 'in', ranked)])}
        for product_id in ranked:
            if product_id in readable:
                yield Product(product_id)


class Sale(RecommendationMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'


class POSSale(RecommendationMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale'
