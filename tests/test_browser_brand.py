# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The brand and the phone-sized screens in the real web client.

On a small database of its own (telco_party with French, the demo's two
operators, Ooredoo with a logo, an agent of each, their customers and the
platform administrator, from the demo/ package's values: about a minute
and a half to build, then cached in DB_CACHE like the other test
databases), served by trytond with sao: the login page carries the brand of
the host it is served on (the operators' web host names are
ooredoo.localhost and tt.localhost, which Chromium resolves to the loopback
address; any other host gets the neutral platform brand), what is written
on the brand colour reads, the platform administrator works under the
platform brand, and at 390 pixels wide, without sao's search bar, an agent
finds a customer by a number typed with spaces, through Customers &
Prospects > Find a Customer, and opens it.

PostgreSQL only: the web server runs in a process of its own on the test
database.  Set BROWSER_SCREENSHOTS to a directory to keep the screenshots;
those of a failure are kept in tests/browser-failures/."""
import configparser
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from trytond import backend
from trytond import config as trytond_config
from trytond.modules.telco_base.brand import contrast
from trytond.modules.telco_base.tests.tools import (
    create_operator, get_currency)
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, backup_db_cache, drop_db, restore_db_cache)
from trytond.transaction import Transaction

from demo import roles as demo_roles
from demo import telco_base as demo_base
from demo import telco_party as demo_party

from .browser_crawl import SAO_LOCALE_FALLBACK
from .test_browser import (
    CHROMEDRIVER, CHROMIUM, OUT_DIR, ROOT, _venv_bin, free_port, sao_root)

BOUND = 60
# long enough and varied enough for trytond's [password] checks
PASSWORD = 'Brand-7qXz!'
# the name of the filled database in DB_CACHE
CACHE_NAME = 'telco_party--browser-brand'
# primary colour, text colour on it, as the browser computes them, logo
BRANDS = {
    'ooredoo.localhost': ("Ooredoo", 'rgb(227, 6, 19)',
        'rgb(255, 255, 255)', True),
    'tt.localhost': ("Tunisie Telecom", 'rgb(0, 85, 164)',
        'rgb(255, 255, 255)', False),
    '127.0.0.1': ("Telco CRM", 'rgb(55, 71, 79)', 'rgb(255, 255, 255)',
        False),
    }
PLATFORM = BRANDS['127.0.0.1']
# the login page asks for the list of the databases, which the server
# refuses ([database] list = False): sao shows a field instead
DB_LIST_REFUSED = re.compile(r'/rpc/#common\.db\.list .* 403 ')

STYLE_JS = """
var nav = jQuery('nav.navbar-inverse').first();
var button = jQuery('.login-dialog button[type=submit]');
var logo = jQuery('.login-dialog .telco-logo, .navbar-brand .telco-logo');
return {
    'title': jQuery('#title').text(),
    'navbar': nav.css('background-color'),
    'brand': jQuery('.navbar-header > .navbar-brand').css('color'),
    'button': button.css('background-color'),
    'button_text': button.css('color'),
    'header': jQuery('.login-dialog .modal-header').css('background-color'),
    'logo': logo.filter(function() {
        return this.complete && this.naturalWidth > 0;
    }).length,
};
"""

# what is written on the brand colour once logged in: on the top bar the
# operator's name, the menu icon, the tab headers; on the bar of the open
# tab its title (the breadcrumbs); with the colour they are written on (the
# semi-transparent shades of the hovered or active tabs composed over it)
# and the opaque colour below
TOP_BAR_JS = """
function rgba(css) {
    var c = css.match(/[\\d.]+/g).map(Number);
    return [c[0], c[1], c[2], c.length > 3 ? c[3] : 1];
}
function background(element) {
    var layers = [];
    for (var e = element; e; e = e.parentElement) {
        var color = rgba(getComputedStyle(e).backgroundColor);
        if (color[3] > 0) {
            layers.push(color);
            if (color[3] >= 1) {
                break;
            }
        }
    }
    var base = [255, 255, 255, 1];
    if (layers.length && layers[layers.length - 1][3] >= 1) {
        base = layers.pop();
    }
    var rgb = base.slice(0, 3);
    while (layers.length) {
        var layer = layers.pop();
        rgb = rgb.map(function(value, i) {
            return Math.round(layer[i] * layer[3] + value * (1 - layer[3]));
        });
    }
    return ['rgb(' + rgb.join(', ') + ')',
        'rgb(' + base.slice(0, 3).join(', ') + ')'];
}
var found = [];
jQuery('nav.navbar-inverse, #tabcontent .tab-pane.active .navbar-inverse')
    .find('.navbar-brand, .navbar-brand svg, .navbar-nav > li > a')
    .filter(':visible').each(function() {
        var style = getComputedStyle(this);
        var svg = this.tagName.toLowerCase() == 'svg';
        var text = svg ? 'icon' : jQuery(this).text().trim();
        found.push([text, svg ? style.fill : style.color].concat(
            background(this)));
    });
return found;
"""


def _rgb_hex(css):
    red, green, blue = (int(c) for c in re.findall(r'\d+', css)[:3])
    return '#%02X%02X%02X' % (red, green, blue)


def _logo():
    "A small logo for Ooredoo: white letters on red"
    from PIL import Image, ImageDraw, ImageFont
    image = Image.new('RGB', (132, 40), (227, 6, 19))
    ImageDraw.Draw(image).text(
        (66, 20), "ooredoo", fill=(255, 255, 255), anchor='mm',
        font=ImageFont.load_default(size=26))
    data = io.BytesIO()
    image.save(data, format='PNG')
    return data.getvalue()


def _group_ids(xml_ids):
    "The ids of the groups of the activated modules"
    ModelData = Pool().get('ir.model.data')
    ids = []
    for xml_id in xml_ids:
        module, fs_id = xml_id.split('.', 1)
        try:
            ids.append(ModelData.get_id(module, fs_id))
        except KeyError:
            pass
    return ids


def fill_database():
    """The demo's operators, with their colours and web host names, an agent
    of each, their customers (persons) and the platform administrator, from
    the values of the demo/ package"""
    pool = Pool()
    Company = pool.get('company.company')
    Country = pool.get('country.country')
    Lang = pool.get('ir.lang')
    Party = pool.get('party.party')
    User = pool.get('res.user')
    tunisia, = Country.create([{
                'name': "Tunisia", 'code': 'TN', 'code3': 'TUN',
                'code_numeric': '788'}])
    get_currency('TND')
    french, = Lang.search([('code', '=', 'fr')])
    # the demo's staff work in French
    Lang.load_translations([french])
    operators = []
    for values in demo_base.OPERATORS:
        company = create_operator(values['name'], values['code'])
        Company.write([company], {
                'brand_name': values['brand_name'],
                'primary_color': values['primary_color'],
                'secondary_color': values['secondary_color'],
                'website_host': values['website_host'],
                'web_hosts': values['web_hosts'],
                'admin_email': values['admin_email'],
                'phone_country': tunisia.id,
                'timezone': demo_base.TIMEZONE,
                # the demo's operators have none: the logo is shown
                'logo': _logo() if values['code'] == 'OOREDOO' else None,
                })
        operators.append(company)
        User.create([{
                    'login': f"{values['login']}_agent",
                    'name': f"{values['brand_name']} Agent",
                    'password': PASSWORD,
                    'language': french.id,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', _group_ids(demo_roles.AGENT_GROUPS))],
                    }])
        with Transaction().set_context(company=company.id):
            for name, street, postal_code, city, mobile, email in (
                    demo_party.CUSTOMERS[values['code']]):
                if demo_party.customer_type(name) != 'person':
                    continue
                first_name, last_name = name.split(' ', 1)
                mechanisms = [{'type': 'mobile', 'value': mobile}]
                if email:
                    mechanisms.append({'type': 'email', 'value': email})
                Party.create([{
                            'company': company.id,
                            'first_name': first_name,
                            'last_name': last_name,
                            'addresses': [('create', [{
                                            'street': street,
                                            'postal_code': postal_code,
                                            'city': city,
                                            'country': tunisia.id,
                                            }])],
                            'contact_mechanisms': [
                                ('create', mechanisms)],
                            }])
    User.create([{
                'login': 'platform',
                'name': "Platform Administrator",
                'password': PASSWORD,
                'language': french.id,
                'companies': [('add', [c.id for c in operators])],
                'company': operators[0].id,
                'company_filter': 'all',
                'groups': [('add', _group_ids(demo_roles.PLATFORM_GROUPS))],
                }])


def build_database():
    "The test database, filled, from DB_CACHE when it is there"
    drop_db()
    if restore_db_cache(CACHE_NAME):
        return
    activate_module(['telco_party'])
    with Transaction().start(DB_NAME, 0) as transaction:
        fill_database()
        transaction.commit()
    backup_db_cache(CACHE_NAME)


class BrowserBrandTestCase(unittest.TestCase):
    "The brand of each host and the customer finder on a phone"

    @classmethod
    def setUpClass(cls):
        missing = [p for p in (CHROMIUM, CHROMEDRIVER)
            if not os.access(p, os.X_OK)]
        if missing:
            raise unittest.SkipTest(
                f"{' and '.join(missing)} not installed "
                "(scripts/system_deps.sh installs chromium and "
                "chromium-driver)")
        if backend.name != 'postgresql':
            raise unittest.SkipTest(
                "the web server shares the test database: PostgreSQL only")
        root = sao_root()
        build_database()
        cls.database = DB_NAME
        cls.port = free_port()
        cls.var_dir = tempfile.mkdtemp(prefix='telco-brand-')
        conf = configparser.ConfigParser(interpolation=None)
        conf['database'] = {
            'uri': trytond_config.get('database', 'uri'),
            'language': 'en',
            # as in production (config/trytond.conf): the database is in
            # the address (and listing those of a shared test server may
            # take minutes)
            'list': 'False',
            }
        # every host name: the brand follows the Host header
        conf['web'] = {'listen': f'0.0.0.0:{cls.port}', 'root': root}
        conf['session'] = {'max_age': '86400', 'timeout': '3600'}
        cls.conf = os.path.join(cls.var_dir, 'brand.conf')
        with open(cls.conf, 'w') as f:
            conf.write(f)
        cls.server_log = open(
            os.path.join(cls.var_dir, 'brand-server.log'), 'w')
        env = {k: v for k, v in os.environ.items()
            if not k.startswith('TRYTOND_')}
        cls.server = subprocess.Popen(
            [_venv_bin('trytond'), '-c', cls.conf, '-d', cls.database],
            cwd=ROOT, env=env, stdout=cls.server_log,
            stderr=subprocess.STDOUT)
        cls.shots = os.environ.get('BROWSER_SCREENSHOTS')
        if cls.shots:
            os.makedirs(cls.shots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        try:
            cls.server.wait(15)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            cls.server.wait()
        cls.server_log.close()
        shutil.rmtree(cls.var_dir, ignore_errors=True)
        drop_db()

    def driver(self, width, height, phone=False):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ['--headless=new', '--no-sandbox',
                '--disable-dev-shm-usage', '--disable-gpu',
                f'--window-size={width},{height}', '--lang=fr']:
            options.add_argument(argument)
        options.add_experimental_option(
            'prefs', {'intl.accept_languages': 'fr-FR,fr'})
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        driver = webdriver.Chrome(
            service=Service(CHROMEDRIVER), options=options)
        self.addCleanup(driver.quit)
        self.addCleanup(self._keep_on_failure, driver)
        if phone:
            # the screen of a phone: its width in CSS pixels, touch
            driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {
                    'width': width, 'height': height,
                    'deviceScaleFactor': 2, 'mobile': True})
            driver.execute_cdp_cmd('Emulation.setTouchEmulationEnabled', {
                    'enabled': True, 'maxTouchPoints': 5})
        else:
            driver.set_window_size(width, height)
        return driver

    def _keep_on_failure(self, driver):
        outcome = getattr(self, '_outcome', None)
        result = getattr(outcome, 'result', None)
        if result and any(getattr(test, 'test_case', test) is self
                for test, _ in result.failures + result.errors):
            os.makedirs(OUT_DIR, exist_ok=True)
            driver.save_screenshot(
                os.path.join(OUT_DIR, f'brand-{self._testMethodName}.png'))
            self.server_log.flush()
            shutil.copy(self.server_log.name,
                os.path.join(OUT_DIR, 'brand-server.log'))

    def shot(self, driver, name):
        if self.shots:
            driver.save_screenshot(os.path.join(self.shots, name + '.png'))

    def assertNoScriptError(self, driver):
        "No uncaught JavaScript error nor failed request in the console"
        errors = [entry['message'] for entry in driver.get_log('browser')
            if entry['level'] == 'SEVERE'
            and not SAO_LOCALE_FALLBACK.search(entry['message'])
            and not DB_LIST_REFUSED.search(entry['message'])]
        self.assertEqual(errors, [])

    def settled(self, driver, script, expected):
        """What the script returns once it is the expected (the colours
        change with a transition), or after the bound"""
        end = time.monotonic() + BOUND
        while True:
            value = driver.execute_script(script)
            if value == expected or time.monotonic() > end:
                return value
            time.sleep(0.2)

    def idle(self, driver):
        "Wait until the client has no request running"
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery.active == 0;"), 'requests still running')

    def wait(self, driver, condition, message):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            return WebDriverWait(driver, BOUND).until(condition)
        except TimeoutException:
            self.fail(message)

    def open_login(self, driver, host):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        self._wait_server()
        # the database in the address, as an operator's link gives it
        driver.get(f'http://{host}:{self.port}/#{self.database}')
        self.wait(driver, EC.visibility_of_element_located((By.ID, 'login')),
            f'no login dialog on {host}')
        # sao logs in once the list of the databases is there (a moment
        # on a server with many databases)
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('.login-dialog [name=database]:visible')"
                ".val();") == self.database,
            f'{host}: the database is not chosen')

    def _wait_server(self):
        end = time.monotonic() + 120
        url = f'http://127.0.0.1:{self.port}/'
        while True:
            if self.server.poll() is not None:
                self.fail('trytond stopped, see '
                    f'{os.path.join(OUT_DIR, "brand-server.log")}')
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > end:
                self.fail(f'trytond does not answer on {url}')
            time.sleep(0.3)

    def log_in(self, driver, login):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support import expected_conditions as EC
        driver.find_element(By.ID, 'login').send_keys(login + Keys.ENTER)
        field = self.wait(driver, EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.modal input[type=password]')),
            f'{login}: no password asked')
        field.send_keys(PASSWORD + Keys.ENTER)
        self.wait(driver, lambda d: d.execute_script(
                "return Boolean(Sao.main_menu_screen && "
                "jQuery('#menu tr').length)"),
            f'{login}: the menu did not appear')

    def title_is(self, driver, name, message):
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('#title').text();") == name, message)

    def assertTopBarReads(self, driver, primary):
        """What is written on the top bar (the operator's name, the menu
        icon, the tab headers) reads on the brand colour"""
        written = driver.execute_script(TOP_BAR_JS)
        self.assertTrue(written)
        for what, color, background, base in written:
            with self.subTest(what=what):
                self.assertEqual(base, primary)
                self.assertGreaterEqual(
                    contrast(_rgb_hex(color), _rgb_hex(background)), 4.5)
        return written

    def menu_row(self, driver, text):
        "The visible row of the menu that reads the text"
        from selenium.webdriver.common.by import By
        return self.wait(driver, lambda d: next(
                (e for e in d.find_elements(By.CSS_SELECTOR, '#menu tr')
                    if e.is_displayed() and e.text.strip() == text), None),
            f'no menu entry {text}')

    def open_finder(self, driver):
        """Tap Customers & Prospects > Find a Customer in the menu, return
        the search field"""
        for text in ["CRM Télécom", "Clients & prospects"]:
            self.menu_row(driver, text).click()
        self.menu_row(driver, "Trouver un client").click()
        return self.wait(driver, lambda d: self.search_field(d),
            'the customer finder did not open')

    @staticmethod
    def search_field(driver):
        from selenium.webdriver.common.by import By
        return next((e for e in driver.find_elements(
                    By.CSS_SELECTOR, '.modal input[name=search]')
                if e.is_displayed() and e.is_enabled()), None)

    def test_login_brand_per_host(self):
        "The login page carries the brand of the host it is served on"
        driver = self.driver(1280, 800)
        for host, (name, primary, text, logo) in BRANDS.items():
            with self.subTest(host=host):
                driver.delete_all_cookies()
                self.open_login(driver, host)
                expected = {
                    'title': name,
                    'navbar': primary,
                    'brand': text,
                    'header': primary,
                    'button': primary,
                    'button_text': text,
                    # on the login dialog and the top bar, or none
                    'logo': 2 if logo else 0,
                    }
                self.assertEqual(
                    self.settled(driver, STYLE_JS, expected), expected)
                self.assertEqual(driver.title, name)
                self.shot(driver, f'login-{host}')
        self.assertNoScriptError(driver)

    def test_platform_brand_after_login(self):
        """The operator's brand on its host's login page, the platform
        brand once its administrator is logged in; the operator's brand
        for its agent"""
        from selenium.webdriver.common.keys import Keys
        driver = self.driver(1280, 800)
        self.open_login(driver, 'ooredoo.localhost')
        self.title_is(driver, "Ooredoo", 'no brand of Ooredoo on its host')
        self.log_in(driver, 'platform')
        self.title_is(driver, PLATFORM[0],
            'the platform administrator is not under the platform brand')
        self.idle(driver)
        style = self.settled(driver, STYLE_JS, dict(
                driver.execute_script(STYLE_JS), navbar=PLATFORM[1]))
        self.assertEqual(style['navbar'], PLATFORM[1])
        self.assertEqual(style['brand'], PLATFORM[2])
        self.assertEqual(style['logo'], 0)
        self.assertTopBarReads(driver, PLATFORM[1])
        self.shot(driver, 'platform-home')
        driver.execute_script('Sao.logout();')
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('#login:visible').length "
                "&& jQuery('#title').text() == 'Ooredoo';"),
            'the login page is not Ooredoo\'s again after logout')
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('.login-dialog [name=database]:visible')"
                ".val();") == self.database, 'the database is not chosen')
        self.log_in(driver, 'ooredoo_agent')
        self.title_is(driver, "Ooredoo",
            'the agent is not under the brand of Ooredoo')
        self.idle(driver)
        primary, text = BRANDS['ooredoo.localhost'][1:3]
        style = self.settled(driver, STYLE_JS, dict(
                driver.execute_script(STYLE_JS), navbar=primary, logo=1))
        self.assertEqual(style['navbar'], primary)
        self.assertEqual(style['brand'], text)
        # beside the operator's name
        self.assertEqual(style['logo'], 1)
        # the charts are drawn in the brand: sao's scheme gave Ooredoo's red
        # (a hue below 0) colours like '#e3-76', and no bar was drawn
        accent, colors = driver.execute_script(
            "return [Sao.config.graph_color, Sao.common.generateColorscheme("
            "Sao.config.graph_color, ['a', 'b', 'c'])];")
        for color in colors.values():
            self.assertRegex(color, r'^#[0-9a-f]{6}$')
        self.assertEqual(colors['a'], accent.lower())
        self.assertEqual(len(set(colors.values())), 3)
        # the customers found in a tab: its header on the top bar
        self.open_finder(driver).send_keys('a' + Keys.ENTER)
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('#tablist > li.active:visible').text();"),
            'the customers found are not listed')
        self.idle(driver)
        written = self.assertTopBarReads(driver, primary)
        self.assertIn("Clients & prospects (a)", ' '.join(
                w[0] for w in written))
        self.shot(driver, 'ooredoo-agent-customers')
        self.assertNoScriptError(driver)

    def test_phone_find_customer(self):
        """At 390 pixels wide, an agent finds a customer by a number typed
        with spaces and opens the customer's form"""
        from selenium.webdriver.common.keys import Keys
        driver = self.driver(390, 844, phone=True)
        self.open_login(driver, 'ooredoo.localhost')
        self.log_in(driver, 'ooredoo_agent')
        self.idle(driver)
        self.assertEqual(driver.execute_script(
                "return window.innerWidth;"), 390)
        self.shot(driver, 'phone-home')
        # sao has no search bar at this width
        self.assertFalse(driver.execute_script(
                "return jQuery('#global-search-entry:visible').length;"))
        # the menu entry, as the agent taps it
        field = self.open_finder(driver)
        self.shot(driver, 'phone-find')
        # nobody: the finder says so and keeps the text to correct it
        field.send_keys('99 999 999' + Keys.ENTER)
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('.modal [name=message]:visible').val() "
                "|| jQuery('.modal [name=message]:visible').text();"),
            'no message when nothing is found')
        field = self.wait(driver, lambda d: (
                (f := self.search_field(d)) and f.get_attribute('value')
                == '99 999 999' and f), 'the text searched is lost')
        self.shot(driver, 'phone-find-none')
        field.clear()
        # the demo's customer of Ooredoo: Amira Trabelsi, +216 23 456 789
        field.send_keys('23 456 789' + Keys.ENTER)
        self.wait(driver, lambda d: d.execute_script(
                "return jQuery('#tabcontent input[name=first_name]:visible')"
                ".val();") == "Amira",
            'the customer found is not opened')
        self.idle(driver)
        self.shot(driver, 'phone-customer')
        # the title of the tab on the brand colour
        written = self.assertTopBarReads(
            driver, BRANDS['ooredoo.localhost'][1])
        self.assertIn("Client", ' '.join(w[0] for w in written))
        # nothing wider than the screen but what scrolls on purpose
        self.assertLessEqual(driver.execute_script(
                "return document.documentElement.scrollWidth;"), 390)
        self.assertNoScriptError(driver)
