# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.telco_base.input import date_domain
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateView, Wizard

from .exceptions import ShopValidationError
from .geocoder import geocode


class NearestShopStart(ModelView):
    "Find the nearest shops"
    __name__ = 'telco.shop.nearest.start'

    company = fields.Many2One('company.company', "Operator", readonly=True)
    address = fields.Char(
        "Address", help="Located by the geocoder of the platform.")
    latitude = fields.Float(
        "Latitude", digits=(3, 6),
        domain=['OR', ('latitude', '=', None),
            [('latitude', '>=', -90), ('latitude', '<=', 90)]])
    longitude = fields.Float(
        "Longitude", digits=(3, 6),
        domain=['OR', ('longitude', '=', None),
            [('longitude', '>=', -180), ('longitude', '<=', 180)]])
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
    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_limit(cls):
        return 5

    @classmethod
    def default_open_(cls):
        return True


class NearestShopResults(ModelView):
    "Nearest shops"
    __name__ = 'telco.shop.nearest.results'

    results = fields.One2Many(
        'telco.shop.nearest.result', None, "Nearest Shops", readonly=True)


class NearestShopResult(ModelView):
    "Nearest shop"
    __name__ = 'telco.shop.nearest.result'

    shop = fields.Many2One('telco.shop', "Shop", readonly=True)
    distance = fields.Float("Distance (km)", digits=(16, 2), readonly=True)
    city = fields.Char("City", readonly=True)
    phone = fields.Char("Phone", readonly=True)
    open_now = fields.Boolean(
        "Open", readonly=True,
        help="Open at the time searched, or now when none was given.")


class NearestShop(Wizard):
    "Find the nearest shops"
    __name__ = 'telco.shop.nearest'

    start = StateView(
        'telco.shop.nearest.start', 'telco_stock.nearest_start_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Search", "result", "tryton-search", default=True),
            ])
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
                'address', 'latitude', 'longitude', 'open_', 'at',
                'limit']} | {
            'service': self.start.service.id if self.start.service else None,
            'product': self.start.product.id if self.start.product else None,
            }

    def default_result(self, fields):
        pool = Pool()
        Shop = pool.get('telco.shop')
        start = self.start
        latitude, longitude = start.latitude, start.longitude
        if start.address:
            latitude, longitude = geocode(start.address)
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
        return {
            'results': [{
                    'shop': shop.id,
                    'distance': distance,
                    'city': shop.city,
                    'phone': shop.phone,
                    'open_now': open_now[shop.id],
                    } for shop, (_, distance) in zip(shops, found)],
            }
