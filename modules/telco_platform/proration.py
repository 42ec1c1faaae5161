# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The months of the platform's billing and the proration of a price to the day"
import calendar
import datetime as dt
from decimal import Decimal

ONE_DAY = dt.timedelta(days=1)


def month_start(date):
    return date.replace(day=1)


def month_end(date):
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def next_month(date):
    return month_end(date) + ONE_DAY


def month_periods(start, end):
    "Split [start, end] into (first day, last day) pairs within one month"
    periods = []
    while start <= end:
        last = min(month_end(start), end)
        periods.append((start, last))
        start = last + ONE_DAY
    return periods


def prorate(monthly_price, start, end):
    """The part of a monthly price for the days from start to end (both
    included) of one month, unrounded: a whole month is the price"""
    assert start.year == end.year and start.month == end.month
    days_in_month = calendar.monthrange(start.year, start.month)[1]
    days = (end - start).days + 1
    if days == days_in_month:
        return Decimal(monthly_price)
    return Decimal(monthly_price) * days / days_in_month
