# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.telco_base.input import date_domain
from trytond.modules.telco_base.phone import to_international
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ShopValidationError
from .geo import map_url
from .geocoder import geocode, geocoder


class NearestShopStart(ModelView):
    "Find the nearest shops"
    __name__ = 'telco.shop.nearest.start'

    company = fields.Many2One('company.company', "Operator", readonly=True)
    place = fields.Char(
        "Town or Governorate",
        help="A town, a delegation or a governorate of the operator's "
        "country, found in the list of localities shipped with the "
        "application (accents and capitals do not matter); another address "
        "is located by the platform's geocoder when one is configured.")
    latitude = fields.Float(
        "Latitude", digits=(3, 6),
        domain=['OR', ('latitude', '=', None),
            [('latitude', '>=', -90), ('latitude', '<=', 90)]],
        help="Used when no place is given.")
    longitude = fields.Float(
        "Longitude", digits=(3, 6),
        domain=['OR', ('longitude', '=', None),
            [('longitude', '>=', -180), ('longitude', '<=', 180)]],
        help="Used when no place is given.")
    open_ = fields.Boolean("Open")
    at = fields.DateTime(
        "At", states={'invisible': ~Eval('open_', False)},
        domain=[date_domain('at', datetime=True)],
        help="Local time; now when empty.")
    service = fields.Many2One(
        'telco.shop.service', "Service",
        domain=[('company', '=', Eval('company', -1))])
    product = fields.Many2One(
        'product.product', "In Stock",
        domain=[
            ('template.company', '=', Eval('company', -1)),
            ('type', '=', 'goods'),
            ],
        context={'company': Eval('company', -1)})
    limit = fields.Integer(
        "Shops", required=True,
        domain=[('limit', '>=', 1), ('limit', '<=', 100)])
    # where the search starts from, once the place is found
    origin = fields.Char("From", readonly=True)
    origin_latitude = fields.Float("Latitude", readonly=True)
    origin_longitude = fields.Float("Longitude", readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_limit(cls):
        return 5

    @classmethod
    def default_open_(cls):
        return True


class NearestShopChoose(ModelView):
    "Choose the place meant"
    __name__ = 'telco.shop.nearest.choose'

    place = fields.Char("Place", readonly=True)
    candidates = fields.Many2Many(
        'telco.locality', None, None, "Places", readonly=True)
    locality = fields.Many2One(
        'telco.locality', "Place Meant", required=True,
        domain=[('id', 'in', Eval('candidates', []))])


class NearestShopResults(ModelView):
    "Nearest shops"
    __name__ = 'telco.shop.nearest.results'

    origin = fields.Char("From", readonly=True)
    origin_map = fields.Char("Map", readonly=True)
    results = fields.One2Many(
        'telco.shop.nearest.result', None, "Nearest Shops", readonly=True)


class NearestShopResult(ModelView):
    "Nearest shop"
    __name__ = 'telco.shop.nearest.result'

    shop = fields.Many2One('telco.shop', "Shop", readonly=True)
    distance = fields.Float("Distance (km)", digits=(16, 2), readonly=True)
    street = fields.Char("Street", readonly=True)
    city = fields.Char("City", readonly=True)
    phone = fields.Char("Phone", readonly=True)
    map_url = fields.Char(
        "Map", readonly=True, help="The shop on OpenStreetMap.")
    open_now = fields.Boolean(
        "Open", readonly=True,
        help="Open at the time searched, or now when none was given.")


class NearestShop(Wizard):
    "Find the nearest shops"
    __name__ = 'telco.shop.nearest'

    start = StateView(
        'telco.shop.nearest.start', 'telco_stock.nearest_start_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Search", 'search', 'tryton-search', default=True),
            ])
    search = StateTransition()
    choose = StateView(
        'telco.shop.nearest.choose',
        'telco_stock.nearest_choose_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Search", 'chosen', 'tryton-search', default=True),
            ])
    chosen = StateTransition()
    result = StateView(
        'telco.shop.nearest.results',
        'telco_stock.nearest_results_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        if getattr(self.start, 'limit', None) is None:
            return {}
        return {
            name: getattr(self.start, name) for name in [
                'place', 'latitude', 'longitude', 'open_', 'at',
                'limit']} | {
            'service': self.start.service.id if self.start.service else None,
            'product': self.start.product.id if self.start.product else None,
            }

    def _set_origin(self, label, latitude, longitude):
        self.start.origin = label
        self.start.origin_latitude = latitude
        self.start.origin_longitude = longitude

    def transition_search(self):
        pool = Pool()
        Company = pool.get('company.company')
        Locality = pool.get('telco.locality')
        start = self.start
        self._set_origin(None, None, None)
        place = (start.place or '').strip()
        if not place:
            if start.latitude is None or start.longitude is None:
                raise ShopValidationError(gettext(
                        'telco_stock.msg_nearest_no_position'))
            self._set_origin(
                '%.6f, %.6f' % (start.latitude, start.longitude),
                start.latitude, start.longitude)
            return 'result'
        company_id = start.company.id if start.company else (
            Transaction().context.get('company'))
        country = Company.phone_region(company_id)
        localities = Locality.lookup(place, country)
        if len(localities) > 1:
            self.choose.place = place
            self.choose.candidates = localities
            self.choose.locality = None
            return 'choose'
        elif localities:
            locality, = localities
            self._set_origin(
                locality.rec_name, locality.latitude, locality.longitude)
        elif geocoder() is not None:
            latitude, longitude = geocode(place)
            self._set_origin(place, latitude, longitude)
        else:
            raise ShopValidationError(gettext(
                    'telco_stock.msg_locality_unknown', place=place))
        return 'result'

    def default_choose(self, fields):
        return {
            'place': self.choose.place,
            'candidates': [c.id for c in self.choose.candidates],
            'locality': None,
            }

    def transition_chosen(self):
        locality = self.choose.locality
        if not locality:
            raise ShopValidationError(gettext(
                    'telco_stock.msg_locality_unknown',
                    place=self.choose.place))
        self._set_origin(
            locality.rec_name, locality.latitude, locality.longitude)
        return 'result'

    def default_result(self, fields):
        pool = Pool()
        Company = pool.get('company.company')
        Shop = pool.get('telco.shop')
        start = self.start
        latitude, longitude = start.origin_latitude, start.origin_longitude
        if latitude is None or longitude is None:
            raise ShopValidationError(gettext(
                    'telco_stock.msg_nearest_no_position'))
        found = Shop.nearest(
            latitude, longitude, limit=start.limit,
            at=start.at, open_=start.open_,
            service=start.service.code if start.service else None,
            product=start.product.id if start.product else None)
        shops = Shop.browse([i for i, _ in found])
        if start.open_ and start.at:
            open_now = {s.id: s.is_open(start.at) for s in shops}
        else:
            open_now = Shop.get_open_now(shops, 'open_now')
        region = {
            c.id: Company.phone_region(c.id)
            for c in {s.company for s in shops}}
        return {
            'origin': start.origin,
            'origin_map': map_url(latitude, longitude),
            'results': [{
                    'shop': shop.id,
                    'distance': distance,
                    'street': shop.street,
                    'city': shop.city,
                    'phone': (to_international(
                            shop.phone, region[shop.company.id])
                        if shop.phone else None),
                    'map_url': shop.map_url,
                    'open_now': open_now[shop.id],
                    } for shop, (_, distance) in zip(shops, found)],
            }
