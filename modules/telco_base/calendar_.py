# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The operators' calendars: weekly hours, holidays and special hours.

One model serves every place that asks "is it open?" or "when is it N
working hours later?": the operator's business hours (claims' service
levels, later service requests and the IVR) and each shop's opening hours.
The rules, applied by ``periods_on``, ``open_at`` and ``open_sql`` alike:
on a date with exceptions, those of its day of the week prevail over those
of every day, and they replace the weekly hours; a closed exception is a
holiday."""
import datetime as dt

from sql import Literal, Null
from sql.conditionals import Case
from sql.operators import Exists, Not

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

from .exceptions import CalendarValidationError
from .input import date_domain
from .model import OperatorMixin

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
# how far add_business_hours looks for working hours
_MAX_DAYS = 3 * 366


def periods_on(date, weekly, exceptions):
    """The open periods [(start time, end time)] of a local date, from the
    weekly hours {weekday (0 is Monday): [(start, end)]} and the exceptions
    [(start date, end date, weekday or None, closed, start, end)]"""
    weekday = str(date.weekday())
    dated = [e for e in exceptions if e[0] <= date <= e[1]]
    special = (
        [e for e in dated if e[2] == weekday]
        or [e for e in dated if not e[2]])
    if special:
        return sorted(
            (start, end) for _, _, _, closed, start, end in special
            if not closed)
    return sorted(weekly.get(date.weekday(), []))


def open_at(at, weekly, exceptions):
    "Whether the calendar is open at the local datetime"
    time = at.time()
    return any(start <= time < end
        for start, end in periods_on(at.date(), weekly, exceptions))


def add_business_hours(start, hours, weekly, exceptions=(), timezone=None):
    """Return the moment `hours` open hours after start.

    start is a naive UTC datetime, as Tryton stores them; weekly and
    exceptions as for periods_on, in the timezone's local time.  Without
    any weekly hours, every hour counts."""
    if not any(weekly.values()):
        return start + dt.timedelta(hours=hours)
    utc = dt.timezone.utc
    local = start.replace(tzinfo=utc)
    if timezone is not None:
        local = local.astimezone(timezone)
    remaining = dt.timedelta(hours=hours)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for begin, end in periods_on(day, weekly, exceptions):
            begin = _at(day, begin, local.tzinfo)
            end = _at(day, end, local.tzinfo)
            if end <= local or end <= begin:
                continue
            begin = max(begin, local)
            if end - begin >= remaining:
                moment = begin + remaining
                return moment.astimezone(utc).replace(tzinfo=None)
            remaining -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("no open hours within three years")


def _at(day, time, tzinfo):
    return dt.datetime.combine(day, time).replace(tzinfo=tzinfo)


class Calendar(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    """Calendar of an operator

    Weekly hours and the dates that change them (holidays, Ramadan,
    inventory): the operator's business hours, a shop's opening hours."""
    __name__ = 'telco.calendar'
    __string__ = "Calendar"

    name = fields.Char("Name", required=True)
    hours = fields.One2Many(
        'telco.calendar.hours', 'calendar', "Weekly Hours",
        help="Without any, every hour of every day is open.")
    exceptions = fields.One2Many(
        'telco.calendar.exception', 'calendar', "Exceptions",
        help="Holidays and special hours replace the weekly hours on their "
        "dates.")

    # the rules of a calendar, as plain values, for the service levels
    _rules_cache = Cache('telco.calendar.rules', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def on_modification(cls, mode, calendars, field_names=None):
        super().on_modification(mode, calendars, field_names=field_names)
        cls._rules_cache.clear()

    def rules(self):
        """The weekly hours {weekday: [(start, end)]} and the exceptions
        [(start date, end date, weekday, closed, start, end)] of the
        calendar"""
        rules = self._rules_cache.get(self.id)
        if rules is None:
            weekly = {}
            for hours in self.hours:
                weekly.setdefault(int(hours.weekday), []).append(
                    (hours.start_time, hours.end_time))
            exceptions = [
                (e.start_date, e.end_date, e.weekday, e.closed,
                    e.start_time, e.end_time) for e in self.exceptions]
            rules = (weekly, exceptions)
            self._rules_cache.set(self.id, rules)
        return rules

    def timezone(self):
        zone = self.company.timezone
        return tz.get_tzinfo(zone) if zone else None

    def is_open(self, at):
        "Whether the calendar is open at the local datetime"
        return open_at(at, *self.rules())

    def periods(self, date):
        "The open periods [(start, end)] of the local date"
        return periods_on(date, *self.rules())

    def add_hours(self, start, hours):
        "The moment (naive UTC) `hours` open hours after start (naive UTC)"
        weekly, exceptions = self.rules()
        return add_business_hours(
            start, hours, weekly, exceptions, self.timezone())

    @classmethod
    def open_sql(cls, calendar, date, time, weekday):
        """SQL expression: whether the calendar of id `calendar` (an SQL
        expression) is open at the local date, time and weekday ('0' is
        Monday), as open_at decides; a calendar of NULL is never open"""
        pool = Pool()
        Hours = pool.get('telco.calendar.hours')
        Exception_ = pool.get('telco.calendar.exception')
        hours = Hours.__table__()
        exception = Exception_.__table__()

        def exists(where):
            return Exists(exception.select(Literal(1), where=where))
        dated = ((exception.calendar == calendar)
            & (exception.start_date <= date)
            & (exception.end_date >= date))
        of_day = dated & (exception.weekday == weekday)
        every_day = dated & (exception.weekday == Null)
        open_then = ((exception.closed == Literal(False))
            & (exception.start_time <= time) & (exception.end_time > time))
        weekly_open = Exists(hours.select(Literal(1),
                where=(hours.calendar == calendar)
                & (hours.weekday == weekday)
                & (hours.start_time <= time) & (hours.end_time > time)))
        # most dates have no exception: one index probe
        return Case(
            (Not(exists(dated)), weekly_open),
            else_=exists(of_day & open_then) | (
                Not(exists(of_day)) & (
                    exists(every_day & open_then) | (
                        Not(exists(every_day)) & weekly_open))))


def local_now(company):
    "The operator's wall-clock time (naive)"
    zone = tz.get_tzinfo(company.timezone) if company.timezone else None
    now = dt.datetime.now(tz=zone or dt.timezone.utc)
    return now.replace(tzinfo=None)


class _CalendarLine(ModelSQL, ModelView):
    __slots__ = ()

    calendar = fields.Many2One(
        'telco.calendar', "Calendar", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('calendar')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('telco.calendar')._rules_cache.clear()


class CalendarHours(_CalendarLine):
    "Weekly hours of a calendar"
    __name__ = 'telco.calendar.hours'
    __string__ = "Calendar Weekly Hours"

    weekday = fields.Selection(WEEKDAYS, "Day", required=True, sort=False)
    weekday_string = weekday.translated('weekday')
    start_time = fields.Time("From", required=True)
    end_time = fields.Time("To", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.calendar, Index.Equality()),
                (t.weekday, Index.Equality(cardinality='low'))))
        cls._order = [
            ('calendar', 'ASC'), ('weekday', 'ASC'), ('start_time', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if record.end_time <= record.start_time:
                raise CalendarValidationError(gettext(
                        'telco_base.msg_calendar_hours_order',
                        calendar=record.calendar.rec_name,
                        day=record.weekday_string,
                        start=record.start_time.strftime('%H:%M'),
                        end=record.end_time.strftime('%H:%M')))


class CalendarException(_CalendarLine):
    "Dates on which a calendar is closed or keeps special hours"
    __name__ = 'telco.calendar.exception'
    __string__ = "Calendar Exception"

    name = fields.Char(
        "Reason", required=True, help="Holiday, Ramadan, inventory, ...")
    start_date = fields.Date(
        "From", required=True,
        domain=[date_domain('start_date', required=True)])
    end_date = fields.Date(
        "To", required=True,
        domain=[
            ('end_date', '>=', Eval('start_date')),
            date_domain('end_date', required=True),
            ])
    weekday = fields.Selection(
        [(None, "Every Day")] + WEEKDAYS, "Day", sort=False,
        help="Only this day of the week within the dates: it prevails over "
        "the exceptions of every day; the days without exception keep their "
        "weekly hours.")
    weekday_string = weekday.translated('weekday')
    closed = fields.Boolean("Closed", help="A holiday: closed all day.")
    start_time = fields.Time(
        "From Time",
        states={
            'required': ~Eval('closed', False),
            'invisible': Eval('closed', False),
            })
    end_time = fields.Time(
        "To Time",
        states={
            'required': ~Eval('closed', False),
            'invisible': Eval('closed', False),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.calendar, Index.Equality()),
                (t.start_date, Index.Range()),
                (t.end_date, Index.Range())))
        cls._order = [
            ('calendar', 'ASC'), ('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_closed(cls):
        return False

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('start_date', 'end_date')
    def on_change_start_date(self):
        if self.start_date and (
                not self.end_date or self.end_date < self.start_date):
            self.end_date = self.start_date

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if record.closed:
                continue
            if (not record.start_time or not record.end_time
                    or record.end_time <= record.start_time):
                raise CalendarValidationError(gettext(
                        'telco_base.msg_calendar_exception_hours',
                        calendar=record.calendar.rec_name, name=record.name))


def company_calendar(company_id):
    """The business calendar of the operator from its configuration, or
    None"""
    Configuration = Pool().get('telco.configuration')
    with Transaction().set_context(company=company_id):
        return Configuration(1).get_multivalue(
            'business_calendar', company=company_id)
