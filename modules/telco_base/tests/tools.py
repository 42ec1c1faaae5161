# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for tests that need operators and their staff (server side)"
import datetime as dt
import re
from contextlib import contextmanager
from decimal import Decimal
from functools import wraps

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import (
    Transaction, TransactionError, without_check_access)

STAFF_GROUPS = [
    'telco_base.group_operator_admin',
    'telco_base.group_agent',
    'telco_base.group_customer',
    'telco_base.group_customer_admin',
    'party.group_party_admin',
    'company.group_employee_admin',
    ]


# The tables the tests of a class had to lock, by class.  trytond starts a
# test again from its beginning each time the test meets a table that its
# transaction must lock (an accounting test meets the configuration, fiscal
# years, periods and journal periods: it ran five times); the tests of the
# class that come after start with those tables locked.
_LOCKED_TABLES = {}


def with_transaction(user=1, context=None):
    """trytond.tests.test_tryton.with_transaction, the test's transaction
    started with the tables the earlier tests of its class had to lock"""
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            # not at the top: importing it starts the pool in test mode,
            # which the benchmarks that use these helpers must not do
            from trytond.tests.test_tryton import DB_NAME
            key = type(args[0]) if args else func
            locked = _LOCKED_TABLES.setdefault(key, [])
            extras = {'_lock_tables': list(locked)} if locked else {}
            while True:
                with Transaction().start(
                        DB_NAME, user, context=context,
                        **extras) as transaction:
                    try:
                        return func(*args, **kwargs)
                    except TransactionError as error:
                        transaction.rollback()
                        transaction.tasks.clear()
                        error.fix(extras)
                        locked[:] = list(dict.fromkeys(
                                locked + extras.get('_lock_tables', [])))
                        continue
                    finally:
                        transaction.rollback()
                        transaction.tasks.clear()
                        # the cache of what the transaction read goes with it
                        Cache.drop(DB_NAME)
        return wrapper
    return decorator


def committed(database, func, *args, user=0, **kwargs):
    """Run func in a transaction of the user (root by default) that is
    started again with the tables it must lock, as the cron and the
    dispatcher do; run what it queued and commit.  Return its result."""
    extras = {}
    while True:
        with Transaction().start(database, user, **extras) as transaction:
            try:
                result = func(*args, **kwargs)
                run_queue()
            except TransactionError as error:
                transaction.rollback()
                transaction.tasks.clear()
                error.fix(extras)
                continue
            transaction.commit()
            return result


def get_currency(code='TND'):
    pool = Pool()
    Currency = pool.get('currency.currency')
    currencies = Currency.search([('code', '=', code)])
    if currencies:
        return currencies[0]
    currency, = Currency.create([{
                'name': code, 'code': code, 'symbol': code,
                'rounding': Decimal('0.001'), 'digits': 3,
                }])
    return currency


def create_operator(name, code, features=('clients',), start_date=None):
    "Create an operator with its party and running feature subscriptions"
    pool = Pool()
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    Feature = pool.get('telco.feature')
    Subscription = pool.get('telco.operator.feature')
    party, = Party.create([{'name': name}])
    company, = Company.create([{
                'party': party.id,
                'currency': get_currency().id,
                'code': code,
                'brand_name': name,
                }])
    if start_date is None:
        start_date = dt.date.today() - dt.timedelta(days=30)
    Subscription.create([{
                'company': company.id,
                'feature': f.id,
                'start_date': start_date,
                } for f in Feature.search([('code', 'in', list(features))])])
    return company


def create_staff(login, company, groups=STAFF_GROUPS, email=None):
    "Create a staff user of the operator"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{
                'name': login.replace('_', ' ').title(),
                'login': login,
                'email': email,
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                            ModelData.get_id(*g.split('.', 1))
                            for g in groups])],
                }])
    return user


@contextmanager
def as_user(user, company=None):
    "Act as the user the way the client's RPC calls do"
    transaction = Transaction()
    company = company or user.company
    with transaction.set_user(user.id), transaction.set_context(
            company=company.id, _check_access=True):
        yield


@contextmanager
def savepoint():
    "Undo what the block wrote, even when it raised"
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT telco_test')
    try:
        yield
    finally:
        cursor.execute('ROLLBACK TO SAVEPOINT telco_test')
        transaction.cache.clear()


def run_queue():
    "Run the tasks queued by the transaction, as the worker would"
    pool = Pool()
    Queue = pool.get('ir.queue')
    transaction = Transaction()
    # the worker runs a task without the access checks of the caller
    with without_check_access():
        while transaction.tasks:
            Queue(transaction.tasks.pop(0)).run()


def assert_message(test, exception, message_id):
    """Assert that the exception carries the message, whatever the values
    put in its placeholders"""
    template = gettext(message_id)
    pattern = ''.join(
        '.*' if re.fullmatch(r'%\(\w+\)[sd]', part) else re.escape(part)
        for part in re.split(r'(%\(\w+\)[sd])', template))
    test.assertRegex(exception.message, f'(?s)^{pattern}$', msg=message_id)


def create_extension(name):
    """Create the PostgreSQL extension in the test's transaction (rolled
    back with it), as the database's owner rather than the operators' role
    the transaction may act as; nothing on other backends"""
    from trytond import backend
    if backend.name != 'postgresql':
        return
    import psycopg

    from trytond.modules.telco_base import rls
    connection = Transaction().connection
    with psycopg.Cursor(connection) as cursor:
        cursor.execute("SELECT set_config('role', 'none', true)")
        cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}"')
    # the next query acts for the operators again
    connection._telco_rls = (None, rls._UNKNOWN)
