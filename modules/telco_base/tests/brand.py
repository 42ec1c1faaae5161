# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Brands that read, the login page's brand per host, finding a customer"
import io
import json

from werkzeug.test import Client, EnvironBuilder

from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.modules.telco_base import routes
from trytond.modules.telco_base.brand import (
    accent_color, contrast, text_color)
from trytond.modules.telco_base.rls import cross_operator
from trytond.pool import Pool
from trytond.protocols.wrappers import Request
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from .tools import as_user, create_operator, create_staff, savepoint

# what the login page may learn of an operator, and nothing else
PUBLIC = {
    'name', 'primary_color', 'secondary_color', 'text_color',
    'accent_color', 'logo'}
PLATFORM = {
    'name': "Telco CRM",
    'primary_color': '#37474F',
    'secondary_color': '#CFD8DC',
    'text_color': '#FFFFFF',
    'accent_color': '#37474F',
    'logo': None,
    }
GROUPS = [
    'telco_base.group_agent',
    'telco_base.group_customer',
    ]


def png():
    "A small red PNG image"
    from PIL import Image
    data = io.BytesIO()
    Image.new('RGB', (40, 20), (227, 6, 19)).save(data, format='PNG')
    return data.getvalue()


def call_brand(host):
    """Call the brand route's own code with a request sent to the host,
    inside the test's transaction (the route's wrappers would open a
    transaction of their own, which cannot see the test's data)"""
    handler = routes.brand.__wrapped__.__wrapped__
    environ = EnvironBuilder(
        path=f'/{DB_NAME}/telco/brand', headers={'Host': host}).get_environ()
    response = handler(Request(environ), Pool())
    return response, json.loads(response.get_data(as_text=True))


class BrandTestMixin:
    "Test the brands and the customer finder"

    def _brand_operators(self):
        pool = Pool()
        Company = pool.get('company.company')
        ooredoo = create_operator("Ooredoo Tunisie", 'OORTN')
        tt = create_operator("Tunisie Telecom", 'TTN')
        Company.write([ooredoo], {
                'primary_color': '#E30613',
                'secondary_color': '#FFFFFF',
                'web_hosts': 'CRM.Ooredoo.tn, agents.ooredoo.tn',
                'admin_email': 'it@ooredoo.example.com',
                'logo': png(),
                })
        Company.write([tt], {
                'primary_color': '#FFD100',
                'secondary_color': '#0055A4',
                'web_hosts': 'crm.tt.tn',
                })
        return ooredoo, tt

    def test_brand_colours(self):
        "Text is black or white by luminance; accents read on white"
        # WCAG 2 reference values: white on black 21:1, #777777 on white
        # 4.48:1, #737373 on white 4.74:1
        self.assertAlmostEqual(contrast('#FFFFFF', '#000000'), 21)
        self.assertAlmostEqual(contrast('#777777', '#FFFFFF'), 4.48, 2)
        self.assertAlmostEqual(contrast('#737373', '#FFFFFF'), 4.74, 2)
        for background, text in [
                ('#FFFFFF', '#000000'),
                ('#FFD100', '#000000'),  # yellow
                ('#00FF00', '#000000'),  # light green
                ('#E30613', '#FFFFFF'),  # red
                ('#0055A4', '#FFFFFF'),  # blue
                ('#000000', '#FFFFFF'),
                ]:
            with self.subTest(background=background):
                self.assertEqual(text_color(background), text)
        # a dark colour reads on white as it is
        self.assertEqual(accent_color('#0055A4'), '#0055A4')
        # white darkened by steps of 5%: 50% (#808080) is 3.95:1, 45% is
        # the first to read
        self.assertEqual(accent_color('#FFFFFF'), '#737373')

    @with_transaction()
    def test_web_hosts(self):
        "Web host names are normalised, valid and serve one operator"
        pool = Pool()
        Company = pool.get('company.company')
        ooredoo, tt = self._brand_operators()
        self.assertEqual(
            ooredoo.web_hosts, 'crm.ooredoo.tn, agents.ooredoo.tn')
        self.assertEqual(Company.operator_for_host('crm.ooredoo.tn'),
            ooredoo.id)
        self.assertEqual(Company.operator_for_host('CRM.TT.TN.'), tt.id)
        self.assertIsNone(Company.operator_for_host('crm.orange.tn'))
        with self.assertRaises(ValidationError) as cm, savepoint():
            Company.write([Company(tt.id)], {
                    'web_hosts': 'crm.tt.tn agents.ooredoo.tn'})
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_operator_web_host_taken',
                host='agents.ooredoo.tn', operator=tt.rec_name,
                other=ooredoo.rec_name))
        with self.assertRaises(ValidationError) as cm, savepoint():
            Company.write([Company(tt.id)], {
                    'web_hosts': 'crm.tt.tn, http://crm.tt.tn/'})
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_operator_web_host_invalid',
                host='http://crm.tt.tn/', operator=tt.rec_name))
        # a host moved from one operator to another follows at once
        Company.write([ooredoo], {'web_hosts': 'crm.ooredoo.tn'})
        Company.write([tt], {'web_hosts': 'crm.tt.tn, agents.ooredoo.tn'})
        self.assertEqual(Company.operator_for_host('agents.ooredoo.tn'),
            tt.id)

    @with_transaction()
    def test_brand_route(self):
        "The login page gets the brand of the host's operator, nothing else"
        ooredoo, tt = self._brand_operators()
        for host, name, primary, text in [
                ('crm.ooredoo.tn', "Ooredoo Tunisie", '#E30613', '#FFFFFF'),
                ('Agents.Ooredoo.TN:8443', "Ooredoo Tunisie", '#E30613',
                    '#FFFFFF'),
                ('crm.tt.tn', "Tunisie Telecom", '#FFD100', '#000000'),
                ]:
            with self.subTest(host=host):
                response, brand = call_brand(host)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content_type, 'application/json')
                self.assertEqual(set(brand), PUBLIC)
                self.assertEqual(brand['name'], name)
                self.assertEqual(brand['primary_color'], primary)
                self.assertEqual(brand['text_color'], text)
        _, brand = call_brand('crm.ooredoo.tn')
        self.assertTrue(brand['logo'].startswith('data:image/png;base64,'))
        self.assertEqual(brand['secondary_color'], '#FFFFFF')
        _, brand = call_brand('crm.tt.tn')
        self.assertIsNone(brand['logo'])
        # yellow links would not read on white: darkened
        self.assertEqual(brand['accent_color'], '#8C7300')
        self.assertGreaterEqual(
            contrast(brand['accent_color'], '#FFFFFF'), 4.5)
        # nothing of the operator but its brand
        for host in ['crm.ooredoo.tn', 'crm.tt.tn']:
            text = call_brand(host)[0].get_data(as_text=True)
            for private in ['OORTN', 'TTN', 'it@ooredoo.example.com',
                    'agents.ooredoo.tn', str(ooredoo.party.id)]:
                self.assertNotIn(private, text)
        # any other host: the neutral platform brand
        for host in ['crm.orange.tn', 'localhost:8000', '127.0.0.1',
                'ooredoo.tn', '']:
            with self.subTest(host=host):
                self.assertEqual(call_brand(host)[1], PLATFORM)

    def test_brand_route_http(self):
        "The route answers over HTTP without a session"
        client = Client(app)
        with Transaction().start(DB_NAME, 0):
            pass  # the pool of the database is loaded
        response = client.get(
            f'/{DB_NAME}/telco/brand', headers={'Host': 'crm.nowhere.tn'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json.loads(response.get_data(as_text=True)),
            PLATFORM)
        self.assertEqual(response.headers['Vary'], 'Host')
        response = client.get(
            '/no_such_database/telco/brand', headers={'Host': 'crm.tt.tn'})
        self.assertEqual(response.status_code, 404)

    @with_transaction()
    def test_branding_platform(self):
        """The platform administrator and a user of several operators at
        once work under the neutral platform brand"""
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        ooredoo, tt = self._brand_operators()
        agent = create_staff('agent', ooredoo, GROUPS)
        with as_user(agent):
            branding = Company.get_branding()
        self.assertEqual(branding['code'], 'OORTN')
        self.assertEqual(branding['name'], "Ooredoo Tunisie")
        self.assertEqual(branding['text_color'], '#FFFFFF')
        self.assertEqual(branding['accent_color'], '#E30613')
        # the administrator of the platform, acting for an operator
        admin = User(1)
        User.write([admin], {'company': ooredoo.id, 'company_filter': 'one'})
        with as_user(admin):
            self.assertEqual(
                Company.get_branding(), dict(PLATFORM, id=None, code=None))
        # a user of both operators
        both = create_staff('both', tt, GROUPS)
        User.write([both], {'companies': [('add', [ooredoo.id])]})
        with as_user(both):
            self.assertEqual(Company.get_branding()['name'], "Tunisie Telecom")
        User.write([both], {'company_filter': 'all'})
        with as_user(both):
            self.assertEqual(Company.get_branding()['name'], "Telco CRM")

    def _find(self, text):
        """Run the customer finder as the client does, return the domain of
        the list it opens, the record it opens or the message it shows"""
        pool = Pool()
        Find = pool.get('telco.customer.find', type='wizard')
        session_id, start, _ = Find.create()
        # as the client's call runs it: the RPC of execute does not set
        # _check_access; and with the record rules alone, as on a database
        # without PostgreSQL's row-level security (SQLite)
        with Transaction().set_context(_check_access=False), \
                cross_operator():
            result = Find.execute(session_id, {}, start)
            self.assertEqual(result['view']['state'], 'start')
            result = Find.execute(
                session_id, {'start': {'search': text}}, 'search_')
        Find.delete(session_id)
        if 'view' in result:
            self.assertEqual(result['view']['state'], 'start')
            values = result['view']['values']
            self.assertEqual(values['search'], text.strip())
            return None, None, values['message']
        (action, data), = result['actions']
        self.assertEqual(action['res_model'], 'party.party')
        domain = PYSONDecoder().decode(action['pyson_domain'])
        return domain, action.get('res_id'), None

    @with_transaction()
    def test_find_customer(self):
        """The customer finder finds the agent's customers by the search of
        the search bar, never another operator's"""
        pool = Pool()
        Party = pool.get('party.party')
        Country = pool.get('country.country')
        Company = pool.get('company.company')
        tunisia, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
        ooredoo, tt = self._brand_operators()
        Company.write([ooredoo, tt], {'phone_country': tunisia.id})
        agent = create_staff('agent', ooredoo, GROUPS)

        def customer(company, first_name, last_name, phone):
            with Transaction().set_context(company=company.id):
                party, = Party.create([{
                            'company': company.id,
                            'first_name': first_name,
                            'last_name': last_name,
                            'contact_mechanisms': [('create', [{
                                            'type': 'mobile',
                                            'value': phone}])],
                            }])
            return party
        sami = customer(ooredoo, "Sami", "Trabelsi", '98123456')
        salma = customer(ooredoo, "Salma", "Trabelsi", '23456789')
        # the other operator's homonym, and its own number
        customer(tt, "Sami", "Trabelsi", '55111222')

        with as_user(agent):
            for text, expected in [
                    ('98 123 456', [sami]),
                    ('+216 23 456 789', [salma]),
                    ('trabelsi', [salma, sami]),
                    ]:
                with self.subTest(text=text):
                    domain, res_id, message = self._find(text)
                    self.assertIsNone(message)
                    # the list the client opens, searched as the agent
                    self.assertEqual(
                        sorted(Party.search(domain)), sorted(expected))
                    self.assertEqual(
                        res_id,
                        [expected[0].id] if len(expected) == 1 else None)
            for text in ['55 111 222', 'nobody']:
                with self.subTest(text=text):
                    self.assertEqual(self._find(text), (None, None, gettext(
                                'telco_party.msg_customer_find_none',
                                search=text)))
            self.assertEqual(self._find('  %  '), (None, None, gettext(
                        'telco_party.msg_customer_find_empty')))
