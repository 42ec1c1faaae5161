# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Key figures: what a module declares to the dashboard.

A module adds its figures by extending ``telco.dashboard.figure`` and
returning more ``KPI`` from ``kpis()`` (registered in its ``tryton.cfg``
under ``[register telco_dashboard]``): the dashboard computes, stores and
shows them without knowing them."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql.aggregate import Count
from sql.functions import Extract, Function

from trytond import backend
from trytond.transaction import Transaction

UNITS = [
    ('number', "Number"),
    ('percentage', "%"),
    ('amount', "Amount"),
    ('days', "Days"),
    ]


class KPI:
    """A key figure of an operator for a period.

    ``name`` and ``help`` are ids of ``ir.message``: the help says how the
    figure is computed.  ``compute(company_id, start, end)`` returns the
    figure (a Decimal, or None where it has no meaning, like a rate of an
    empty base); ``records(company_id, start, end)`` the model, the domain
    and the XML id of the window that show the records behind it.
    ``better`` tells whether a rise is good news (``up``), bad news
    (``down``) or neither (None); ``digits`` the decimals shown, none for
    a number by default (a count), 2 for the others; amounts have the
    currency's."""
    __slots__ = (
        'code', 'name', 'help', 'compute', 'records', 'feature', 'unit',
        'better', 'sequence', 'digits')

    def __init__(
            self, code, name, help, compute, records=None, feature=None,
            unit='number', better='up', sequence=100, digits=None):
        self.code = code
        self.name = name
        self.help = help
        self.compute = compute
        self.records = records
        self.feature = feature
        self.unit = unit
        self.better = better
        self.sequence = sequence
        if digits is None:
            digits = 0 if unit == 'number' else 2
        self.digits = digits


def month_of(date):
    "The first day of the month of the date"
    return date.replace(day=1)


def month_range(period):
    "The first and last days of the month that starts on period"
    return period, period + relativedelta(months=1, days=-1)


def previous_month(period):
    return period - relativedelta(months=1)


def rate(part, whole, scale=100):
    "part / whole × scale, None when whole is nothing"
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(Decimal('0.01'))


def day_end(date):
    "The timestamp of the end of the day, to compare with a datetime column"
    return dt.datetime.combine(date, dt.time.max)


def day_start(date):
    return dt.datetime.combine(date, dt.time.min)


def count(table, where):
    "The number of rows of the table that match where, as a Decimal"
    return Decimal(fetch_one(table.select(Count(table.id), where=where)))


def fetch_one(query):
    cursor = Transaction().connection.cursor()
    cursor.execute(*query)
    value, = cursor.fetchone()
    return value


class _JulianDay(Function):
    __slots__ = ()
    _function = 'JULIANDAY'


def days_between(start, end, timestamps=False):
    """The SQL expression of the days from the start column to the end
    column, with fractions for timestamps (SQLite subtracts dates as
    numbers: through their Julian days)"""
    if backend.name == 'sqlite':
        return _JulianDay(end) - _JulianDay(start)
    if timestamps:
        return Extract('EPOCH', end - start) / 86400
    return end - start
