# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Business-hours arithmetic for service levels"
import datetime as dt

_MAX_DAYS = 3 * 366


def add_business_hours(start, hours, periods, holidays=(), timezone=None):
    """Return the moment `hours` business hours after start.

    start is a naive UTC datetime, as Tryton stores them; periods maps a
    weekday (0 is Monday) to a list of (start time, end time) in the
    operator's timezone; holidays is a set of local dates without business
    hours.  Without any period, every hour counts."""
    if not any(periods.values()):
        return start + dt.timedelta(hours=hours)
    utc = dt.timezone.utc
    local = start.replace(tzinfo=utc)
    if timezone is not None:
        local = local.astimezone(timezone)
    remaining = dt.timedelta(hours=hours)
    day = local.date()
    for _ in range(_MAX_DAYS):
        if day not in holidays:
            for begin, end in sorted(periods.get(day.weekday(), [])):
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
    raise ValueError("no business hours within three years")


def _at(day, time, tzinfo):
    return dt.datetime.combine(day, time).replace(tzinfo=tzinfo)
