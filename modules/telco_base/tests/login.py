# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Logins delayed per login and per source, never locking the owner out"
import datetime as dt
import json

from werkzeug.test import Client

from trytond import config
from trytond.i18n import gettext
from trytond.modules.telco_base.exceptions import LoginThrottled
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from .tools import create_operator, create_staff

PASSWORD = 'Owner password 42!'
WRONG = 'guess'
# Three places: the attacker's, the owner's usual one and a new one
SOURCE_A = '203.0.113.7'
SOURCE_B = '198.51.100.20'
SOURCE_C = '192.0.2.99'
# Long delays: a try within them is refused whatever the machine's speed
SETTINGS = {
    'login_free_attempts': 3,
    'login_source_free_attempts': 6,
    'login_delay': 600,
    'login_delay_max': 3600,
    }


def from_source(address):
    "The context core gives a login coming from the address"
    return Transaction().set_context(_request={'remote_addr': address})


class LoginTestMixin:

    def _login_settings(self, **settings):
        if not config.has_section('telco'):
            config.add_section('telco')
        for name, value in dict(SETTINGS, **settings).items():
            old = config.get('telco', name)
            config.set('telco', name, str(value))
            # an empty value is the default
            self.addCleanup(config.set, 'telco', name, old or '')

    def _login_user(self, login, company=None, email=None):
        "A staff user of the operator, or a user of no operator"
        pool = Pool()
        User = pool.get('res.user')
        if company:
            user = create_staff(login, company, email=email)
            User.write([user], {'password': PASSWORD})
        else:
            user, = User.create([{
                        'name': login, 'login': login, 'email': email,
                        'password': PASSWORD,
                        }])
        return user

    def assertLoginThrottled(self, login, password, delay):
        "The login is refused within the delay, without checking the password"
        pool = Pool()
        User = pool.get('res.user')
        with self.assertRaises(LoginThrottled) as cm:
            User.get_login(login, {'password': password})
        # the delay starts at the last failure, a moment ago
        self.assertLessEqual(cm.exception.seconds, delay)
        self.assertGreaterEqual(cm.exception.seconds, delay - 30)
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_login_throttled',
                seconds=cm.exception.seconds))

    @with_transaction()
    def test_login_throttle_delay(self):
        "The delay grows exponentially past the free attempts, capped"
        LoginAttempt = Pool().get('res.user.login.attempt')
        self._login_settings(login_delay=2, login_delay_max=900)
        for failures, delay in [
                (0, 0), (2, 0), (3, 2), (4, 4), (5, 8), (10, 256),
                (11, 512), (12, 900), (40, 900), (10 ** 6, 900)]:
            with self.subTest(failures=failures):
                self.assertEqual(
                    LoginAttempt.throttle_delay(failures, 3), delay)

    @with_transaction()
    def test_login_attacker_throttled_owner_served(self):
        "Failures from elsewhere do not hold the owner back at his usual place"
        pool = Pool()
        User = pool.get('res.user')
        LoginAttempt = pool.get('res.user.login.attempt')
        self._login_settings()
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        owner = self._login_user('victim', company)

        with from_source(SOURCE_B):
            self.assertEqual(
                User.get_login('victim', {'password': PASSWORD}), owner.id)
        with from_source(SOURCE_A):
            for _ in range(3):
                self.assertIsNone(
                    User.get_login('victim', {'password': WRONG}))
            # the right password too: nothing is checked within the delay
            self.assertLoginThrottled('victim', PASSWORD, 600)
            self.assertLoginThrottled('victim', WRONG, 600)
            # refused tries are not recorded
            self.assertEqual(LoginAttempt.count('victim'), 3)
        with from_source(SOURCE_B):
            self.assertEqual(
                User.get_login('victim', {'password': PASSWORD}), owner.id)
        # from a place where the owner never logged in, the login is delayed
        with from_source(SOURCE_C):
            self.assertLoginThrottled('victim', PASSWORD, 600)
        # the owner's success did not clear the attacker's failures
        with from_source(SOURCE_A):
            self.assertLoginThrottled('victim', PASSWORD, 600)

        # once the delay has passed, the next try is checked again
        self._age_attempts(dt.timedelta(seconds=601))
        with from_source(SOURCE_A):
            self.assertIsNone(User.get_login('victim', {'password': WRONG}))
            # the fourth failure doubles the delay
            self.assertLoginThrottled('victim', PASSWORD, 1200)
            self.assertAlmostEqual(
                LoginAttempt.login_wait('victim'), 1200, delta=30)

    @with_transaction()
    def test_login_spraying_throttled(self):
        "One try per login over many logins from one source is delayed"
        pool = Pool()
        User = pool.get('res.user')
        LoginAttempt = pool.get('res.user.login.attempt')
        self._login_settings()
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        users = [self._login_user('staff%s' % i, company) for i in range(8)]
        colleague = users[7]

        # a typo of a user at his usual place is no spraying
        with from_source(SOURCE_A):
            self.assertEqual(User.get_login(
                    'staff7', {'password': PASSWORD}), colleague.id)
            self.assertIsNone(User.get_login('staff7', {'password': WRONG}))
            self.assertEqual(LoginAttempt.count_ip(), 0)

            for user in users[:6]:
                self.assertIsNone(
                    User.get_login(user.login, {'password': WRONG}))
                # each login stays within its free attempts
                self.assertEqual(LoginAttempt.count(user.login), 1)
            self.assertEqual(LoginAttempt.count_ip(), 6)
            self.assertLoginThrottled('staff6', PASSWORD, 600)
            self.assertLoginThrottled('nobody', WRONG, 600)
            # a user whose usual place is the source is held back too
            self.assertLoginThrottled('staff7', PASSWORD, 600)
        # from elsewhere the sprayed logins are served
        with from_source(SOURCE_B):
            for user in users:
                self.assertEqual(User.get_login(
                        user.login, {'password': PASSWORD}), user.id)

    @with_transaction()
    def test_login_success_resets_source_counter(self):
        "A success clears the login's failures from its source only"
        pool = Pool()
        User = pool.get('res.user')
        LoginAttempt = pool.get('res.user.login.attempt')
        self._login_settings()
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        owner = self._login_user('victim', company)

        with from_source(SOURCE_A):
            self.assertIsNone(User.get_login('victim', {'password': WRONG}))
        with from_source(SOURCE_B):
            self.assertIsNone(User.get_login('victim', {'password': WRONG}))
            self.assertEqual(LoginAttempt.count('victim'), 2)
            self.assertEqual(
                User.get_login('victim', {'password': PASSWORD}), owner.id)
            # B is now a known source: only its failures count, none left
            self.assertEqual(LoginAttempt.count('victim'), 0)
            self.assertEqual(LoginAttempt.login_wait('victim'), 0)
        with from_source(SOURCE_C):
            # the failure from A is still counted where B is unknown
            self.assertEqual(LoginAttempt.count('victim'), 1)

        # old failures expire
        self._age_attempts(dt.timedelta(days=2))
        with from_source(SOURCE_C):
            self.assertEqual(LoginAttempt.count('victim'), 0)
            self.assertIsNone(User.get_login('victim', {'password': WRONG}))
        table = LoginAttempt.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.ip_network))
        # the expired rows were deleted when the new failure was added
        self.assertEqual(cursor.fetchall(), [(SOURCE_C + '/32',)])

    @with_transaction()
    def test_login_reset_password_while_throttled(self):
        "The temporary password of a reset passes the login's delay"
        pool = Pool()
        User = pool.get('res.user')
        LoginAttempt = pool.get('res.user.login.attempt')
        self._login_settings()
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        owner = self._login_user(
            'victim', company, email='victim@ooredoo.example.com')
        with from_source(SOURCE_A):
            for _ in range(3):
                User.get_login('victim', {'password': WRONG})
        with from_source(SOURCE_C):
            self.assertLoginThrottled('victim', PASSWORD, 600)
            self.assertEqual(LoginAttempt.count('victim'), 3)

        User.reset_password([owner])
        code = owner.password_reset
        with from_source(SOURCE_C):
            # a wrong guess while a reset is pending is a failed check
            self.assertLoginThrottled('victim', 'not the code', 600)
            self.assertEqual(LoginAttempt.count('victim'), 4)
            self.assertEqual(User.get_login(
                    'victim', {'password': code}), owner.id)
        # the success removed the failure from C only: A stays delayed
        with from_source(SOURCE_A):
            self.assertEqual(LoginAttempt.count('victim'), 3)
            self.assertLoginThrottled('victim', PASSWORD, 600)

    def test_login_over_jsonrpc(self):
        """Over JSON-RPC: the attacker gets 429 while the owner logs in from
        his usual place, and from a new place after a reset by e-mail"""
        self._login_settings()
        login, email = 'rpc_victim', 'rpc.victim@ooredoo.example.com'
        with Transaction().start(DB_NAME, 0) as transaction:
            owner = self._login_user(login, email=email)
            owner_id = owner.id
            transaction.commit()
        try:
            def call(source, method, params):
                response = Client(app).post(
                    f'/{DB_NAME}/rpc/',
                    environ_base={'REMOTE_ADDR': source},
                    data=json.dumps(
                        {'id': 1, 'method': method, 'params': params},
                        cls=JSONEncoder),
                    content_type='application/json')
                if response.status_code != 200:
                    return response.status_code
                answer = json.loads(
                    response.get_data(as_text=True),
                    object_hook=JSONDecoder())
                return answer.get('result', answer.get('error'))

            def log_in(source, password):
                result = call(
                    source, 'common.db.login',
                    [login, {'password': password}, 'en'])
                return result[0] if isinstance(result, list) else result

            self.assertEqual(log_in(SOURCE_B, PASSWORD), owner_id)
            for _ in range(3):
                self.assertEqual(log_in(SOURCE_A, WRONG), 401)
            self.assertEqual(log_in(SOURCE_A, PASSWORD), 429)
            self.assertEqual(log_in(SOURCE_B, PASSWORD), owner_id)
            self.assertEqual(log_in(SOURCE_C, PASSWORD), 429)

            call(SOURCE_C, 'common.db.reset_password', [login, 'en'])
            with Transaction().start(DB_NAME, 0):
                code = Pool().get('res.user')(owner_id).password_reset
            self.assertTrue(code)
            (to, message), = self.smtp.messages
            self.assertEqual(to, [email])
            self.assertIn(code, message.get_body(('html',)).get_content())
            self.assertEqual(log_in(SOURCE_C, code), owner_id)
            self.assertEqual(log_in(SOURCE_A, PASSWORD), 429)
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                pool = Pool()
                User = pool.get('res.user')
                for Model in [
                        pool.get('res.user.login.attempt'),
                        pool.get('res.user.login.source')]:
                    table = Model.__table__()
                    transaction.connection.cursor().execute(
                        *table.delete(where=table.login == login))
                User.write([User(owner_id)], {
                        'login': 'rpc_victim_%s' % owner_id,
                        'active': False,
                        })
                transaction.commit()

    def _age_attempts(self, age):
        "Make the recorded failures older, as time would"
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        table = LoginAttempt.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.create_date], [table.create_date - age]))
