# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from sql import Literal, Null, Union
from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

in_ = fields.SQL_OPERATORS['in']


class ShopStock(ModelSQL, ModelView):
    """Quantity of a product in the storage of a shop.

    A summary of the done moves, kept as they are done or cancelled, so that
    the stock of many shops is read at once (nearest shop with a product);
    the cron rebuilds it from the moves."""
    __name__ = 'telco.shop.stock'
    __string__ = "Shop Stock"

    shop = fields.Many2One(
        'telco.shop', "Shop", required=True, readonly=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, readonly=True,
        ondelete='CASCADE')
    quantity = fields.Float("Quantity", readonly=True, digits='unit')
    unit = fields.Function(
        fields.Many2One('product.uom', "Unit"), 'on_change_with_unit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('shop')
        t = cls.__table__()
        cls._sql_constraints += [
            ('shop_product_unique', Unique(t, t.shop, t.product),
                'telco_stock.msg_shop_stock_unique'),
            ]
        cls._sql_indexes.add(Index(
                t,
                (t.product, Index.Equality()),
                (t.quantity, Index.Range())))
        cls._order = [('shop', 'ASC'), ('product', 'ASC'), ('id', 'ASC')]

    @fields.depends('product')
    def on_change_with_unit(self, name=None):
        return self.product.default_uom if self.product else None

    @classmethod
    def _storage_shops(cls, location_ids):
        "{location id: shop id} of the locations inside a shop's storage"
        pool = Pool()
        Location = pool.get('stock.location')
        Shop = pool.get('telco.shop')
        location = Location.__table__()
        storage = Location.__table__()
        warehouse = Location.__table__()
        shop = Shop.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub_ids in grouped_slice(
                list(location_ids), backend.MAX_QUERY_PARAMS):
            cursor.execute(*location.join(storage,
                    condition=(location.left >= storage.left)
                    & (location.left <= storage.right)
                    ).join(warehouse,
                    condition=warehouse.storage_location == storage.id
                    ).join(shop, condition=shop.warehouse == warehouse.id
                    ).select(location.id, shop.id,
                    where=in_(location.id, list(sub_ids))))
            result.update(cursor)
        return result

    @classmethod
    def add_moves(cls, moves, sign=1):
        "Count the moves (sign -1: uncount them) in the shops' stock"
        shops = cls._storage_shops(
            {m.from_location.id for m in moves}
            | {m.to_location.id for m in moves})
        if not shops:
            return
        deltas = defaultdict(float)
        for move in moves:
            to_shop = shops.get(move.to_location.id)
            from_shop = shops.get(move.from_location.id)
            if to_shop == from_shop:
                continue
            quantity = sign * move.internal_quantity
            if to_shop:
                deltas[to_shop, move.product.id] += quantity
            if from_shop:
                deltas[from_shop, move.product.id] -= quantity
        cls._add(deltas)

    @classmethod
    def _add(cls, deltas):
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        user = transaction.user

        def existing(keys):
            found = {}
            shop_ids = list({s for s, _ in keys})
            for sub_ids in grouped_slice(shop_ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.select(
                        table.id, table.shop, table.product,
                        where=in_(table.shop, list(sub_ids))
                        & in_(table.product, list({p for _, p in keys}))))
                for id_, shop, product in cursor:
                    if (shop, product) in keys:
                        found[shop, product] = id_
            return found

        deltas = {k: d for k, d in deltas.items() if d}
        ids = existing(set(deltas))
        missing = set(deltas) - set(ids)
        if missing:
            # the first stock of a product at a shop: no other transaction
            # may insert the same row meanwhile
            cls.lock()
            ids.update(existing(missing))
            missing = set(deltas) - set(ids)
        for key, id_ in ids.items():
            cursor.execute(*table.update(
                    [table.quantity, table.write_uid, table.write_date],
                    [table.quantity + deltas[key], user, CurrentTimestamp()],
                    where=table.id == id_))
        missing = sorted(missing)
        for sub in grouped_slice(missing, backend.MAX_QUERY_PARAMS // 4):
            cursor.execute(*table.insert(
                    [table.shop, table.product, table.quantity,
                        table.create_uid, table.create_date],
                    [[s, p, deltas[s, p], user, CurrentTimestamp()]
                        for s, p in sub]))

    @classmethod
    def refresh(cls, shops=None):
        """Rebuild the summary of the shops (all by default) from their done
        moves, in two statements"""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Shop = pool.get('telco.shop')
        table = cls.__table__()
        move = Move.__table__()
        location = Location.__table__()
        storage = Location.__table__()
        warehouse = Location.__table__()
        shop = Shop.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cls.lock()
        if shops is None:
            delete_where = None
            shop_where = shop.warehouse != Null
        else:
            shop_ids = [s.id for s in shops]
            delete_where = in_(table.shop, shop_ids)
            shop_where = in_(shop.id, shop_ids)
        cursor.execute(*table.delete(where=delete_where))
        done = Union(
            move.select(
                move.to_location.as_('location'), move.product,
                move.internal_quantity.as_('quantity'),
                where=move.state == 'done'),
            move.select(
                move.from_location.as_('location'), move.product,
                (-move.internal_quantity).as_('quantity'),
                where=move.state == 'done'),
            all_=True)
        quantity = Sum(Coalesce(done.quantity, 0))
        query = shop.join(warehouse,
            condition=shop.warehouse == warehouse.id
            ).join(storage,
            condition=warehouse.storage_location == storage.id
            ).join(location,
            condition=(location.left >= storage.left)
            & (location.left <= storage.right)
            ).join(done, condition=done.location == location.id
            ).select(
                shop.id, done.product, quantity,
                Literal(transaction.user), CurrentTimestamp(),
                where=shop_where,
                group_by=[shop.id, done.product],
                having=quantity != 0)
        cursor.execute(*table.insert(
                [table.shop, table.product, table.quantity,
                    table.create_uid, table.create_date],
                query))

    @classmethod
    def refresh_all(cls):
        "Cron: rebuild every summary (moves written outside the ORM)"
        cls.refresh()
