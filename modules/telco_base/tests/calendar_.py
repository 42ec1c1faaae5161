# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest

from sql import Literal

from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError)
from trytond.modules.telco_base.calendar_ import (
    add_business_hours, open_at, periods_on)
from trytond.modules.telco_base.exceptions import CalendarValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

from .tools import (
    as_user, assert_message, create_operator, create_staff, savepoint)

NINE, FIVE = dt.time(9), dt.time(17)
WEEKDAYS_9_17 = {d: [(NINE, FIVE)] for d in range(5)}
# a Friday, 15:00 UTC
FRIDAY = dt.datetime(2026, 11, 20, 15, 0)


class CalendarEngineTestCase(unittest.TestCase):
    "The rules of the operators' calendars, without database"

    def test_add_business_hours(self):
        "Open hours are counted over nights, week-ends and holidays"
        self.assertEqual(
            add_business_hours(FRIDAY, 4, WEEKDAYS_9_17),
            dt.datetime(2026, 11, 23, 11, 0))
        # before opening time, the clock starts at opening
        self.assertEqual(
            add_business_hours(
                dt.datetime(2026, 11, 23, 6, 0), 1, WEEKDAYS_9_17),
            dt.datetime(2026, 11, 23, 10, 0))
        # a holiday (a closed exception) is skipped
        holiday = (
            dt.date(2026, 11, 23), dt.date(2026, 11, 23), None, True,
            None, None)
        self.assertEqual(
            add_business_hours(FRIDAY, 4, WEEKDAYS_9_17, [holiday]),
            dt.datetime(2026, 11, 24, 11, 0))
        # short hours on Monday: 2 h on Friday, 1 h on Monday, 1 on Tuesday
        short = (
            dt.date(2026, 11, 23), dt.date(2026, 11, 23), None, False,
            dt.time(10), dt.time(11))
        self.assertEqual(
            add_business_hours(FRIDAY, 4, WEEKDAYS_9_17, [short]),
            dt.datetime(2026, 11, 24, 10, 0))
        # in the operator's timezone (Tunis is UTC+1): 16:30 UTC is 17:30
        # in Tunis, after closing; 4 h from Monday 9:00 is 13:00, 12:00 UTC
        late = dt.datetime(2026, 11, 20, 16, 30)
        self.assertEqual(
            add_business_hours(late, 4, WEEKDAYS_9_17),
            dt.datetime(2026, 11, 23, 12, 30))
        self.assertEqual(
            add_business_hours(
                late, 4, WEEKDAYS_9_17,
                timezone=tz.get_tzinfo('Africa/Tunis')),
            dt.datetime(2026, 11, 23, 12, 0))
        # without weekly hours every hour counts
        self.assertEqual(
            add_business_hours(FRIDAY, 4, {}),
            dt.datetime(2026, 11, 20, 19, 0))

    def test_exceptions_prevail(self):
        """An exception of a day of the week prevails over one of every
        day, which replaces the weekly hours on its dates"""
        ramadan = (
            dt.date(2027, 2, 8), dt.date(2027, 3, 9), None, False,
            dt.time(9), dt.time(15))
        fridays = (
            dt.date(2027, 2, 8), dt.date(2027, 3, 9), '4', False,
            dt.time(9), dt.time(12))
        exceptions = [ramadan, fridays]
        monday, friday = dt.date(2027, 2, 15), dt.date(2027, 2, 19)
        self.assertEqual(
            periods_on(monday, WEEKDAYS_9_17, exceptions),
            [(dt.time(9), dt.time(15))])
        self.assertEqual(
            periods_on(friday, WEEKDAYS_9_17, exceptions),
            [(dt.time(9), dt.time(12))])
        # after the dates, the weekly hours again
        self.assertEqual(
            periods_on(dt.date(2027, 3, 12), WEEKDAYS_9_17, exceptions),
            [(NINE, FIVE)])
        # Saturday: no weekly hours, the exception of every day opens it
        self.assertEqual(
            periods_on(dt.date(2027, 2, 20), WEEKDAYS_9_17, exceptions),
            [(dt.time(9), dt.time(15))])
        at = dt.datetime.combine
        self.assertTrue(open_at(at(monday, dt.time(14)), WEEKDAYS_9_17,
                exceptions))
        self.assertFalse(open_at(at(monday, dt.time(16)), WEEKDAYS_9_17,
                exceptions))
        self.assertFalse(open_at(at(friday, dt.time(13)), WEEKDAYS_9_17,
                exceptions))
        # the closing time is not open any more
        self.assertFalse(open_at(at(friday, dt.time(12)), WEEKDAYS_9_17,
                exceptions))


class CalendarTestMixin:
    "The operators' calendars in the database"

    def _calendar(self, company):
        Calendar = Pool().get('telco.calendar')
        with Transaction().set_context(company=company.id):
            calendar, = Calendar.create([{
                        'name': "Bureaux",
                        'hours': [('create', [{
                                        'weekday': str(d),
                                        'start_time': NINE,
                                        'end_time': FIVE,
                                        } for d in range(5)])],
                        'exceptions': [('create', [{
                                        'name': "Fête de l'Évacuation",
                                        'start_date': dt.date(2026, 10, 15),
                                        'end_date': dt.date(2026, 10, 15),
                                        'closed': True,
                                        }, {
                                        'name': "Ramadan",
                                        'start_date': dt.date(2027, 2, 8),
                                        'end_date': dt.date(2027, 3, 9),
                                        'start_time': dt.time(9),
                                        'end_time': dt.time(15),
                                        }])],
                        }])
        return calendar

    @with_transaction()
    def test_calendar_validation(self):
        "Hours that end before they start are refused with their names"
        pool = Pool()
        Hours = pool.get('telco.calendar.hours')
        Exception_ = pool.get('telco.calendar.exception')
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        calendar = self._calendar(company)
        with self.assertRaises(CalendarValidationError) as cm, savepoint():
            Hours.create([{'calendar': calendar.id, 'weekday': '6',
                        'start_time': FIVE, 'end_time': NINE}])
        assert_message(self, cm.exception,
            'telco_base.msg_calendar_hours_order')
        self.assertIn('"Bureaux"', cm.exception.message)
        self.assertIn('17:00', cm.exception.message)
        with self.assertRaises(CalendarValidationError) as cm, savepoint():
            Exception_.create([{'calendar': calendar.id, 'name': "Inventaire",
                        'start_date': dt.date(2026, 12, 1),
                        'end_date': dt.date(2026, 12, 1),
                        'start_time': dt.time(14), 'end_time': dt.time(9)}])
        assert_message(self, cm.exception,
            'telco_base.msg_calendar_exception_hours')
        self.assertIn('"Inventaire"', cm.exception.message)
        # neither closed nor timed
        with self.assertRaises(RequiredValidationError) as cm, savepoint():
            Exception_.create([{'calendar': calendar.id, 'name': "Inventaire",
                        'start_date': dt.date(2026, 12, 1),
                        'end_date': dt.date(2026, 12, 1)}])
        assert_message(self, cm.exception, 'ir.msg_required_validation_record')
        with self.assertRaises(DomainValidationError) as cm, savepoint():
            Exception_.create([{'calendar': calendar.id, 'name': "À l'envers",
                        'closed': True,
                        'start_date': dt.date(2026, 12, 2),
                        'end_date': dt.date(2026, 12, 1)}])
        assert_message(self, cm.exception, 'ir.msg_domain_validation_record')

    @with_transaction()
    def test_calendar_sql_agrees(self):
        """The SQL test of the nearest shops says open exactly when the
        calendar does, at every hour of a week with exceptions"""
        pool = Pool()
        Calendar = pool.get('telco.calendar')
        Exception_ = pool.get('telco.calendar.exception')
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        calendar = self._calendar(company)
        Exception_.create([{'calendar': calendar.id, 'name': "Vendredis",
                    'start_date': dt.date(2027, 2, 8),
                    'end_date': dt.date(2027, 3, 9), 'weekday': '4',
                    'start_time': dt.time(9), 'end_time': dt.time(12)}])
        table = Calendar.__table__()
        cursor = Transaction().connection.cursor()
        checked = opened = 0
        for start in [dt.date(2026, 10, 12), dt.date(2027, 2, 15)]:
            for day in range(7):
                date = start + dt.timedelta(days=day)
                for hour in range(0, 24):
                    at = dt.datetime.combine(date, dt.time(hour, 30))
                    cursor.execute(*table.select(
                            Calendar.open_sql(
                                table.id, Literal(date), Literal(at.time()),
                                Literal(str(date.weekday()))),
                            where=table.id == calendar.id))
                    in_sql, = cursor.fetchone()
                    with self.subTest(at=at):
                        self.assertEqual(
                            bool(in_sql), Calendar(calendar.id).is_open(at))
                    checked += 1
                    opened += bool(in_sql)
        self.assertEqual(checked, 2 * 7 * 24)
        # week of 12 October: 5 days of 8 h but the 15th is a holiday;
        # Ramadan: 4 days of 9:00-15:00 and Friday 9:00-12:00, Saturday and
        # Sunday open 9:00-15:00 too (every day of the dates)
        self.assertEqual(opened, 4 * 8 + 4 * 6 + 3 + 2 * 6)

    @with_transaction()
    def test_operator_business_hours(self):
        """The operator's business calendar, chosen in its configuration,
        times its working hours; another operator's cannot be chosen"""
        pool = Pool()
        Company = pool.get('company.company')
        Configuration = pool.get('telco.configuration')
        Calendar = pool.get('telco.calendar')
        ooredoo = create_operator("Ooredoo Tunisie", 'OOREDOO')
        tt = create_operator("Tunisie Telecom", 'TT')
        Company.write([ooredoo], {'timezone': 'Africa/Tunis'})
        calendar = self._calendar(ooredoo)
        tt_calendar = self._calendar(tt)
        # no calendar: every hour counts
        self.assertEqual(
            Company.add_business_hours(ooredoo.id, FRIDAY, 4),
            dt.datetime(2026, 11, 20, 19, 0))
        admin = create_staff('ooredoo_admin', ooredoo,
            groups=['telco_base.group_operator_admin'])
        with as_user(admin):
            config = Configuration(1)
            with self.assertRaises(DomainValidationError) as cm, savepoint():
                config.business_calendar = Calendar(tt_calendar.id)
                config.save()
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')
            config = Configuration(1)
            config.business_calendar = Calendar(calendar.id)
            config.save()
            self.assertEqual(
                Configuration(1).business_calendar, Calendar(calendar.id))
            # another operator's calendars are not even listed
            self.assertEqual(Calendar.search([]), [Calendar(calendar.id)])
            with self.assertRaises(AccessError) as cm:
                Calendar.read([tt_calendar.id], ['name'])
            assert_message(self, cm.exception, 'ir.msg_read_error')
        # Friday 16:00 in Tunis: 1 h on Friday, 3 h on Monday, 12:00 Tunis
        self.assertEqual(
            Company.add_business_hours(ooredoo.id, FRIDAY, 4),
            dt.datetime(2026, 11, 23, 11, 0))
        # TT has chosen none
        self.assertEqual(
            Company.add_business_hours(tt.id, FRIDAY, 4),
            dt.datetime(2026, 11, 20, 19, 0))
