# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Logins that resist guessing without locking people out.

Tryton refuses every login of a user once ``[session] max_attempt`` failed
attempts are counted for it (the right password too, so anyone can lock
any user out) and limits a network only after ``max_attempt_ip_network``
failures, across all logins (so one try per login over many logins is not
slowed).  Here the failed attempts that core already records
(``res.user.login.attempt``: login, device cookie, address, network) delay
the next try instead, and they are counted from two sides:

- per login: the failures on the login; from a *known source* of the login
  (a network from which it succeeded before) only the failures made from
  that network count, so an attacker elsewhere does not hold back the
  rightful user at his usual place; with a valid device cookie only the
  failures made with that cookie count (as core does);
- per source: the failures made from the network on logins that never
  succeeded from it (password spraying), so that the typos of the staff at
  their usual place do not slow their colleagues down.

A count beyond its free attempts delays the next try by ``login_delay``
seconds, doubled with each failure, at most ``login_delay_max``.  A try
within the delay is refused without checking anything (``LoginThrottled``,
answered with HTTP 429 like core's rate limit) and is not recorded, so a
flood costs two small queries and does not grow the table.  A success
removes the failures of the login from its network only and makes the
network a known source; failures expire after ``login_attempt_expire``
seconds and known sources after ``login_source_expire_days`` days.

The temporary password of Tryton's reset e-mail passes the per-login delay
(not the per-source one): a user delayed by someone else's failures asks for
a reset and logs in with it.  A wrong password while a reset is pending is a
failed check of that secret and is recorded even within the delay, so the
temporary password cannot be guessed at full speed either.
"""
import datetime as dt
import logging
import math
from contextvars import ContextVar
from secrets import compare_digest

from sql import Null
from sql.aggregate import Count, Max
from sql.operators import Exists

from trytond import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .exceptions import LoginThrottled

logger = logging.getLogger(__name__)

# Set while core's get_login runs after the delays were applied: its own
# lock-out and the sleep it adds to the worker are replaced by the delays.
_DELAYED = ContextVar('telco_login_delayed', default=False)


def _setting(name, default):
    value = config.get('telco', name)
    return int(value) if value else default


def _network():
    "The network of the request's address, as core stores it"
    _, ip_network = Transaction().remote_address()
    return str(ip_network) if ip_network else None


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_login(cls, login, parameters):
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        LoginSource = pool.get('res.user.login.source')
        UserDevice = pool.get('res.user.device')

        wait = LoginAttempt.source_wait()
        if not wait:
            checked, valid = cls._login_reset_code(login, parameters)
            if not valid:
                device_cookie = UserDevice.get_valid_cookie(
                    login, parameters.get('device_cookie'))
                wait = LoginAttempt.login_wait(login, device_cookie)
                if wait and checked:
                    # The temporary password was checked and is wrong
                    LoginAttempt.add(login, device_cookie)
        if wait:
            seconds = math.ceil(wait)
            logger.info(
                "login of '%s' from '%s' delayed for %s seconds",
                login, _network(), seconds)
            raise LoginThrottled(
                gettext('telco_base.msg_login_throttled', seconds=seconds),
                seconds)
        token = _DELAYED.set(True)
        try:
            user_id = super().get_login(login, parameters)
        finally:
            _DELAYED.reset(token)
        if user_id:
            LoginSource.add(login)
        return user_id

    @classmethod
    def _login_reset_code(cls, login, parameters):
        """Return whether the password given was compared with the temporary
        password of a pending reset and whether it is that one"""
        password = parameters.get('password')
        if not isinstance(password, str):
            return False, False
        _, _, password_reset = cls._get_login(login)
        if not password_reset:
            return False, False
        return True, compare_digest(
            password_reset.encode(), password.encode())


class LoginAttempt(metaclass=PoolMeta):
    __name__ = 'res.user.login.attempt'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.update({
                Index(table,
                    (table.login, Index.Equality()),
                    (table.create_date, Index.Range())),
                Index(table,
                    (table.ip_network, Index.Equality()),
                    (table.create_date, Index.Range())),
                })

    @staticmethod
    def delay():
        # Failures older than this are deleted and no longer count
        return dt.datetime.now() - dt.timedelta(
            seconds=_setting('login_attempt_expire', 24 * 60 * 60))

    @classmethod
    def throttle_delay(cls, failures, free):
        """Seconds to wait after the last of the failures before the next
        try: none within the free attempts, then login_delay doubled with
        each failure, at most login_delay_max"""
        base = _setting('login_delay', 2)
        maximum = _setting('login_delay_max', 15 * 60)
        if failures < free or base <= 0:
            return 0
        exponent = failures - free
        if exponent >= maximum.bit_length():
            return maximum
        return min(base * 2 ** exponent, maximum)

    @classmethod
    def _wait(cls, failures, last, free):
        delay = cls.throttle_delay(failures, free)
        if not delay or not last:
            return 0
        remaining = last + dt.timedelta(seconds=delay) - dt.datetime.now()
        return max(remaining.total_seconds(), 0)

    @classmethod
    def _failures(cls, table, where):
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                Count(), Max(table.create_date),
                where=where & (table.create_date >= cls.delay())))
        return cursor.fetchone()

    @classmethod
    def login_failures(cls, login, device_cookie=None):
        """Number and date of the last failures that count against the login
        from the request's source"""
        pool = Pool()
        LoginSource = pool.get('res.user.login.source')
        table = cls.__table__()
        login = login[:cls.login.size]
        where = table.login == login
        if device_cookie:
            where &= table.device_cookie == device_cookie
        else:
            where &= table.device_cookie == Null
            if LoginSource.known(login):
                where &= table.ip_network == _network()
        return cls._failures(table, where)

    @classmethod
    def source_failures(cls):
        """Number and date of the last failures from the request's network on
        logins that never succeeded from it"""
        pool = Pool()
        LoginSource = pool.get('res.user.login.source')
        table = cls.__table__()
        source = LoginSource.__table__()
        ip_network = _network()
        if not ip_network:
            return 0, None
        where = (table.ip_network == ip_network) & ~Exists(source.select(
                source.id,
                where=(source.login == table.login)
                & (source.ip_network == table.ip_network)
                & (source.date >= LoginSource.expire())))
        return cls._failures(table, where)

    @classmethod
    def login_wait(cls, login, device_cookie=None):
        "Seconds before the login may be tried again from the request's source"
        failures, last = cls.login_failures(login, device_cookie)
        return cls._wait(
            failures, last, _setting('login_free_attempts', 5))

    @classmethod
    def source_wait(cls):
        "Seconds before any login may be tried again from the request's source"
        failures, last = cls.source_failures()
        return cls._wait(
            failures, last, _setting('login_source_free_attempts', 20))

    @classmethod
    def count(cls, login, device_cookie=None):
        if _DELAYED.get():
            return 0
        return cls.login_failures(login, device_cookie)[0]

    @classmethod
    def count_ip(cls):
        if _DELAYED.get():
            return 0
        return cls.source_failures()[0]

    @classmethod
    def remove(cls, login, device_cookie=None):
        # Core removes the failures of the login from every source: those of
        # an attacker elsewhere must keep counting.
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        login = login[:cls.login.size]
        where = (table.login == login) & (table.ip_network == _network())
        if device_cookie:
            where |= (
                (table.login == login)
                & (table.device_cookie == device_cookie))
        cursor.execute(*table.delete(where=where))


class LoginSource(ModelSQL):
    "A network from which a login succeeded"
    __name__ = 'res.user.login.source'
    __string__ = "Login Source"
    login = fields.Char("Login", size=512, required=True)
    ip_network = fields.Char("IP Network", required=True)
    date = fields.Timestamp("Date", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.add(
            Index(table,
                (table.login, Index.Equality()),
                (table.ip_network, Index.Equality())))

    @staticmethod
    def expire():
        return dt.datetime.now() - dt.timedelta(
            days=_setting('login_source_expire_days', 90))

    @classmethod
    def known(cls, login):
        "Whether the login succeeded from the request's network"
        ip_network = _network()
        if not ip_network:
            return False
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id,
                where=(table.login == login[:cls.login.size])
                & (table.ip_network == ip_network)
                & (table.date >= cls.expire()),
                limit=1))
        return bool(cursor.fetchone())

    @classmethod
    def add(cls, login):
        "Make the request's network a known source of the login"
        ip_network = _network()
        if not ip_network:
            return
        login = login[:cls.login.size]
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        cursor.execute(*table.delete(where=table.date < cls.expire()))
        cursor.execute(*table.update(
                [table.date], [now],
                where=(table.login == login)
                & (table.ip_network == ip_network)))
        if not cursor.rowcount:
            cls.create([{
                        'login': login,
                        'ip_network': ip_network,
                        'date': now,
                        }])
