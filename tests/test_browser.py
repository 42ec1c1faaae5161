# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Browser crawl of the web client.

Builds the demo database with the code of `make demo` (scripts/demo.sh),
serves it with sao, and walks it in a headless Chromium as every demo role
of every operator and the platform administrator, in French: every menu
entry the user sees, each list and its tabs, the first record's form and
each of its notebook pages, a new-record form (with its pages when the list
has no record), wizards opened and cancelled.  The roles of the operators
after the first are their administrator and agent (the other roles have
the same groups on the same views as the first operator's), who open each
entry's first screen and first record only (BROWSER_DEEP=1: every screen of
every role).  It fails on uncaught JavaScript errors, requests answered
with an error, a "processing" that does not end, and English texts on
French screens.
Screenshots and logs of the failures are kept in tests/browser-failures/.

The demo database is cached in <DB_CACHE or .db_cache>/browser-<hash of
modules/ and of the demo scripts>/: a second run does not build it again.
"""
import configparser
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from collections import defaultdict

from demo import telco_base as demo_base

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
OUT_DIR = os.path.join(ROOT, 'tests', 'browser-failures')
# the places of the screens each role looked at, one file per role
SCREENS_DIR = os.path.join(ROOT, 'tests', 'browser-screens')
# BROWSER_SCREENSHOTS=docs/screenshots retakes the README's screenshots
# during the crawl: (role, place of the screen as the crawl names it, file)
SHOT_DIR = os.environ.get('BROWSER_SCREENSHOTS')
# BROWSER_ROLES=ooredoo_agent,tt_agent walks these roles only (to retake
# their screenshots); make test walks them all
# BROWSER_DEEP=1 crawls every screen of the other operators' roles too
DEEP_ALL = bool(os.environ.get('BROWSER_DEEP'))
ONLY_ROLES = set(filter(None, os.environ.get('BROWSER_ROLES', '').split(',')))
SCREENSHOTS = [
    ('ooredoo_agent',
        'CRM Télécom / Clients & prospects / Clients & prospects (list)',
        'ooredoo-customers.png'),
    # the first customer's form ([!ln]: neither the list nor a new one)
    ('ooredoo_agent', '*/ Clients & prospects ([!ln]*)',
        'ooredoo-customer.png'),
    ('ooredoo_agent', '*/ Clients & prospects ([!ln]*) [[]Lignes]',
        'ooredoo-customer-lines.png'),
    ('tt_agent',
        'CRM Télécom / Clients & prospects / Clients & prospects (list)',
        'tt-customers.png'),
    ('tt_agent', '*/ Clients & prospects ([!ln]*) [[]Lignes]',
        'tt-customer-lines.png'),
    ('ooredoo_admin', '*Inscriptions par mois*', 'ooredoo-registrations.png'),
    ('ooredoo_admin', '*Réclamations par mois*', 'ooredoo-claims-month.png'),
    ('ooredoo_admin', 'Tableau de bord (board)', 'ooredoo-dashboard.png'),
    ('ooredoo_admin', '*Statistiques / Indicateurs clés (list)',
        'ooredoo-key-figures.png'),
    ('ooredoo_admin', '*Parc clients par catégorie*',
        'ooredoo-customer-base.png'),
    ('ooredoo_admin', '*Chiffres détaillés*', 'ooredoo-figures-divided.png'),
    ('ooredoo_admin', '*Statistiques / Recommandations*',
        'ooredoo-recommendations.png'),
    ('ooredoo_shop', '*Ventes en boutique par jour*',
        'ooredoo-shop-sales.png'),
    ('ooredoo_billing', '*Factures clients (list)', 'ooredoo-invoices.png'),
    ('ooredoo_billing', '*Facturations périodiques ([!ln]*)',
        'ooredoo-bill-run.png'),
    ('ooredoo_shop', '*Boutiques les plus proches*',
        'ooredoo-nearest-shop.png'),
    ('ooredoo_marketing',
        '*Offres / Promotions ([!ln]*) [[]Plafonds et cumul]',
        'ooredoo-promotion.png'),
    ('ooredoo_marketing', '*Offres / Packs ([!ln]*)', 'ooredoo-pack.png'),
    ('ooredoo_marketing', '*Offres / Propositions (list)',
        'ooredoo-proposals.png'),
    ('ooredoo_admin', '*Mon abonnement ([!ln]*)',
        'ooredoo-my-subscription.png'),
    ('tt_admin', '*Mon abonnement ([!ln]*)', 'tt-my-subscription.png'),
    ('ooredoo_agent', '*Messagerie / Conversations ([!ln]*)',
        'ooredoo-conversation.png'),
    ('ooredoo_agent', '*/ Clients & prospects ([!ln]*) [[]Historique]',
        'ooredoo-customer-timeline.png'),
    ]
# What the demo database is built on.  SQLite was measured faster than
# PostgreSQL for the demo build on the 2-core machine (see the README's
# figures): the build is one client talking to the database.
DATABASE_URI = os.environ.get('BROWSER_DATABASE_URI', 'sqlite://')
PASSWORD = 'demo'
# the roles of each operator, in the order of scripts/demo.sh's list
ROLE_ORDER = ['admin', 'agent', 'billing', 'shop', 'marketing']
SAO_VERSION = os.environ.get('SAO_VERSION', '~8.0')


def _venv_bin(name):
    path = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(path):
        return path
    venv = os.environ.get('VENV', os.path.join(ROOT, '.venv'))
    return os.path.join(venv, 'bin', name)


def demo_key():
    "Hash of what the demo database is built from"
    digest = hashlib.sha256()
    paths = []
    for top in ['modules', 'demo']:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            # the modules' tests and documentation are not in the demo
            dirnames[:] = sorted(d for d in dirnames
                if d not in {'__pycache__', 'tests', 'doc'})
            paths.extend(os.path.join(dirpath, f) for f in filenames
                if not f.endswith('.pyc'))
    paths.sort()
    paths += [os.path.join(ROOT, 'scripts', 'demo.sh')]
    for path in paths:
        digest.update(os.path.relpath(path, ROOT).encode())
        with open(path, 'rb') as f:
            digest.update(hashlib.sha256(f.read()).digest())
    import trytond
    digest.update(trytond.__version__.encode())
    digest.update(DATABASE_URI.encode())
    return digest.hexdigest()[:16]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _drop_database(uri, name):
    "Drop a PostgreSQL database this test created"
    if not uri.startswith('postgresql'):
        return
    import psycopg
    from psycopg import sql
    with psycopg.connect(uri.rstrip('/') + '/postgres',
            autocommit=True) as conn:
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)')
            .format(sql.Identifier(name)))


def _forget(var_dir):
    "Remove a cached demo and the PostgreSQL database it recorded"
    owned = os.path.join(var_dir, 'database')
    if os.path.exists(owned):
        with open(owned) as f:
            uri, name = f.read().split()
        # only names this test gives (see build_demo)
        if name.startswith('telco_browser_'):
            _drop_database(uri, name)
    shutil.rmtree(var_dir, ignore_errors=True)


def build_demo():
    """The demo database built by scripts/demo.sh, cached by content;
    returns its directory and database name"""
    cache = os.environ.get('DB_CACHE') or ''
    if not cache or '://' in cache:
        cache = os.path.join(ROOT, '.db_cache')
    key = demo_key()
    var_dir = os.path.join(cache, f'browser-{key}')
    name = f'telco_browser_{key}'
    for stale in glob.glob(os.path.join(cache, 'browser-*')):
        if stale != var_dir:
            _forget(stale)
    if os.path.exists(os.path.join(var_dir, 'ready')):
        return var_dir, name
    # a build that did not end
    _forget(var_dir)
    os.makedirs(var_dir)
    with open(os.path.join(var_dir, 'database'), 'w') as f:
        f.write(f'{DATABASE_URI} {name}\n')
    env = dict(os.environ,
        DEMO_VAR_DIR=var_dir,
        DEMO_DATABASE=name,
        DEMO_DATABASE_URI=DATABASE_URI,
        DEMO_SMTP_PORT=str(free_port()),
        DEMO_PASSWORD=PASSWORD)
    log_path = os.path.join(var_dir, 'build.log')
    start = time.monotonic()
    with open(log_path, 'w') as log:
        result = subprocess.run(
            [os.path.join(ROOT, 'scripts', 'demo.sh'), '--no-serve'],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode:
        with open(log_path) as log:
            tail = log.read()[-3000:]
        raise RuntimeError(
            f'scripts/demo.sh failed ({result.returncode}), see '
            f'{log_path}:\n{tail}')
    print(f'demo database built in {time.monotonic() - start:.0f} s '
        f'({DATABASE_URI}{name})', file=sys.stderr)
    with open(os.path.join(var_dir, 'ready'), 'w') as f:
        f.write('built\n')
    return var_dir, name


def sao_root():
    "sao's web root, installed as `make sao` does when it is missing"
    root = os.environ.get('SAO_ROOT') or os.path.join(
        ROOT, '.venv', 'sao', 'www')
    if not os.path.exists(os.path.join(root, 'index.html')):
        subprocess.run(
            [os.path.join(ROOT, 'scripts', 'install_sao.sh'),
                os.path.dirname(root), SAO_VERSION],
            cwd=ROOT, check=True, stdout=sys.stderr)
    return root


# the roles of the operators after the first that are walked (BROWSER_DEEP=1
# or BROWSER_ROLES: all): the administrator sees every entry of its
# operator's features, the agent the customers and claims; the other roles
# have the same groups on the same views as the first operator's, walked
# screen by screen
OTHER_OPERATORS_ROLES = {'admin', 'agent'}


def walked(login, first_operator):
    "Whether the crawl walks the demo user"
    prefix, _, role = login.partition('_')
    return (login == 'platform' or prefix == first_operator
        or role in OTHER_OPERATORS_ROLES)


def demo_roles(var_dir, name):
    """The logins of the demo roles found in the database, with their
    language: each operator's (as the demo/ package names them) and the
    platform administrator"""
    query = ('SELECT u.login, l.code FROM res_user AS u '
        'LEFT JOIN ir_lang AS l ON l.id = u.language '
        'WHERE u.active AND (u.login = %s OR ' + ' OR '.join(
            ['u.login LIKE %s'] * len(demo_base.OPERATORS)) + ')')
    params = ['platform'] + [
        op['login'] + '\\_%' for op in demo_base.OPERATORS]
    if DATABASE_URI.startswith('postgresql'):
        import psycopg
        with psycopg.connect(DATABASE_URI.rstrip('/') + '/' + name) as conn:
            rows = conn.execute(query, params).fetchall()
    else:
        import sqlite3
        query = query.replace('%s', '?').replace(
            'LIKE ?', "LIKE ? ESCAPE '\\'")
        conn = sqlite3.connect(os.path.join(var_dir, name + '.sqlite'))
        try:
            rows = conn.execute(query, params).fetchall()
        finally:
            conn.close()
    prefixes = [op['login'] for op in demo_base.OPERATORS]

    def order(row):
        login = row[0]
        if login == 'platform':
            return (-1, 0, login)
        prefix, _, role = login.partition('_')
        rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(
            ROLE_ORDER)
        return (prefixes.index(prefix), rank, login)
    return sorted(rows, key=order)


class Translations:
    """Whether a text is translated into French as itself in the demo
    database (what the modules' fr.po files say)"""

    def __init__(self, var_dir, name):
        self.var_dir = var_dir
        self.name = name
        self._cache = {}

    def __call__(self, text):
        if text not in self._cache:
            self._cache[text] = bool(self._query(
                    "SELECT 1 FROM ir_translation WHERE lang = 'fr' "
                    "AND src = %s AND value = src AND NOT fuzzy", [text]))
        return self._cache[text]

    def _query(self, query, params):
        if DATABASE_URI.startswith('postgresql'):
            import psycopg
            with psycopg.connect(
                    DATABASE_URI.rstrip('/') + '/' + self.name) as conn:
                return conn.execute(query, params).fetchall()
        import sqlite3
        conn = sqlite3.connect(
            os.path.join(self.var_dir, self.name + '.sqlite'))
        try:
            return conn.execute(
                query.replace('%s', '?'), params).fetchall()
        finally:
            conn.close()


class BrowserCrawlTestCase(unittest.TestCase):
    "Every screen of the demo opens in the web client, in French"

    @classmethod
    def setUpClass(cls):
        missing = [p for p in (CHROMIUM, CHROMEDRIVER)
            if not os.access(p, os.X_OK)]
        if missing:
            raise unittest.SkipTest(
                f"{' and '.join(missing)} not installed "
                "(scripts/system_deps.sh installs chromium and "
                "chromium-driver)")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        from .browser_crawl import PROCESSING_BOUND

        cls.root = sao_root()
        cls.var_dir, cls.database = build_demo()
        cls.port = free_port()
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(os.path.join(cls.var_dir, 'demo.conf'))
        conf['web']['listen'] = f'127.0.0.1:{cls.port}'
        conf['web']['root'] = cls.root
        cls.conf = os.path.join(cls.var_dir, 'browser.conf')
        with open(cls.conf, 'w') as f:
            conf.write(f)
        cls.server_log = open(os.path.join(cls.var_dir, 'server.log'), 'w')
        env = {k: v for k, v in os.environ.items()
            if not k.startswith('TRYTOND_')}
        cls.server = subprocess.Popen(
            [_venv_bin('trytond'), '-c', cls.conf, '-d', cls.database],
            cwd=ROOT, env=env, stdout=cls.server_log,
            stderr=subprocess.STDOUT)
        cls.url = f'http://127.0.0.1:{cls.port}/'
        try:
            cls._wait_server()
            options = webdriver.ChromeOptions()
            options.binary_location = CHROMIUM
            for argument in ['--headless=new', '--no-sandbox',
                    '--disable-dev-shm-usage', '--disable-gpu',
                    '--window-size=1280,900', '--lang=fr']:
                options.add_argument(argument)
            options.add_experimental_option(
                'prefs', {'intl.accept_languages': 'fr-FR,fr'})
            options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
            cls.driver = webdriver.Chrome(
                service=Service(CHROMEDRIVER), options=options)
            cls.driver.set_window_size(1280, 900)
            cls.driver.set_script_timeout(PROCESSING_BOUND + 30)
        except Exception:
            cls._stop_server()
            raise
        shutil.rmtree(OUT_DIR, ignore_errors=True)

    @classmethod
    def _wait_server(cls):
        end = time.monotonic() + 120
        while True:
            if cls.server.poll() is not None:
                raise RuntimeError(
                    f'trytond stopped ({cls.server.returncode}), see '
                    f'{cls.server_log.name}')
            try:
                with urllib.request.urlopen(cls.url, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > end:
                raise RuntimeError(f'trytond does not answer on {cls.url}')
            time.sleep(0.3)

    @classmethod
    def _stop_server(cls):
        cls.server.terminate()
        try:
            cls.server.wait(15)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            cls.server.wait()
        cls.server_log.close()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            cls._stop_server()

    def test_every_role(self):
        "Every menu entry of every demo role opens without error, in French"
        from .browser_crawl import Crawler

        roles = demo_roles(self.var_dir, self.database)
        logins = [login for login, _ in roles]
        expected = {'platform'} | {f"{op['login']}_{role}"
            for op in demo_base.OPERATORS for role in ['admin', 'agent']}
        self.assertLessEqual(expected, set(logins))
        first_operator = demo_base.OPERATORS[0]['login']
        if ONLY_ROLES:
            roles = [r for r in roles if r[0] in ONLY_ROLES]
        elif not DEEP_ALL:
            roles = [r for r in roles if walked(r[0], first_operator)]

        def deep(login):
            """The platform administrator and the first operator's roles
            see every screen; the roles of the other operators, the same
            groups on the same views, each menu entry's first screen and
            first record, with their own data and features
            (BROWSER_DEEP=1: every screen of every role)"""
            return (DEEP_ALL or login == 'platform'
                or login.startswith(first_operator + '_'))
        crawler = Crawler(self.driver, self.url, OUT_DIR,
            Translations(self.var_dir, self.database),
            shots=SCREENSHOTS, shot_dir=SHOT_DIR)
        figures = []
        for login, language in roles:
            with self.subTest(role=login):
                start = time.monotonic()
                first = len(crawler.failures)
                screens = crawler.screens
                entries = 0
                crawler.role = login
                crawler.deep = deep(login)
                if language != 'fr':
                    crawler.fail('user', 'language',
                        f'the demo user speaks {language!r}, not French')
                if crawler.login(login, PASSWORD):
                    if not crawler.language().startswith('fr'):
                        crawler.fail('login', 'language',
                            f'the client runs in {crawler.language()}')
                    for row in crawler.menu():
                        if crawler.open_entry(row):
                            entries += 1
                    crawler.logout()
                failures = crawler.failures[first:]
                seconds = time.monotonic() - start
                figures.append((login, entries, crawler.screens - screens,
                    seconds, len(failures)))
                print(f'{login}: {entries} menu entries, '
                    f'{crawler.screens - screens} screens, {seconds:.0f} s, '
                    f'{len(failures)} failures', file=sys.stderr, flush=True)
                if failures:
                    self.fail(self._report(login, failures))
        shutil.rmtree(SCREENS_DIR, ignore_errors=True)
        os.makedirs(SCREENS_DIR)
        for login, places in crawler.visited.items():
            with open(os.path.join(SCREENS_DIR, f'{login}.txt'), 'w',
                    encoding='utf-8') as f:
                f.writelines(f'{place}\n' for place in places)
        for role, where, path in crawler.taken:
            print(f'screenshot {os.path.relpath(path, ROOT)}: {role}, '
                f'{where}', file=sys.stderr)
        for role, pattern, name in crawler.shots:
            print(f'screenshot {name} not taken: no screen of {role} '
                f'matches {pattern!r}', file=sys.stderr)
        total = sum(f[3] for f in figures)
        print(f'crawl: {len(figures)} roles, '
            f'{sum(f[2] for f in figures)} screens, {total:.0f} s',
            file=sys.stderr)
        if crawler.failures:
            print(f'screenshots and logs of the failures: {OUT_DIR}',
                file=sys.stderr)

    @staticmethod
    def _report(login, failures):
        "The failures of a role, the same failure once with its places"
        grouped = defaultdict(list)
        for failure in failures:
            grouped[(failure.kind, failure.detail)].append(failure)
        lines = [f'{len(failures)} failures of {login} '
            f'(screenshots in {os.path.relpath(OUT_DIR, ROOT)}):']
        for (kind, detail), same in grouped.items():
            detail = detail if len(detail) < 600 else detail[:600] + '…'
            lines.append(f'- {kind}: {detail}')
            for failure in same[:3]:
                files = f" ({failure.files[0]})" if failure.files else ''
                lines.append(f'    at {failure.where}{files}')
            if len(same) > 3:
                lines.append(f'    and {len(same) - 3} more screens')
        return '\n'.join(lines)
