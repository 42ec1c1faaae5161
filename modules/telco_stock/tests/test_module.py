# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
import os
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from geopy.distance import geodesic
from lxml import etree

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError,
    SQLConstraintError, ValidationError)
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_line.tests.tools import luhn_complete
from trytond.modules.telco_stock.exceptions import ShopSaleError
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    as_user, assert_message, create_operator, create_staff, savepoint,
    with_transaction)
from trytond.modules.telco_billing.tests.tools import setup_accounting
from trytond.pool import Pool
from trytond.transaction import Transaction

from .tools import (
    SHOP_AGENT, SHOP_MANAGER, STOCK_MANAGER, create_account_category,
    create_cash_desk, create_lots, create_shop, create_sim_lots,
    create_stock_products, imei, pos_lines, receive)

# a Monday, a Sunday and a day of Ramadan 2027
MONDAY = dt.datetime(2026, 11, 23, 10, 0)
SUNDAY = dt.datetime(2026, 11, 29, 10, 0)
RAMADAN = dt.datetime(2027, 2, 15, 17, 0)

TUNIS = (36.8065, 10.1815)
PLACES = {
    # code: (name, latitude, longitude, city)
    'TUN1': ("Tunis Centre", 36.7990, 10.1800, 'Tunis'),
    'ARI1': ("Ariana", 36.8625, 10.1956, 'Ariana'),
    'LAM1': ("La Marsa", 36.8782, 10.3247, 'La Marsa'),
    'BEN1': ("Ben Arous", 36.7531, 10.2189, 'Ben Arous'),
    'SOU1': ("Sousse", 35.8256, 10.6084, 'Sousse'),
    'SFX1': ("Sfax", 34.7406, 10.7603, 'Sfax'),
    }


def load_french():
    "Load the French translation of the module, as activation does"
    pool = Pool()
    Lang = pool.get('ir.lang')
    Translation = pool.get('ir.translation')
    fr, = Lang.search([('code', '=', 'fr')])
    Lang.write([fr], {'translatable': True})
    path = os.path.join(
        os.path.dirname(os.path.dirname(__file__)), 'locale', 'fr.po')
    Translation.translation_import('fr', 'telco_stock', [path])


class NominatimHandler(BaseHTTPRequestHandler):
    "Answers /search as OpenStreetMap's Nominatim does"
    places = {
        'avenue habib bourguiba, tunis': (36.8008, 10.1866),
        }

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path != '/search' or query.get('format') != ['json']:
            self.send_response(404)
            self.end_headers()
            return
        address = query['q'][0].lower()
        body = []
        for name, (lat, lon) in self.places.items():
            if name in address:
                body.append({
                        'lat': str(lat), 'lon': str(lon),
                        'display_name': name.title(),
                        'place_id': 1, 'importance': 0.5})
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class TelcoStockTestCase(SMTPTestMixin, CompanyTestMixin, PlatformTestCase):
    "Test Telco Stock module"
    module = 'telco_stock'

    @property
    def _skip_company_rule(self):
        # its rule also shows the platform's shared locations (customer,
        # supplier, transit): tested by test_locations_and_lots_per_operator
        return super()._skip_company_rule | {('stock.location', 'company')}

    def _operator(self, code='OOREDOO', name="Ooredoo Tunisie"):
        return create_operator(name, code, ['clients', 'stock'])

    def _shops(self, company, codes=PLACES, **kwargs):
        return {
            code: create_shop(
                company, code, PLACES[code][0], PLACES[code][1],
                PLACES[code][2], city=PLACES[code][3], **kwargs)
            for code in codes}

    @with_transaction()
    def test_shop_warehouse(self):
        "A shop gets its own warehouse in the operator's stock"
        pool = Pool()
        Shop = pool.get('telco.shop')
        company = self._operator()
        shop = create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        warehouse = shop.warehouse
        self.assertEqual(warehouse.type, 'warehouse')
        self.assertEqual(warehouse.company, company)
        self.assertEqual(warehouse.storage_location.company, company)
        self.assertEqual(warehouse.storage_location.warehouse, warehouse)
        self.assertEqual(warehouse.lost_found_location.type, 'lost_found')
        Shop.write([shop], {'name': "Tunis Kasbah"})
        self.assertEqual(shop.warehouse.name, "Tunis Kasbah")

    @with_transaction()
    def test_default_warehouse(self):
        "Sales default to the operator's own warehouse, never to a shop's"
        pool = Pool()
        Location = pool.get('stock.location')
        company = self._operator()
        other = self._operator('TT', "Tunisie Telecom")
        shared, = Location.search([('code', '=', 'WH')])
        create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        create_shop(company, 'ARI1', "Ariana", 36.8625, 10.1956)

        def default(company):
            with Transaction().set_context(company=company.id):
                return Location.get_default_warehouse()
        self.assertEqual(default(company), shared.id)
        storage, = Location.copy([shared.storage_location], default={
                'company': company.id, 'parent': None})
        central, = Location.create([{
                    'name': "Entrepôt central", 'type': 'warehouse',
                    'company': company.id,
                    'storage_location': storage.id,
                    'input_location': storage.id,
                    'output_location': storage.id,
                    }])
        self.assertEqual(default(company), central.id)
        self.assertEqual(default(other), shared.id)

    @with_transaction()
    def test_opening_hours(self):
        "Weekly hours, a closed holiday and Ramadan hours"
        pool = Pool()
        Exception_ = pool.get('telco.calendar.exception')
        company = self._operator()
        shop = create_shop(
            company, 'TUN1', "Tunis Centre", *TUNIS,
            hours=[(dt.time(8), dt.time(12)), (dt.time(14), dt.time(18))])
        self.assertTrue(shop.is_open(MONDAY))
        self.assertFalse(shop.is_open(MONDAY.replace(hour=13)))
        self.assertFalse(shop.is_open(MONDAY.replace(hour=18)))
        self.assertFalse(shop.is_open(SUNDAY))
        Exception_.create([{
                    'calendar': shop.calendar.id,
                    'name': "Fête de l'Indépendance",
                    'start_date': dt.date(2026, 11, 23),
                    'end_date': dt.date(2026, 11, 23), 'closed': True,
                    }, {
                    'calendar': shop.calendar.id, 'name': "Ramadan",
                    'start_date': dt.date(2027, 2, 8),
                    'end_date': dt.date(2027, 3, 9),
                    'start_time': dt.time(9), 'end_time': dt.time(15, 30),
                    }])
        self.assertFalse(shop.is_open(MONDAY))
        self.assertTrue(shop.is_open(MONDAY + dt.timedelta(days=1)))
        self.assertTrue(shop.is_open(RAMADAN.replace(hour=15)))
        self.assertFalse(shop.is_open(RAMADAN))
        # every day of Ramadan, Sundays included, until a day of the week
        # has its own exception
        ramadan_sunday = RAMADAN + dt.timedelta(days=6)
        self.assertTrue(shop.is_open(ramadan_sunday.replace(hour=10)))
        Exception_.create([{
                    'calendar': shop.calendar.id, 'name': "Ramadan, dimanche",
                    'start_date': dt.date(2027, 2, 8),
                    'end_date': dt.date(2027, 3, 9),
                    'weekday': '6', 'closed': True,
                    }, {
                    'calendar': shop.calendar.id, 'name': "Ramadan, samedi",
                    'start_date': dt.date(2027, 2, 8),
                    'end_date': dt.date(2027, 3, 9),
                    'weekday': '5',
                    'start_time': dt.time(10), 'end_time': dt.time(13),
                    }])
        ramadan_saturday = RAMADAN + dt.timedelta(days=5)
        self.assertFalse(shop.is_open(ramadan_sunday.replace(hour=10)))
        self.assertTrue(shop.is_open(ramadan_saturday.replace(hour=12)))
        self.assertFalse(shop.is_open(ramadan_saturday.replace(hour=14)))
        self.assertTrue(shop.is_open(RAMADAN.replace(hour=15)))
        # the SQL condition of the nearest shops agrees
        Shop = pool.get('telco.shop')
        for at, expected in [
                (MONDAY, False),
                (MONDAY + dt.timedelta(days=1), True),
                (RAMADAN, False),
                (RAMADAN.replace(hour=15), True),
                (ramadan_sunday.replace(hour=10), False),
                (ramadan_saturday.replace(hour=12), True),
                (ramadan_saturday.replace(hour=14), False),
                ]:
            with Transaction().set_context(company=company.id):
                found = Shop.nearest(*TUNIS, open_=True, at=at)
            self.assertEqual(bool(found), expected, at)

    @with_transaction()
    def test_nearest_by_distance(self):
        "The nearest shops, nearest first, at their geodesic distance"
        pool = Pool()
        Shop = pool.get('telco.shop')
        company = self._operator()
        shops = self._shops(company)
        with Transaction().set_context(company=company.id):
            found = Shop.nearest(*TUNIS, limit=3)
        expected = sorted(
            (geodesic(TUNIS, (s.latitude, s.longitude)).km, s.code)
            for s in shops.values())
        self.assertEqual(
            [Shop(i).code for i, _ in found], [c for _, c in expected[:3]])
        for shop_id, distance in found:
            shop = Shop(shop_id)
            self.assertAlmostEqual(
                distance,
                geodesic(TUNIS, (shop.latitude, shop.longitude)).km,
                places=2)
        # far beyond the first search radius: the radius grows
        with Transaction().set_context(company=company.id):
            found = Shop.nearest(*TUNIS, limit=10)
        self.assertEqual(len(found), len(shops))
        self.assertEqual(Shop(found[-1][0]).code, 'SFX1')
        self.assertEqual(
            [d for _, d in found], sorted(d for _, d in found))

    @with_transaction()
    def test_nearest_filters(self):
        "Open at a time, offering a service, with a product in stock"
        pool = Pool()
        Shop = pool.get('telco.shop')
        Exception_ = pool.get('telco.calendar.exception')
        company = self._operator()
        products = create_stock_products(company)
        shops = self._shops(company, ['TUN1', 'BEN1', 'ARI1'])
        shops['LAM1'] = create_shop(
            company, 'LAM1', "La Marsa", *PLACES['LAM1'][1:3],
            days=[str(d) for d in range(7)], services=['puk'])
        Exception_.create([{
                    'calendar': shops['TUN1'].calendar.id,
                    'name': "Inventaire",
                    'start_date': MONDAY.date(), 'end_date': MONDAY.date(),
                    'closed': True}])
        receive(company, shops['ARI1'].warehouse.storage_location,
            products['CASE'], 4)

        def codes(**kwargs):
            with Transaction().set_context(company=company.id):
                return [Shop(i).code for i, _ in Shop.nearest(
                        *TUNIS, limit=5, **kwargs)]

        self.assertEqual(
            codes(open_=True, at=MONDAY), ['ARI1', 'BEN1', 'LAM1'])
        self.assertEqual(codes(open_=True, at=SUNDAY), ['LAM1'])
        self.assertEqual(
            codes(open_=True, at=MONDAY.replace(hour=20)), [])
        self.assertEqual(codes(service='puk'), ['LAM1'])
        self.assertEqual(codes(product=products['CASE'].id), ['ARI1'])
        self.assertEqual(
            codes(product=products['CASE'].id, open_=True, at=SUNDAY), [])

    @with_transaction()
    def test_nearest_other_operator(self):
        "The shops of another operator are never proposed"
        pool = Pool()
        Shop = pool.get('telco.shop')
        ooredoo = self._operator()
        tt = self._operator('TT', "Tunisie Telecom")
        create_shop(ooredoo, 'TUN1', "Ooredoo Tunis", *TUNIS)
        tt_shop = create_shop(tt, 'TUN1', "TT Tunis", 36.80, 10.18)
        agent = create_staff('agent', ooredoo, SHOP_AGENT)
        with as_user(agent):
            found = Shop.nearest(*TUNIS, limit=5)
            self.assertNotIn(tt_shop.id, [i for i, _ in found])
            self.assertEqual(len(found), 1)
            # a context naming the other operator gives nothing of it
            with Transaction().set_context(company=tt.id):
                found = Shop.nearest(*TUNIS, limit=5)
            self.assertNotIn(tt_shop.id, [i for i, _ in found])

    @with_transaction()
    def test_nearest_bad_coordinates(self):
        "Coordinates out of range are refused"
        pool = Pool()
        Shop = pool.get('telco.shop')
        company = self._operator()
        with Transaction().set_context(company=company.id):
            with self.assertRaisesRegex(ValidationError, "latitude"):
                Shop.nearest(95, 10)

    @with_transaction()
    def test_nearest_wizard(self):
        "Staff find the nearest open shops from coordinates"
        pool = Pool()
        Wizard = pool.get('telco.shop.nearest', type='wizard')
        company = self._operator()
        self._shops(company, ['TUN1', 'ARI1'])
        agent = create_staff('agent', company, SHOP_AGENT)
        with as_user(agent):
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id, {'start': {
                        'place': None,
                        'latitude': TUNIS[0], 'longitude': TUNIS[1],
                        'open_': False, 'at': None, 'service': None,
                        'product': None, 'limit': 5,
                        }}, 'search')
        self.assertEqual(result['view']['state'], 'result')
        values = result['view']['defaults']
        self.assertEqual(
            [r['city'] for r in values['results']], ['Tunis', 'Ariana'])
        self.assertEqual(values['origin'], '36.806500, 10.181500')

    def _nearest(self, user, place, choose=None):
        """Run the wizard as the user from the place, then choose the
        locality when it asks; return the view of its last state"""
        pool = Pool()
        Wizard = pool.get('telco.shop.nearest', type='wizard')
        with as_user(user):
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id, {'start': {
                        'place': place, 'latitude': None, 'longitude': None,
                        'open_': False, 'at': None, 'service': None,
                        'product': None, 'limit': 10,
                        }}, 'search')
            if choose is not None:
                self.assertEqual(result['view']['state'], 'choose')
                result = Wizard.execute(session_id, {'choose': {
                            'locality': choose.id}}, 'chosen')
        return result['view']

    @with_transaction()
    def test_gazetteer(self):
        "Towns, delegations and governorates found by name, offline"
        pool = Pool()
        Locality = pool.get('telco.locality')
        Country = pool.get('country.country')
        Company = pool.get('company.company')

        def found(name, country='TN'):
            return [(l.name, l.subdivision)
                for l in Locality.lookup(name, country)]
        # the 24 governorates, each with its seat
        seats = Locality.search([('country', '=', 'TN'), ('seat', '=', True)])
        self.assertEqual(len({l.subdivision_code for l in seats}), 24)
        self.assertEqual(len(seats), 24)
        for name in ["Sfax", "sfax", " SFAX ", "صفاقس"]:
            self.assertEqual(found(name), [("Sfax", "Sfax")], name)
        for name in ["Médenine", "Medenine", "MEDENINE", "médenine"]:
            self.assertEqual(found(name), [("Médenine", "Médenine")], name)
        # delegations, with or without spaces, articles and accents
        self.assertEqual(found("Ben Gardane"), [("Ben Gardane", "Médenine")])
        self.assertEqual(found("bengardane"), [("Ben Gardane", "Médenine")])
        self.assertEqual(found("Marsa"), [("La Marsa", "Tunis")])
        self.assertEqual(found("Kebili"), [("Kébili", "Kébili")])
        # a governorate by its name when its seat is named otherwise
        self.assertEqual(found("La Manouba"), [("Manouba", "La Manouba")])
        self.assertEqual(found("Gouvernorat"), [])
        self.assertEqual(found("Atlantis"), [])
        self.assertEqual(found(""), [])
        # two towns of one name: both, the larger first
        self.assertEqual(found("El Hamma"), [
                ("El Hamma", "Gabès"), ("El Hamma du Jérid", "Tozeur")])
        # the localities of another country are not those of the operator
        self.assertEqual(found("Sfax", 'FR'), [])
        self.assertEqual(found("Sfax", None), [("Sfax", "Sfax")])
        # the operator's country is the one of its phone numbers
        tunisia, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
        company = self._operator()
        Company.write([company], {'phone_country': tunisia.id})
        self.assertEqual(Company.phone_region(company.id), 'TN')
        sfax, = Locality.lookup("Sfax", 'TN')
        self.assertEqual(
            sfax.map_url,
            'https://www.openstreetmap.org/?mlat=34.74056&mlon=10.76028'
            '#map=17/34.74056/10.76028')

    @with_transaction()
    def test_nearest_from_place(self):
        "The nearest shops from a town typed in any spelling, with phone "
        "and map"
        pool = Pool()
        Shop = pool.get('telco.shop')
        Locality = pool.get('telco.locality')
        company = self._operator()
        shops = self._shops(company)
        phones = {}
        for i, (code, shop) in enumerate(sorted(shops.items())):
            shop.street = f"{i + 1} avenue Habib Bourguiba"
            shop.phone = phones[code] = f'+216 71 {100 + i} 200'
        Shop.save(list(shops.values()))
        agent = create_staff('agent', company, SHOP_AGENT)
        sfax, = Locality.search([('name', '=', "Sfax")])

        def expected(latitude, longitude):
            return [code for _, code in sorted(
                    (geodesic(
                            (latitude, longitude),
                            (s.latitude, s.longitude)).km, code)
                    for code, s in shops.items())]
        for place in ["Sfax", "sfax", "صفاقس"]:
            view = self._nearest(agent, place)
            self.assertEqual(view['state'], 'result')
            results = view['defaults']['results']
            self.assertEqual(
                [Shop(r['shop']).code for r in results],
                expected(34.74056, 10.76028))
            self.assertEqual(view['defaults']['origin'], "Sfax")
        first, last = results[0], results[-1]
        self.assertEqual(first['city'], 'Sfax')
        self.assertAlmostEqual(
            first['distance'],
            geodesic((34.74056, 10.76028), PLACES['SFX1'][1:3]).km, places=2)
        # SFX1 is the fourth shop by code
        self.assertEqual(first['phone'], '+216 71 103 200')
        self.assertEqual(first['street'], "4 avenue Habib Bourguiba")
        self.assertEqual(
            first['map_url'],
            'https://www.openstreetmap.org/?mlat=34.74060&mlon=10.76030'
            '#map=17/34.74060/10.76030')
        self.assertEqual(
            [r['phone'] for r in results],
            [phones[Shop(r['shop']).code] for r in results])
        self.assertEqual(
            [r['map_url'] for r in results],
            ['https://www.openstreetmap.org/?mlat=%(lat).5f&mlon=%(lon).5f'
                '#map=17/%(lat).5f/%(lon).5f' % {
                    'lat': PLACES[Shop(r['shop']).code][1],
                    'lon': PLACES[Shop(r['shop']).code][2]}
                for r in results])
        self.assertEqual(last['city'], PLACES[Shop(last['shop']).code][3])
        self.assertEqual(
            view['defaults']['origin_map'], sfax.map_url)
        # a governorate: from its seat
        view = self._nearest(agent, "medenine")
        medenine, = Locality.search([('name', '=', "Médenine")])
        self.assertEqual(view['defaults']['origin'], "Médenine")
        self.assertEqual(
            [Shop(r['shop']).code for r in view['defaults']['results']],
            expected(medenine.latitude, medenine.longitude))
        # a delegation
        view = self._nearest(agent, "Ben Gardane")
        self.assertEqual(
            view['defaults']['origin'], "Ben Gardane (Médenine)")

    @with_transaction()
    def test_nearest_ambiguous_place(self):
        "A name that two towns bear asks which one is meant"
        pool = Pool()
        Shop = pool.get('telco.shop')
        Locality = pool.get('telco.locality')
        Wizard = pool.get('telco.shop.nearest', type='wizard')
        company = self._operator()
        shops = self._shops(company, ['TUN1', 'SFX1'])
        tozeur = create_shop(
            company, 'TOZ1', "Tozeur", 33.9197, 8.1335, city='Tozeur')
        gabes = create_shop(
            company, 'GAB1', "Gabès", 33.8815, 10.0982, city='Gabès')
        agent = create_staff('agent', company, SHOP_AGENT)
        hammas = Locality.search(
            [('name', 'in', ["El Hamma", "El Hamma du Jérid"])],
            order=[('population', 'DESC')])
        self.assertEqual(
            [l.subdivision for l in hammas], ["Gabès", "Tozeur"])
        with as_user(agent):
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id, {'start': {
                        'place': "el hamma", 'latitude': None,
                        'longitude': None, 'open_': False, 'at': None,
                        'service': None, 'product': None, 'limit': 10,
                        }}, 'search')
        view = result['view']
        self.assertEqual(view['state'], 'choose')
        self.assertEqual(
            view['defaults']['candidates'], [h.id for h in hammas])
        self.assertEqual(view['defaults']['place'], "el hamma")
        self.assertIsNone(view['defaults']['locality'])
        everyone = [tozeur, gabes, *shops.values()]
        for locality, first in [(hammas[0], gabes), (hammas[1], tozeur)]:
            view = self._nearest(agent, "El Hamma", choose=locality)
            self.assertEqual(view['state'], 'result')
            codes = [Shop(r['shop']).code for r in view['defaults']['results']]
            self.assertEqual(codes, [c for _, c in sorted(
                        (geodesic(
                                (locality.latitude, locality.longitude),
                                (s.latitude, s.longitude)).km, s.code)
                        for s in everyone)])
            self.assertEqual(codes[0], first.code)
            self.assertEqual(view['defaults']['origin'], locality.rec_name)

    @with_transaction()
    def test_locality_access(self):
        "The gazetteer is read by all the staff and kept by the platform"
        pool = Pool()
        Locality = pool.get('telco.locality')
        company = self._operator()
        sfax, = Locality.search([('name', '=', "Sfax")])
        values = {
            'country': 'TN', 'subdivision_code': 'TN-61',
            'subdivision': "Sfax", 'name': "Nouvelle Ville",
            'latitude': 34.7, 'longitude': 10.7}
        platform = create_staff(
            'platform', company, ['telco_base.group_platform_admin'])
        with as_user(platform):
            town, = Locality.create([values])
            # the index of the names follows the changes
            self.assertEqual(Locality.lookup("nouvelle-ville", 'TN'), [town])
            Locality.write([town], {'alternatives': "Madinat Jadida"})
            self.assertEqual(Locality.lookup("madinat jadida", 'TN'), [town])
            # the shipped localities are updated with the module: they may
            # be deactivated, not changed
            with self.assertRaises(AccessError) as cm:
                Locality.write(
                    [Locality(sfax.id)], {'alternatives': "Sfax Médina"})
            assert_message(self, cm.exception, 'ir.msg_write_xml_record')
            Locality.write([Locality(sfax.id)], {'active': False})
            self.assertEqual(Locality.lookup("sfax", 'TN'), [])
            Locality.write([Locality(sfax.id)], {'active': True})
            self.assertEqual(Locality.lookup("sfax", 'TN'), [sfax])
        for i, groups in enumerate([SHOP_AGENT, STOCK_MANAGER]):
            user = create_staff(f'staff{i}', company, groups)
            with as_user(user):
                self.assertEqual(Locality.lookup("sfax", 'TN'), [sfax])
                self.assertEqual(
                    Locality.read([town.id], ['name']),
                    [{'id': town.id, 'name': "Nouvelle Ville"}])
                for locality in [Locality(sfax.id), Locality(town.id)]:
                    with self.assertRaises(AccessError) as cm:
                        Locality.write([locality], {'active': False})
                    assert_message(
                        self, cm.exception, 'ir.msg_access_rule_error')
                    with self.assertRaises(AccessError) as cm:
                        Locality.delete([locality])
                    assert_message(
                        self, cm.exception, 'ir.msg_access_rule_error')
                with self.assertRaises(AccessError) as cm:
                    Locality.create([values])
                assert_message(self, cm.exception, 'ir.msg_access_rule_error')
        self.assertEqual(
            Locality.search([('name', '=', "Nouvelle Ville")]), [town])
        self.assertTrue(Locality(sfax.id).active)
        with as_user(platform):
            Locality.delete([Locality(town.id)])
            self.assertEqual(Locality.lookup("nouvelle ville", 'TN'), [])

    @with_transaction()
    def test_nearest_unknown_place(self):
        "A place unknown to the gazetteer, without geocoder, is refused"
        pool = Pool()
        Wizard = pool.get('telco.shop.nearest', type='wizard')
        company = self._operator()
        self._shops(company, ['TUN1'])
        agent = create_staff('agent', company, SHOP_AGENT)
        with as_user(agent):
            session_id, _, _ = Wizard.create()
            with self.assertRaises(ValidationError) as cm:
                Wizard.execute(session_id, {'start': {
                            'place': "Atlantis", 'latitude': None,
                            'longitude': None, 'open_': False, 'at': None,
                            'service': None, 'product': None, 'limit': 5,
                            }}, 'search')
            expected = gettext(
                'telco_stock.msg_locality_unknown', place="Atlantis")
            self.assertEqual(cm.exception.message, expected)
        self.assertEqual(
            expected, 'No town or governorate named "Atlantis" is known: '
            'check its spelling, or enter the coordinates.')
        load_french()
        with Transaction().set_context(language='fr'):
            self.assertEqual(
                gettext('telco_stock.msg_locality_unknown', place="Atlantis"),
                "Aucune ville ni aucun gouvernorat nommé « Atlantis » n'est "
                "connu : vérifiez l'orthographe ou saisissez les "
                "coordonnées.")

    @with_transaction()
    def test_services_by_name(self):
        "Services are shown by their translated name, not by their code"
        pool = Pool()
        Service = pool.get('telco.shop.service')
        Shop = pool.get('telco.shop')
        ModelData = pool.get('ir.model.data')
        company = self._operator()
        load_french()
        with Transaction().set_context(company=company.id, language='en'):
            service, = Service.create([{
                        'company': company.id, 'code': 'sim_swap',
                        'name': "SIM Replacement"}])
        with Transaction().set_context(language='fr'):
            Service.write([service], {'name': "Remplacement de SIM"})
        shop = create_shop(
            company, 'TUN1', "Tunis Centre", *TUNIS, services=['sim_swap'])
        for language, name in [
                ('en', "SIM Replacement"), ('fr', "Remplacement de SIM")]:
            with Transaction().set_context(language=language):
                self.assertEqual(
                    [s.rec_name for s in Shop(shop.id).services], [name])
                self.assertEqual(
                    Service.search([('rec_name', '=', name)]), [service])
        # the shop's form lists its services by name, the code hidden
        form = Shop.fields_view_get(view_type='form')
        services, = [f for f in etree.fromstring(form['arch']).iter('field')
            if f.get('name') == 'services']
        view_id = ModelData.get_id('telco_stock', 'service_view_list_name')
        self.assertEqual(services.get('view_ids'), str(view_id))
        columns = [
            (f.get('name'), f.get('optional'))
            for f in etree.fromstring(Service.fields_view_get(
                    view_id=view_id)['arch']).iter('field')]
        self.assertEqual(columns, [('name', None), ('code', '1')])
        # so does the configuration list, the name first
        columns = [f.get('name') for f in etree.fromstring(
                Service.fields_view_get(view_type='tree')['arch']
                ).iter('field')]
        self.assertEqual(columns[:2], ['name', 'code'])

    @with_transaction()
    def test_shop_phone_and_map(self):
        "The shop's phone in E.164 from the operator's country; its map"
        pool = Pool()
        Shop = pool.get('telco.shop')
        Country = pool.get('country.country')
        Company = pool.get('company.company')
        tunisia, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
        company = self._operator()
        Company.write([company], {'phone_country': tunisia.id})
        shop = create_shop(company, 'SFX1', "Sfax", 34.7406, 10.7603)
        with Transaction().set_context(company=company.id):
            Shop.write([shop], {'phone': '74 400 100'})
            self.assertEqual(shop.phone, '+21674400100')
            with self.assertRaises(ValidationError) as cm:
                Shop.write([shop], {'phone': '74 400'})
        self.assertEqual(cm.exception.message, gettext(
                'telco_stock.msg_shop_phone_invalid', phone='74 400'))
        self.assertEqual(
            shop.map_url,
            'https://www.openstreetmap.org/?mlat=34.74060&mlon=10.76030'
            '#map=17/34.74060/10.76030')

    @with_transaction()
    def test_geocoder(self):
        "Addresses are located by the configured geocoder (Nominatim API)"
        from trytond import config
        pool = Pool()
        Shop = pool.get('telco.shop')
        company = self._operator()
        shop = create_shop(company, 'TUN1', "Tunis Centre", 0, 0)
        shop.street = "Avenue Habib Bourguiba"
        shop.save()
        with self.assertRaisesRegex(UserError, "geocoder"):
            Shop.locate([shop])
        server = HTTPServer(('127.0.0.1', 0), NominatimHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        if not config.has_section('telco_geocoder'):
            config.add_section('telco_geocoder')
        try:
            config.set('telco_geocoder', 'provider', 'nominatim')
            config.set('telco_geocoder', 'scheme', 'http')
            config.set('telco_geocoder', 'domain',
                '127.0.0.1:%s' % server.server_port)
            Shop.locate([shop])
            self.assertEqual(
                (shop.latitude, shop.longitude), (36.8008, 10.1866))
            shop.street = "Rue inconnue"
            with self.assertRaisesRegex(UserError, "no place"):
                Shop.locate([shop])
        finally:
            # remove_section does not clear trytond.config's cache of get()
            # but set() does: without it the next tests would still geocode
            config.set('telco_geocoder', 'provider', '')
            config.remove_section('telco_geocoder')
            server.shutdown()
            server.server_close()

    @with_transaction()
    def test_serial_numbers(self):
        "IMEI checked by Luhn, ICCID of SIM lots, one item per serial"
        pool = Pool()
        Lot = pool.get('stock.lot')
        company = self._operator()
        products = create_stock_products(company)
        shop = create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        lot, = create_lots(company, products['PHONE'], [imei(1)])
        bad = imei(2)[:-1] + str((int(imei(2)[-1]) + 1) % 10)
        for number in [bad, '12345']:
            with self.assertRaises(ValidationError) as cm:
                create_lots(company, products['PHONE'], [number])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_stock.msg_imei_invalid', imei=number))
        with self.assertRaises(SQLConstraintError) as cm:
            with savepoint():
                create_lots(company, products['PHONE'], [imei(1)])
        self.assertEqual(cm.exception.message, gettext(
                'telco_stock.msg_lot_number_unique'))
        # a SIM lot names its SIM card...
        with self.assertRaises(RequiredValidationError) as cm, savepoint():
            with Transaction().set_context(company=company.id):
                Lot.create([{
                            'company': company.id,
                            'product': products['SIM'].id,
                            'number': '8921601000000000001'}])
        assert_message(self, cm.exception, 'ir.msg_required_validation_record')
        # ...and carries its ICCID as number
        Sim = pool.get('telco.sim')
        with Transaction().set_context(company=company.id):
            sim, = Sim.create([{
                        'company': company.id,
                        'iccid': luhn_complete('892160100000000009'),
                        'puk': '12345678'}])
            with self.assertRaises(ValidationError) as cm, savepoint():
                Lot.create([{
                            'company': company.id,
                            'product': products['SIM'].id, 'sim': sim.id,
                            'number': '8921601000000000001'}])
        self.assertEqual(cm.exception.message, gettext(
                'telco_stock.msg_sim_lot_iccid',
                number='8921601000000000001'))
        sim_lot, = create_sim_lots(company, products['SIM'], 1)
        self.assertEqual(sim_lot.number, sim_lot.sim.iccid)
        with self.assertRaises(ValidationError) as cm:
            receive(company, shop.warehouse.storage_location,
                products['PHONE'], 2, lot=lot)
        assert_message(self, cm.exception, 'telco_stock.msg_serial_quantity')
        with self.assertRaises(UserError) as cm:
            receive(company, shop.warehouse.storage_location,
                products['PHONE'], 1)
        assert_message(self, cm.exception, 'stock_lot.msg_lot_required')

    @with_transaction()
    def test_transfer(self):
        "Stock moves from the central warehouse to a shop"
        pool = Pool()
        Shipment = pool.get('stock.shipment.internal')
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        company = self._operator()
        products = create_stock_products(company)
        central = create_shop(company, 'CENTRAL', "Entrepôt central", *TUNIS)
        shop = create_shop(company, 'ARI1', "Ariana", 36.8625, 10.1956)
        receive(company, central.warehouse.storage_location,
            products['CASE'], 10)
        lot, = create_lots(company, products['PHONE'], [imei(7)])
        receive(company, central.warehouse.storage_location,
            products['PHONE'], 1, lot=lot)
        manager = create_staff('manager', company, SHOP_MANAGER)
        unit = products['CASE'].default_uom
        from_ = central.warehouse.storage_location
        to = shop.warehouse.storage_location
        with as_user(manager):
            shipment, = Shipment.create([{
                        'company': company.id,
                        'from_location': from_.id, 'to_location': to.id,
                        'moves': [('create', [{
                                        'product': products['CASE'].id,
                                        'unit': unit.id,
                                        'quantity': 3,
                                        'from_location': from_.id,
                                        'to_location': to.id,
                                        'company': company.id,
                                        }, {
                                        'product': products['PHONE'].id,
                                        'unit': unit.id,
                                        'quantity': 1, 'lot': lot.id,
                                        'from_location': from_.id,
                                        'to_location': to.id,
                                        'company': company.id,
                                        }])],
                        }])
            Shipment.wait([shipment])
            Shipment.assign_try([shipment])
            self.assertEqual(shipment.state, 'assigned')
            if shipment.transit_location:
                Shipment.pack([shipment])
                Shipment.ship([shipment])
            Shipment.do([shipment])
            self.assertEqual(shipment.state, 'done')
        with Transaction().set_context(
                company=company.id, stock_date_end=Date.today()):
            quantities = Product.products_by_location(
                [central.warehouse.id, shop.warehouse.id], with_childs=True,
                grouping_filter=([products['CASE'].id,
                        products['PHONE'].id],))
        self.assertEqual(
            quantities[(central.warehouse.id, products['CASE'].id)], 7)
        self.assertEqual(
            quantities[(shop.warehouse.id, products['CASE'].id)], 3)
        self.assertEqual(
            quantities[(shop.warehouse.id, products['PHONE'].id)], 1)

    @with_transaction()
    def test_shop_stock(self):
        "The stock of each shop follows its done and cancelled moves"
        pool = Pool()
        ShopStock = pool.get('telco.shop.stock')
        Move = pool.get('stock.move')
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        company = self._operator()
        products = create_stock_products(company)
        central = create_shop(company, 'CENTRAL', "Entrepôt central", *TUNIS)
        shop = create_shop(company, 'ARI1', "Ariana", 36.8625, 10.1956)
        receipt = receive(company, central.warehouse.storage_location,
            products['CASE'], 10)
        lot, = create_lots(company, products['PHONE'], [imei(7)])
        receive(company, central.warehouse.storage_location,
            products['PHONE'], 1, lot=lot)
        storage = central.warehouse.storage_location
        with Transaction().set_context(company=company.id):
            transfer, = Move.create([{
                        'company': company.id,
                        'product': products['CASE'].id,
                        'unit': products['CASE'].default_uom.id,
                        'quantity': 3,
                        'from_location': storage.id,
                        'to_location': shop.warehouse.storage_location.id,
                        }])
            Move.do([transfer])
            # done twice: counted once
            Move.do([transfer])

        def summary():
            return {(s.shop.code, s.product.code): s.quantity
                for s in ShopStock.search([('quantity', '!=', 0)])}

        def from_moves():
            with Transaction().set_context(
                    company=company.id, stock_date_end=Date.today()):
                quantities = Product.products_by_location(
                    [central.warehouse.storage_location.id,
                        shop.warehouse.storage_location.id],
                    with_childs=True)
            codes = {central.warehouse.storage_location.id: 'CENTRAL',
                shop.warehouse.storage_location.id: 'ARI1'}
            return {(codes[l], Product(p).code): q
                for (l, p), q in quantities.items() if q}

        self.assertEqual(summary(), {
                ('CENTRAL', 'CASE'): 7, ('CENTRAL', 'PHONE'): 1,
                ('ARI1', 'CASE'): 3})
        self.assertEqual(summary(), from_moves())
        self.assertEqual(
            [(s.product.code, s.quantity) for s in shop.stock],
            [('CASE', 3)])
        Move.cancel([receipt])
        self.assertEqual(summary(), {
                ('CENTRAL', 'CASE'): -3, ('CENTRAL', 'PHONE'): 1,
                ('ARI1', 'CASE'): 3})
        self.assertEqual(summary(), from_moves())
        # rebuilt from the moves: the same
        ShopStock.refresh_all()
        self.assertEqual(summary(), from_moves())
        ShopStock.refresh([shop])
        self.assertEqual(summary(), from_moves())

    @with_transaction()
    def test_absurd_values(self):
        "Dates of exceptional hours and stock minimums out of bounds"
        pool = Pool()
        Minimum = pool.get('telco.shop.stock_minimum')
        Exception_ = pool.get('telco.calendar.exception')
        company = self._operator()
        products = create_stock_products(company)
        shop = create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        minimum, = Minimum.create([{
                    'shop': shop.id, 'product': products['CASE'].id,
                    'minimum': 3}])
        exception, = Exception_.create([{
                    'calendar': shop.calendar.id, 'name': "Inventaire",
                    'start_date': dt.date(2026, 11, 23),
                    'end_date': dt.date(2026, 11, 23), 'closed': True}])
        for Model, record, name, value in [
                (Minimum, minimum, 'minimum', 1e10),
                (Exception_, exception, 'start_date', dt.date(1026, 11, 23)),
                (Exception_, exception, 'end_date', dt.date(3026, 11, 23)),
                ]:
            with self.subTest(model=Model.__name__, name=name):
                with self.assertRaises(DomainValidationError) as cm, \
                        savepoint():
                    Model.write([Model(record.id)], {name: value})
                names = Model.__names__(name, Model(record.id))
                names['value'] = str(value)
                self.assertEqual(cm.exception.message, gettext(
                        'ir.msg_domain_validation_record', **names))

    @with_transaction()
    def test_low_stock_alert(self):
        "The manager is told once when a product falls under its minimum"
        pool = Pool()
        Minimum = pool.get('telco.shop.stock_minimum')
        Notification = pool.get('telco.notification')
        company = self._operator()
        products = create_stock_products(company)
        manager = create_staff('manager', company, SHOP_MANAGER)
        shop = create_shop(
            company, 'TUN1', "Tunis Centre", *TUNIS, manager=manager)
        receive(company, shop.warehouse.storage_location,
            products['CASE'], 2)
        minimum, = Minimum.create([{
                    'shop': shop.id, 'product': products['CASE'].id,
                    'minimum': 3}])
        self.assertEqual(minimum.quantity, 2)
        alerted = Minimum.check_low_stock()
        self.assertEqual(alerted, [minimum])
        notification, = Notification.search([('user', '=', manager.id)])
        self.assertIn("Coque silicone", notification.subject)
        self.assertIn("Tunis Centre", notification.subject)
        self.assertEqual(Minimum.check_low_stock(), [])
        self.assertEqual(
            Notification.search_count([('user', '=', manager.id)]), 1)
        receive(company, shop.warehouse.storage_location,
            products['CASE'], 5)
        Minimum.check_low_stock()
        self.assertFalse(minimum.alerted)

    @with_transaction()
    def test_shop_sale_sim_with_new_line(self):
        "A SIM sold at the shop with a new line: the line becomes active"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        Line = pool.get('telco.line')
        Party = pool.get('party.party')
        Move = pool.get('stock.move')
        company = self._operator()
        accounting = setup_accounting(company)
        category = create_account_category(company, accounting)
        products = create_stock_products(company, category)
        shop = create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        point, cash = create_cash_desk(company, shop, accounting)
        sim_lot, = create_sim_lots(company, products['SIM'], 1)
        storage = shop.warehouse.storage_location
        receive(company, storage, products['SIM'], 1, lot=sim_lot)
        receive(company, storage, products['CASE'], 5)
        agent = create_staff('agent', company, SHOP_AGENT)
        with Transaction().set_context(company=company.id):
            customer, = Party.create([{
                        'name': "Amira Trabelsi", 'company': company.id}])
            line, = Line.create([{
                        'company': company.id, 'customer': customer.id,
                        'number': '+21698123456',
                        'kind': 'mobile_prepaid'}])
        with as_user(agent):
            sale = Sale(point=point)
            sale.lines = pos_lines(sale, [
                    (products['SIM'], 1,
                        {'lot': sim_lot, 'telco_line': line}),
                    (products['CASE'], 2, {}),
                    ])
            sale.save()
            Payment.create([{
                        'sale': sale.id, 'method': cash.id,
                        'amount': sale.amount_to_pay}])
            Sale.process([sale])
            self.assertEqual(sale.state, 'done')
            Sale.post([sale])
            self.assertEqual(sale.state, 'posted')
        line = Line(line.id)
        self.assertEqual(line.state, 'active')
        self.assertEqual(line.sim, sim_lot.sim)
        self.assertEqual(line.sim.state, 'in_use')
        moves = Move.search([('origin.sale', '=', sale.id,
                    'sale.point.sale.line')])
        self.assertEqual(
            sorted((m.product.code, m.quantity, m.state, m.lot)
                for m in moves),
            [('CASE', 2, 'done', None), ('SIM', 1, 'done', sim_lot)])
        self.assertEqual({m.from_location for m in moves}, {storage})

    @with_transaction()
    def test_dashboard_figures(self):
        """The shop sales and the stock value of this month and the last by
        hand; the other operator's shops not counted"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        Move = pool.get('stock.move')
        Product = pool.get('product.product')
        Figure = pool.get('telco.dashboard.figure')
        Date = pool.get('ir.date')
        today = Date.today()
        last_month = today.replace(day=1) - dt.timedelta(days=1)
        company = create_operator(
            "Ooredoo Tunisie", 'OOREDOO', ['clients', 'stock', 'dashboard'])
        accounting = setup_accounting(company)
        category = create_account_category(company, accounting)
        products = create_stock_products(company, category)
        tunis = create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        ariana = create_shop(company, 'ARI1', "Ariana", 36.8625, 10.1956)
        storage = tunis.warehouse.storage_location
        # last month 10 cases; this month a phone, 3 cases to Ariana and 2
        # sold at the cash desk of Tunis for 25.000 each with the VAT of 19 %
        # (21.0084 untaxed)
        receive(company, storage, products['CASE'], 10, date=last_month)
        lot, = create_lots(company, products['PHONE'], [imei(8)])
        receive(company, storage, products['PHONE'], 1, lot=lot)
        with Transaction().set_context(company=company.id):
            transfer, = Move.create([{
                        'company': company.id,
                        'product': products['CASE'].id,
                        'unit': products['CASE'].default_uom.id,
                        'quantity': 3, 'from_location': storage.id,
                        'to_location': ariana.warehouse.storage_location.id,
                        }])
            Move.do([transfer])
        point, cash = create_cash_desk(company, tunis, accounting)
        with Transaction().set_context(company=company.id):
            sale = Sale(point=point, company=company)
            sale.lines = pos_lines(sale, [(products['CASE'], 2, {})])
            sale.save()
            Payment.create([{
                        'sale': sale.id, 'method': cash.id,
                        'amount': sale.amount_to_pay}])
            Sale.process([sale])
            # posted: its stock moves are done
            Sale.post([sale])
            # an open sale is not sold yet
            draft = Sale(point=point, company=company)
            draft.lines = pos_lines(draft, [(products['CASE'], 1, {})])
            draft.save()
            Product.write([products['CASE']], {'cost_price': Decimal('12')})
            Product.write(
                [products['PHONE']], {'cost_price': Decimal('400')})
        # the other operator's shop and stock
        other = create_operator("Tunisie Telecom", 'TT', ['clients', 'stock'])
        other_products = create_stock_products(other, suffix='-TT')
        other_shop = create_shop(other, 'TT1', "TT Tunis", *TUNIS)
        receive(other, other_shop.warehouse.storage_location,
            other_products['CASE'], 5)
        with Transaction().set_context(company=other.id):
            Product.write(
                [other_products['CASE']], {'cost_price': Decimal('9')})

        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], today)}
        self.assertEqual(figures['shop_sales'], (Decimal('42.017'), 0))
        # 8 cases × 12 + 1 phone × 400 now; 10 cases × 12 last month
        self.assertEqual(
            figures['stock_value'], (Decimal('496.000'), Decimal('120.000')))
        model, domain, _ = Figure.get_kpi('shop_sales').records(
            company.id, today.replace(day=1), today)
        self.assertEqual(pool.get(model).search(domain), [sale])
        # divided by shop
        Breakdown = pool.get('telco.dashboard.breakdown')
        Statistic = pool.get('telco.dashboard.breakdown.statistic')
        for month in [last_month, today]:
            Breakdown.compute([company, other], month)
        with Transaction().set_context(company=company.id,
                from_period=last_month, to_period=today):
            with Transaction().set_context(division='stock_value_shop'):
                # at the end of this month: 5 cases and the phone in Tunis
                self.assertEqual(
                    {s.label: s.value for s in Statistic.search([])}, {
                        tunis.rec_name: Decimal('460.000'),
                        ariana.rec_name: Decimal('36.000')})
            with Transaction().set_context(division='shop_sales_shop'):
                row, = Statistic.search([])
                self.assertEqual(
                    (row.label, row.value),
                    (tunis.rec_name, Decimal('42.017')))
                model, domain, _ = row.records_domain()
                self.assertEqual(pool.get(model).search(domain), [sale])
        # the shop manager's sales per day
        ShopSales = pool.get('telco.shop.sales')
        self.assertEqual(
            [(d.shop, d.date, d.sales, d.amount) for d in ShopSales.search([
                        ('company', '=', company.id)])],
            [(tunis, today, 1, Decimal('42.017'))])
        with Transaction().set_context(shop=ariana.id):
            self.assertEqual(ShopSales.search([]), [])

        # the other operator: only its own stock, and no sale
        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([other], today)}
        self.assertEqual(figures['stock_value'], (Decimal('45.000'), 0))
        self.assertEqual(figures['shop_sales'], (0, 0))

    @with_transaction()
    def test_shop_sale_needs_serial(self):
        "A phone is sold with its IMEI, one per line"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        company = self._operator()
        accounting = setup_accounting(company)
        category = create_account_category(company, accounting)
        products = create_stock_products(company, category)
        shop = create_shop(company, 'TUN1', "Tunis Centre", *TUNIS)
        point, cash = create_cash_desk(company, shop, accounting)
        with Transaction().set_context(company=company.id):
            sale = Sale(point=point)
            sale.lines = pos_lines(sale, [(products['PHONE'], 1, {})])
            # the serial number is required on a serialised product's line
            with self.assertRaises(RequiredValidationError) as cm:
                sale.save()
            assert_message(
                self, cm.exception, 'ir.msg_required_validation_record')
            lot, = create_lots(company, products['PHONE'], [imei(3)])
            receive(company, shop.warehouse.storage_location,
                products['PHONE'], 1, lot=lot)
            sale = Sale(point=point)
            sale.lines = pos_lines(
                sale, [(products['PHONE'], 2, {'lot': lot})])
            sale.save()
            Payment.create([{
                        'sale': sale.id, 'method': cash.id,
                        'amount': sale.amount_to_pay}])
            with self.assertRaises(ShopSaleError) as cm:
                Sale.process([sale])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_stock.msg_pos_serial_quantity',
                    product=products['PHONE'].rec_name, lot=lot.rec_name))

    @with_transaction()
    def test_locations_and_lots_per_operator(self):
        "Warehouses and lots of one operator are not seen by another"
        pool = Pool()
        Location = pool.get('stock.location')
        Lot = pool.get('stock.lot')
        Shop = pool.get('telco.shop')
        ooredoo = self._operator()
        tt = self._operator('TT', "Tunisie Telecom")
        tt_shop = create_shop(tt, 'TUN1', "TT Tunis", *TUNIS)
        tt_products = create_stock_products(tt)
        tt_lot, = create_lots(tt, tt_products['PHONE'], [imei(9)])
        manager = create_staff('manager', ooredoo, STOCK_MANAGER)
        with as_user(manager):
            self.assertFalse(Location.search([
                        ('id', '=', tt_shop.warehouse.id)]))
            self.assertFalse(Lot.search([('id', '=', tt_lot.id)]))
            self.assertFalse(Shop.search([]))
            # shared locations stay visible
            self.assertTrue(Location.search([('type', '=', 'customer')]))
            with self.assertRaises(AccessError) as cm:
                Location.read([tt_shop.warehouse.id], ['name'])
            assert_message(self, cm.exception, 'ir.msg_read_error')
            ooredoo_shop = create_shop(ooredoo, 'TUN1', "Tunis", *TUNIS)
            with self.assertRaises(DomainValidationError) as cm:
                Shop.write([ooredoo_shop], {
                        'warehouse': tt_shop.warehouse.id})
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')


del PlatformTestCase
