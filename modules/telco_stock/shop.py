# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import math
import time

from sql import Literal
from sql.aggregate import Count, Max, Min
from sql.operators import Exists

from trytond import backend
from trytond.cache import Cache, LRUDict
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.modules.telco_base.calendar_ import local_now
from trytond.modules.telco_base.input import MAX_QUANTITY
from trytond.modules.telco_base.model import OperatorMixin, same_operator
from trytond.modules.telco_base.phone import to_e164
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import ShopValidationError
from .geo import bounding_box, map_url, nearest_first
from .geocoder import geocode

# first search radius (km) of the nearest shops, doubled until enough
NEAREST_RADIUS = 5.0
# seconds a compiled query of the nearest shops is kept
NEAREST_QUERY_DURATION = 300
# the radius of a search is the quantile of those the last ones needed
RADIUS_MEMORY = 32
RADIUS_QUANTILE = 1.0


class _Placeholder:
    "A value of a compiled query, bound at each execution"
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f'<{self.name}>'


_PLACEHOLDERS = [
    'company', 'service', 'product', 'date', 'time', 'weekday',
    'min_lat', 'max_lat', 'min_lon', 'max_lon']


class Service(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Service a shop offers (new line, SIM replacement, PUK, payments, ...)"
    __name__ = 'telco.shop.service'
    __string__ = "Shop Service"

    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('company_code_unique', Unique(t, t.company, t.code),
                'telco_stock.msg_service_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class Shop(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Shop (point of sale) of an operator"
    __name__ = 'telco.shop'
    __string__ = "Shop"

    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True)
    street = fields.Char("Street")
    postal_code = fields.Char("Postal Code")
    city = fields.Char("City")
    latitude = fields.Float(
        "Latitude", digits=(3, 6), required=True,
        domain=[('latitude', '>=', -90), ('latitude', '<=', 90)])
    longitude = fields.Float(
        "Longitude", digits=(3, 6), required=True,
        domain=[('longitude', '>=', -180), ('longitude', '<=', 180)])
    phone = fields.Char(
        "Phone", help="Stored in international form (E.164); a national "
        "number is read in the operator's country.")
    map_url = fields.Function(
        fields.Char("Map", help="The shop on OpenStreetMap."),
        'get_map_url')
    manager = fields.Many2One(
        'res.user', "Manager",
        domain=[('companies', '=', Eval('company', -1))],
        help="Receives the low-stock alerts of the shop.")
    services = fields.Many2Many(
        'telco.shop-telco.shop.service', 'shop', 'service', "Services")
    calendar = fields.Many2One(
        'telco.calendar', "Opening Hours", ondelete='RESTRICT',
        help="The weekly hours of the shop and the dates that change them "
        "(holidays, Ramadan); shops with the same hours share one. "
        "Without it, the shop is never open.")
    warehouse = fields.Many2One(
        'stock.location', "Warehouse", readonly=True, ondelete='RESTRICT',
        domain=[('type', '=', 'warehouse')],
        help="Created with the shop: its stock in Tryton.")
    minimums = fields.One2Many(
        'telco.shop.stock_minimum', 'shop', "Stock Minimums")
    stock = fields.One2Many(
        'telco.shop.stock', 'shop', "Stock", readonly=True,
        filter=[('quantity', '!=', 0)],
        help="The quantities in the shop's storage, from the done moves.")
    open_now = fields.Function(fields.Boolean("Open Now"), 'get_open_now')
    _density_cache = Cache('telco.shop.density', duration=3600, context=False)
    _radius_cache = Cache('telco.shop.radius', duration=600, context=False)
    _nearest_queries = LRUDict(64)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('company_code_unique', Unique(t, t.company, t.code),
                'telco_stock.msg_shop_code_unique'),
            ]
        cls._sql_indexes.add(Index(
                t,
                (t.company, Index.Equality(cardinality='low')),
                (t.latitude, Index.Range()),
                (t.longitude, Index.Range()),
                where=t.active == Literal(True)))
        cls._order.insert(0, ('name', 'ASC'))
        same_operator(cls.services)
        same_operator(cls.warehouse)
        same_operator(cls.calendar)
        cls.__rpc__.update({
                'nearest': RPC(),
                })
        cls._buttons.update({
                'locate': {
                    'readonly': ~Eval('city'),
                    'depends': ['city'],
                    },
                })

    def get_rec_name(self, name):
        return '%s (%s)' % (self.name, self.city) if self.city else self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('code', operator, operand, *extra),
            ('city', operator, operand, *extra),
            ]

    def get_map_url(self, name):
        return map_url(self.latitude, self.longitude)

    @fields.depends('phone', 'company')
    def on_change_phone(self):
        pool = Pool()
        Company = pool.get('company.company')
        if self.phone and self.company and self.company.id >= 0:
            self.phone = to_e164(
                self.phone, Company.phone_region(self.company.id)) or (
                self.phone)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Company = pool.get('company.company')
        values = super().preprocess_values(mode, values)
        if values.get('phone'):
            company_id = values.get('company') or (
                Transaction().context.get('company'))
            number = to_e164(values['phone'], Company.phone_region(
                    int(company_id) if company_id is not None else None))
            if number is None:
                raise ShopValidationError(gettext(
                        'telco_stock.msg_shop_phone_invalid',
                        phone=values['phone']))
            values['phone'] = number
        return values

    @classmethod
    def create(cls, vlist):
        shops = super().create(vlist)
        cls._create_warehouses([s for s in shops if not s.warehouse])
        return shops

    @classmethod
    def _create_warehouses(cls, shops):
        "Give each shop its warehouse, with storage, input and output"
        pool = Pool()
        Location = pool.get('stock.location')
        kinds = [
            ("Storage", 'storage'), ("Input", 'storage'),
            ("Output", 'storage'), ("Lost and Found", 'lost_found')]
        children = Location.create([{
                    'company': shop.company.id,
                    'name': "%s - %s" % (shop.code, name), 'type': type_}
                for shop in shops for name, type_ in kinds])
        warehouses = Location.create([{
                    'company': shop.company.id,
                    'name': shop.name,
                    'code': shop.code,
                    'type': 'warehouse',
                    'storage_location': storage.id,
                    'input_location': input_.id,
                    'output_location': output.id,
                    'lost_found_location': lost.id,
                    } for shop, (storage, input_, output, lost) in zip(
                    shops, zip(*[iter(children)] * len(kinds)))])
        for shop, warehouse in zip(shops, warehouses):
            shop.warehouse = warehouse
        cls.save(shops)

    @classmethod
    def write(cls, *args):
        super().write(*args)
        pool = Pool()
        Location = pool.get('stock.location')
        actions = iter(args)
        to_write = []
        for shops, values in zip(actions, actions):
            if 'name' in values:
                to_write.extend(
                    [[s.warehouse for s in shops if s.warehouse],
                        {'name': values['name']}])
        if to_write:
            Location.write(*to_write)

    @classmethod
    def copy(cls, shops, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('warehouse', None)
        default.setdefault('minimums', None)
        default.setdefault('stock', None)
        default.setdefault('code', lambda d: d['code'] + '-2')
        return super().copy(shops, default=default)

    @property
    def full_address(self):
        return ', '.join(filter(None, [
                    self.street, ' '.join(filter(None, [
                                self.postal_code, self.city])),
                    self.company.party.addresses[0].country.name
                    if self.company.party.addresses
                    and self.company.party.addresses[0].country else None]))

    @classmethod
    @ModelView.button
    def locate(cls, shops):
        "Set the coordinates of the shops from their address (geocoder)"
        for shop in shops:
            shop.latitude, shop.longitude = geocode(shop.full_address)
        cls.save(shops)

    # --- opening hours ------------------------------------------------

    @classmethod
    def local_now(cls, company):
        "The operator's wall-clock time"
        return local_now(company)

    def is_open(self, at):
        "Whether the shop is open at the local datetime"
        return bool(self.calendar) and self.calendar.is_open(at)

    @classmethod
    def get_open_now(cls, shops, name):
        now = {c: cls.local_now(c) for c in {s.company for s in shops}}
        return {s.id: s.is_open(now[s.company]) for s in shops}

    # --- nearest shops --------------------------------------------------

    @classmethod
    def nearest(cls, latitude, longitude, limit=5, at=None, open_=False,
            service=None, product=None, company=None):
        """The nearest shops of the operator, nearest first.

        Return [(shop id, distance in km)], distances geodesic (WGS-84).
        open_: only the shops open at `at` (the operator's local datetime,
        now by default); service: a service code; product: a product id that
        must be in stock at the shop. Usable by staff, the IVR and the
        portal: it searches with the caller's access rules."""
        pool = Pool()
        Company = pool.get('company.company')
        Rule = pool.get('ir.rule')
        latitude, longitude = float(latitude), float(longitude)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ShopValidationError(gettext(
                    'telco_stock.msg_coordinates_invalid',
                    latitude=latitude, longitude=longitude))
        limit = max(1, min(int(limit), 100))
        company_id = company or Transaction().context.get('company')
        if not company_id:
            return []
        if open_ and at is None:
            at = cls.local_now(Company(company_id))
        elif isinstance(at, str):
            at = dt.datetime.fromisoformat(at)

        # compiled once per kind of search and access rules: the values
        # are bound at each call, the box as the radius grows
        transaction = Transaction()
        key = (transaction.database.name, bool(service), bool(product),
            bool(open_), repr(Rule.domain_get(cls.__name__)))
        compiled = cls._nearest_queries.get(key)
        if compiled is None or compiled[0] < time.monotonic():
            compiled = (time.monotonic() + NEAREST_QUERY_DURATION,
                cls._nearest_query(bool(service), bool(product), bool(open_)))
            cls._nearest_queries[key] = compiled
        (query, params), (everywhere, everywhere_params) = compiled[1]
        values = {
            'company': company_id,
            'service': service,
            'product': int(product) if product else None,
            }
        if open_:
            values.update(
                date=at.date(), time=at.time(), weekday=str(at.weekday()))

        def bind(params):
            return tuple(
                values[p.name] if isinstance(p, _Placeholder) else p
                for p in params)

        cursor = Transaction().connection.cursor()
        # start from a radius that was enough for most of the last searches
        # of the same kind: one statement most of the time, a small box
        radius_key = (company_id, limit, bool(open_), service, product)
        needed = cls._radius_cache.get(radius_key) or ()
        if needed:
            radius = sorted(needed)[int(RADIUS_QUANTILE * (len(needed) - 1))]
        else:
            radius = cls._first_radius(company_id, limit)
        distances = {}
        while True:
            (min_lat, max_lat, min_lon, max_lon, whole) = bounding_box(
                latitude, longitude, radius)
            if whole or min_lon > max_lon:
                # the world, or across the antimeridian: rare, unbounded
                cursor.execute(everywhere, bind(everywhere_params))
                whole = True
            else:
                values.update(min_lat=min_lat, max_lat=max_lat,
                    min_lon=min_lon, max_lon=max_lon)
                cursor.execute(query, bind(params))
            rows = cursor.fetchall()
            if open_:
                rows = [r[:3] for r in rows if r[3]]
            found = nearest_first(
                latitude, longitude, rows, limit, distances)
            # every shop within the radius is in the box: the first
            # `limit` are sure once the last of them is within the radius
            if whole or (
                    len(found) >= limit and found[limit - 1][0] <= radius):
                break
            # grow by the density met so far
            radius *= max(2, 1.5 * (limit / max(len(rows), 0.25)) ** 0.5)
        if not whole:
            needed = (needed + (
                    max(NEAREST_RADIUS, found[limit - 1][0] * 1.05),))
            cls._radius_cache.set(radius_key, needed[-RADIUS_MEMORY:])
        return [(i, round(d, 3)) for d, i in found[:limit]]

    @classmethod
    def _nearest_query(cls, service, product, open_):
        """The SQL of the nearest shops with the filters, within the box and
        everywhere, with placeholders for the values"""
        pool = Pool()
        Service = pool.get('telco.shop.service')
        Rel = pool.get('telco.shop-telco.shop.service')
        ShopStock = pool.get('telco.shop.stock')
        Calendar = pool.get('telco.calendar')
        Rule = pool.get('ir.rule')
        value = {n: _Placeholder(n) for n in _PLACEHOLDERS}
        shop = cls.__table__()
        # active as a column, not compared to a parameter: the partial
        # index of the active shops then serves the prepared statement
        where = (shop.company == value['company']) & shop.active
        if service:
            service_table = Service.__table__()
            rel = Rel.__table__()
            # the service is found once (a scalar subquery), then one
            # probe per shop
            service_id = service_table.select(service_table.id,
                where=(service_table.code == value['service'])
                & (service_table.company == value['company'])
                & (service_table.active == Literal(True)))
            where &= Exists(rel.select(Literal(1),
                    where=(rel.shop == shop.id)
                    & (rel.service == service_id)))
        if product:
            stock = ShopStock.__table__()
            where &= Exists(stock.select(Literal(1),
                    where=(stock.shop == shop.id)
                    & (stock.product == value['product'])
                    & (stock.quantity > 0)))
        # the caller's access rules apply, as to a search
        rule = Rule.query_get(cls.__name__)
        if rule is not None:
            where &= shop.id.in_(rule)
        columns = [shop.id, shop.latitude, shop.longitude]
        if open_:
            # in the select list: computed only for the shops that pass the
            # other filters
            columns.append(Calendar.open_sql(
                    shop.calendar, value['date'], value['time'],
                    value['weekday']))
        box = ((shop.latitude >= value['min_lat'])
            & (shop.latitude <= value['max_lat'])
            & (shop.longitude >= value['min_lon'])
            & (shop.longitude <= value['max_lon']))
        return (
            tuple(shop.select(*columns, where=box & where)),
            tuple(shop.select(*columns, where=where)))

    @classmethod
    def _first_radius(cls, company_id, limit):
        """A radius that holds about four times `limit` shops where the
        operator's shops are spread evenly"""
        cached = cls._density_cache.get(company_id)
        if cached is None:
            shop = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*shop.select(
                    Count(shop.id), Min(shop.latitude),
                    Max(shop.latitude), Min(shop.longitude),
                    Max(shop.longitude),
                    where=(shop.company == company_id)
                    & (shop.active == Literal(True))))
            count, min_lat, max_lat, min_lon, max_lon = cursor.fetchone()
            if not count:
                cached = 0
            else:
                height = (max_lat - min_lat) * 111.0
                width = (max_lon - min_lon) * 111.0 * math.cos(
                    math.radians((max_lat + min_lat) / 2))
                cached = max(height, 1.0) * max(width, 1.0) / count
            cls._density_cache.set(company_id, cached)
        # area per shop * shops wanted = pi r^2
        radius = math.sqrt(4 * limit * cached / math.pi) if cached else 0
        return max(NEAREST_RADIUS, radius)


class ShopService(ModelSQL):
    "Shop - Service"
    __name__ = 'telco.shop-telco.shop.service'
    shop = fields.Many2One(
        'telco.shop', "Shop", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'telco.shop.service', "Service", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('shop')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.service, Index.Equality()),
                (t.shop, Index.Equality())))
        same_operator(cls.service, company='_parent_shop.company')


class StockMinimum(ModelSQL, ModelView):
    "Quantity under which the shop manager is alerted"
    __name__ = 'telco.shop.stock_minimum'
    __string__ = "Stock Minimum"

    shop = fields.Many2One(
        'telco.shop', "Shop", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE',
        domain=[('type', '=', 'goods')],
        context={'company': Eval('_parent_shop.company', -1)},
        depends={'shop'})
    minimum = fields.Float("Minimum", required=True, digits=(16, 0),
        domain=[('minimum', '>=', 0), ('minimum', '<=', MAX_QUANTITY)])
    quantity = fields.Function(
        fields.Float("In Stock", digits=(16, 0)), 'get_quantity')
    alerted = fields.Boolean(
        "Alerted", readonly=True,
        help="The manager was told; cleared when the stock is back.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('shop')
        t = cls.__table__()
        cls._sql_constraints += [
            ('shop_product_unique', Unique(t, t.shop, t.product),
                'telco_stock.msg_minimum_unique'),
            ]
        same_operator(
            cls.product, 'template.company', company='_parent_shop.company')

    @classmethod
    def default_alerted(cls):
        return False

    @classmethod
    def get_quantity(cls, minimums, name):
        return {m.id: q for m, q in cls.quantities(minimums).items()}

    @classmethod
    def quantities(cls, minimums):
        "The quantity in stock at its shop of each minimum's product"
        pool = Pool()
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        result = {}
        by_company = {}
        for minimum in minimums:
            by_company.setdefault(minimum.shop.company.id, []).append(minimum)
        for company_id, c_minimums in by_company.items():
            with Transaction().set_context(company=company_id):
                today = Date.today()
            for sub in grouped_slice(c_minimums, backend.MAX_QUERY_PARAMS):
                sub = list(sub)
                with Transaction().set_context(
                        company=company_id, stock_date_end=today):
                    quantities = Product.products_by_location(
                        list({m.shop.warehouse.id for m in sub}),
                        with_childs=True,
                        grouping_filter=(
                            list({m.product.id for m in sub}),))
                for minimum in sub:
                    result[minimum] = quantities.get(
                        (minimum.shop.warehouse.id, minimum.product.id), 0)
        return result

    @classmethod
    def check_low_stock(cls):
        """Notify the shop managers of the products under their minimum,
        once until the stock is back"""
        pool = Pool()
        Notification = pool.get('telco.notification')
        minimums = cls.search([
                ('shop.active', '=', True),
                ('shop.warehouse', '!=', None),
                ])
        low, back = [], []
        for minimum, quantity in cls.quantities(minimums).items():
            if quantity < minimum.minimum:
                if not minimum.alerted:
                    low.append((minimum, quantity))
            elif minimum.alerted:
                back.append(minimum)
        for minimum, quantity in low:
            shop = minimum.shop
            if not shop.manager:
                continue
            with Transaction().set_context(
                    language=shop.manager.language.code
                    if shop.manager.language else None):
                Notification.notify(
                    [shop.manager],
                    gettext('telco_stock.msg_low_stock_subject',
                        product=minimum.product.rec_name, shop=shop.name),
                    body=gettext('telco_stock.msg_low_stock_body',
                        product=minimum.product.rec_name, shop=shop.name,
                        quantity=int(quantity),
                        minimum=int(minimum.minimum)),
                    resource=shop, company=shop.company)
        if low:
            cls.write([m for m, _ in low], {'alerted': True})
        if back:
            cls.write(back, {'alerted': False})
        return [m for m, _ in low]


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('telco.shop.stock_minimum|check_low_stock',
                "Check Shop Stock Minimums"))
        cls.method.selection.append(
            ('telco.shop.stock|refresh_all', "Rebuild Shop Stock"))
