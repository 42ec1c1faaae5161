#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the manager's dashboard and of the customer base statistics.

Builds on PostgreSQL an operator with N customers and prospects, 1.5 N
lines, N claims and 3 N invoice lines (N invoices of 3 lines) spread over
the last 24 months (and a second operator with 1 % of it), then computes
the stored key figures and the customer base by segment of the 24 months,
as the hourly cron does for the last two (timed).  Then, as the operator's
manager, behind his access rules and the row-level security:

- opening the dashboard: the key figures of this month, with the previous
  month's beside, read from the stored figures as the home screen and the
  Key Figures list read them, beside the same figures computed on the fly
  from the raw tables;
- a statistic of the customer base over the last 12 months, filtered by
  governorate and customer category, read from the summary as its window
  does, beside the same statistic computed from the raw tables;
- a figure divided over the last 12 months (claims by branch, revenue by
  product, lines by kind), read from the breakdown summary as *Figures
  Divided* does, beside the divisions' own queries on the raw tables.

The answers of both paths are checked equal; median, p95 and the ratio are
printed side by side.

    python bench/bench_dashboard.py --scale 10k
    python bench/bench_dashboard.py --scale 1M --reuse
"""
import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from functools import partial

import psycopg
from dateutil.relativedelta import relativedelta

import benchlib

# the demo's governorates of Tunisia
sys.path.insert(
    0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from demo.telco_base import GOVERNORATES  # noqa: E402

MONTHS = 24
CATEGORIES = [
    ('GP', "Grand public"), ('JEU', "Jeunes"), ('PRO', "Professionnels"),
    ('ENT', "Entreprises"), ('VIP', "VIP"),
    ]
# the divisions the benchmark's data give
DIVISIONS = ['claims_branch', 'revenue_product', 'lines_kind']
FIGURE_FIELDS = [
    'kpi', 'period', 'value', 'unit', 'previous', 'trend', 'change',
    'computed_at', 'judgement', 'value_digits']


def this_month():
    return dt.date.today().replace(day=1)


def build(uri, database, scale, config_file):
    print(f"building {database}: {scale:,} customers and prospects",
        flush=True)
    benchlib.create_database(uri, database)
    started = time.perf_counter()
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_dashboard',
        'telco_claims', 'telco_billing', '--activate-dependencies')
    print(f"  modules activated in {time.perf_counter() - started:.0f} s",
        flush=True)

    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from trytond.modules.telco_base.tests.tools import (
        create_operator, create_staff)
    from trytond.modules.telco_billing.tests.tools import setup_accounting
    Pool(database).init()
    extras = {}
    while True:
        # as the RPC dispatcher does: retry with the tables to lock
        try:
            operators, subdivisions, tunisia = _setup(
                database, extras, create_operator, create_staff,
                setup_accounting)
        except TransactionError as error:
            error.fix(extras)
            continue
        break

    start = this_month() - relativedelta(months=MONTHS - 1)
    params = {
        'today': dt.date.today(),
        'window_start': start,
        'window_days': (dt.date.today() - start).days + 1,
        'subdivisions': subdivisions,
        'country': tunisia,
        }
    batch = 100_000
    with psycopg.connect(uri + database) as conn:
        for operator, count in zip(operators, [scale, max(scale // 100, 1)]):
            started = time.perf_counter()
            for first in range(0, count, batch):
                last = min(count, first + batch) - 1
                conn.execute(SQL_PARTIES, dict(
                        params, first=first, last=last, **operator))
                for sql in [SQL_LINES, SQL_CLAIMS, SQL_INVOICES]:
                    conn.execute(sql, dict(
                            params, first=first, last=last, **operator))
                conn.commit()
                rate = (last + 1) / (time.perf_counter() - started)
                print(f"  operator {operator['company']}: {last + 1:,} "
                    f"customers with their lines, claims and invoices "
                    f"({rate:,.0f}/s)", flush=True)
    with psycopg.connect(uri + database, autocommit=True) as conn:
        for table in ['party_party', 'party_address', 'telco_line',
                'telco_claim', 'account_invoice', 'account_invoice_line']:
            conn.execute(f'VACUUM ANALYZE {table}')

    # the stored figures and segments of the 24 months: what the cron
    # keeps up to date for the last two
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        Figure = pool.get('telco.dashboard.figure')
        Segment = pool.get('telco.dashboard.segment')
        Breakdown = pool.get('telco.dashboard.breakdown')
        companies = Company.browse([o['company'] for o in operators])
        started = time.perf_counter()
        for month in range(MONTHS):
            period = start + relativedelta(months=month)
            Figure.compute(companies, period)
            Segment.compute(companies, period)
            Breakdown.compute(companies, period)
            transaction.commit()
        print(f"  figures, segments and breakdowns of {MONTHS} months "
            "computed in "
            f"{time.perf_counter() - started:.0f} s", flush=True)


def _setup(database, extras, create_operator, create_staff,
        setup_accounting):
    "The country, its governorates and the two operators with accounts"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, **extras) as transaction:
        pool = Pool()
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        Category = pool.get('telco.customer.category')
        tunisia, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
        subdivisions = Subdivision.create([{
                    'country': tunisia.id, 'code': code, 'name': name,
                    'type': 'governorate'} for code, name in GOVERNORATES])
        operators = []
        for name, code in [("Ooredoo Tunisie", 'OOREDOO'),
                ("Tunisie Telecom", 'TT')]:
            company = create_operator(name, code, features=[
                    'clients', 'dashboard', 'claims', 'billing'])
            accounting = setup_accounting(company)
            categories = Category.create([{
                        'company': company.id, 'kind': 'commercial_1',
                        'code': c, 'name': n} for c, n in CATEGORIES])
            operators.append({
                    'company': company.id,
                    'currency': company.currency.id,
                    'receivable': accounting['accounts']['receivable'].id,
                    'categories': [c.id for c in categories],
                    })
        create_staff('bench_manager', pool.get('company.company')(
                operators[0]['company']), groups=[
                'telco_base.group_agent', 'telco_base.group_customer',
                'telco_dashboard.group_dashboard'])
        transaction.commit()
        subdivisions = [s.id for s in subdivisions]
        return operators, subdivisions, tunisia.id


# The n-th party of a batch: a natural person 9 times out of 10, born
# between 1945 and 2005, in one of the five categories and 24
# governorates; a prospect since a day of the 24 months or the two years
# before, a customer some days later 7 times out of 8 (unless that is still
# to come), terminated later one time out of 7.
SQL_PARTIES = """
WITH numbers AS (
    SELECT n,
        %(window_start)s::date - 730 + ((n::bigint * 104729)
            %% (730 + %(window_days)s))::int AS prospect
    FROM generate_series(%(first)s::int, %(last)s::int) AS n
), dated AS (
    SELECT n, prospect,
        CASE WHEN n %% 8 <> 0 AND prospect + n %% 45 <= %(today)s::date
            THEN prospect + n %% 45 END AS customer
    FROM numbers
), ended AS (
    SELECT n, prospect, customer,
        CASE WHEN n %% 7 = 0 AND customer + 60 + (n * 13) %% 600
                <= %(today)s::date
            THEN customer + 60 + (n * 13) %% 600 END AS terminated
    FROM dated
), parties AS (
    INSERT INTO party_party (
        name, code, company, customer_base, customer_type, customer_state,
        birth_date, commercial_category_1, prospect_date, customer_date,
        termination_date, active, create_uid, create_date)
    SELECT 'Client ' || %(company)s || '-' || n,
        'D' || %(company)s || '-' || n, %(company)s, true,
        CASE WHEN n %% 10 = 0 THEN 'organization' ELSE 'person' END,
        CASE WHEN terminated IS NOT NULL THEN 'terminated'
            WHEN customer IS NOT NULL THEN 'active' ELSE 'prospect' END,
        CASE WHEN n %% 10 <> 0
            THEN DATE '1945-01-01' + ((n::bigint * 7919) %% 21900)::int END,
        (%(categories)s::int[])[1 + (n * 31) %% 5],
        prospect, customer, terminated, true, 0, now()
    FROM ended
    RETURNING id, company, code
)
INSERT INTO party_address (
    party, country, subdivision, city, active, create_uid, create_date)
SELECT id, %(country)s,
    (%(subdivisions)s::int[])[
        1 + (split_part(code, '-', 2)::int * 7) %% 24],
    'Ville', true, 0, now()
FROM parties
"""

# the parties of the batch, with their number n
BATCH = """
    SELECT p.id, split_part(p.code, '-', 2)::int AS n, p.customer_date,
        p.termination_date, a.id AS address
    FROM party_party p JOIN party_address a ON a.party = p.id
    WHERE p.company = %(company)s
        AND p.code LIKE 'D' || %(company)s || '-%%'
        AND split_part(p.code, '-', 2)::int
            BETWEEN %(first)s AND %(last)s
"""

# 1.7 lines per customer: the first at the start of the contract, the
# second some days later 7 customers out of 10
SQL_LINES = f"""
WITH batch AS ({BATCH})
INSERT INTO telco_line (
    company, customer, "user", number, kind, state, activation_date,
    termination_date, create_uid, create_date)
SELECT %(company)s, b.id, b.id, 'L' || %(company)s || '-' || b.n || '-' || k,
    (ARRAY['mobile_prepaid', 'mobile_prepaid', 'mobile_prepaid',
        'mobile_postpaid', 'mobile_postpaid', 'fixed', 'adsl', 'fibre',
        '4g_key', 'mobile_prepaid'])[1 + (b.n + k) %% 10],
    CASE WHEN b.termination_date IS NOT NULL THEN 'terminated'
        ELSE 'active' END,
    LEAST(b.customer_date + (k - 1) * (b.n %% 90), %(today)s::date),
    b.termination_date, 0, now()
FROM batch b CROSS JOIN generate_series(1, 2) AS k
WHERE b.customer_date IS NOT NULL AND (k = 1 OR b.n %% 10 < 7)
"""

# one claim per party, opened at a moment of the 24 months; resolved 7
# times out of 10 within 200 hours (late one time out of 9), closed,
# cancelled or still open otherwise
SQL_CLAIMS = f"""
WITH batch AS ({BATCH})
INSERT INTO telco_claim (
    company, party, number, subject, branch, channel, priority, state,
    opened_at, resolved_at, closed_at, breached, create_uid, create_date)
SELECT %(company)s, b.id, 'C' || %(company)s || '-' || b.n,
    'Réclamation ' || b.n,
    (ARRAY['technical', 'financial', 'relational'])[1 + b.n %% 3],
    (ARRAY['shop', 'call_centre', 'ivr', 'portal', 'email', 'social'])[
        1 + b.n %% 6],
    (ARRAY['low', 'normal', 'high', 'urgent'])[1 + b.n %% 4],
    s.state, s.opened,
    CASE WHEN s.state = 'resolved'
        THEN s.opened + (b.n %% 200) * INTERVAL '1 hour' END,
    CASE WHEN s.state = 'closed'
        THEN s.opened + (b.n %% 300) * INTERVAL '1 hour' END,
    s.state = 'resolved' AND b.n %% 9 = 0, 0, now()
FROM batch b,
    LATERAL (SELECT
        %(window_start)s::timestamp
            + ((b.n::bigint * 7919) %% (%(window_days)s * 86400 - 864000))
            * INTERVAL '1 second' AS opened,
        (ARRAY['resolved', 'resolved', 'resolved', 'resolved', 'resolved',
            'resolved', 'resolved', 'closed', 'cancelled', 'open'])[
            1 + (b.n * 7) %% 10] AS state) s
"""

# one invoice of three lines per party, on a day of the 24 months, posted
# or paid (a draft one time out of 20)
SQL_INVOICES = f"""
WITH batch AS ({BATCH}), invoices AS (
    INSERT INTO account_invoice (
        company, currency, type, party, invoice_address, account, state,
        invoice_date, number, create_uid, create_date)
    SELECT %(company)s, %(currency)s, 'out', b.id, b.address,
        %(receivable)s,
        (ARRAY['posted', 'paid', 'paid', 'posted', 'paid', 'paid', 'posted',
            'paid', 'paid', 'posted', 'paid', 'paid', 'posted', 'paid',
            'paid', 'posted', 'paid', 'paid', 'posted', 'draft'])[
            1 + b.n %% 20],
        %(window_start)s::date
            + ((b.n::bigint * 6007) %% %(window_days)s)::int,
        'F' || %(company)s || '-' || b.n, 0, now()
    FROM batch b
    RETURNING id, split_part(number, '-', 2)::int AS n
)
INSERT INTO account_invoice_line (
    invoice, company, currency, type, quantity, unit_price, description,
    create_uid, create_date)
SELECT i.id, %(company)s, %(currency)s, 'line', 1,
    (10 + (i.n * k * 37) %% 90)::numeric + 0.5, 'Service ' || k, 0, now()
FROM invoices i CROSS JOIN generate_series(1, 3) AS k
"""


def timed(function, runs):
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def run(database, runs, raw_runs, seed):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.telco_dashboard.kpi import (
        month_range, previous_month)
    from trytond.modules.telco_dashboard.segment import (
        KEYS, party_segments)
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0, readonly=True):
        User = pool.get('res.user')
        Subdivision = pool.get('country.subdivision')
        Category = pool.get('telco.customer.category')
        user, = User.search([('login', '=', 'bench_manager')])
        user_id, company_id = user.id, user.company.id
        subdivisions = [s.id for s in Subdivision.search([])]
        categories = [c.id for c in Category.search([
                    ('company', '=', company_id)])]
    rng = random.Random(seed)
    period = this_month()
    results = {}
    with Transaction().start(database, user_id, readonly=True,
            context={'company': company_id, '_check_access': True}):
        Figure = pool.get('telco.dashboard.figure')
        Statistic = pool.get('telco.dashboard.statistic')
        Segment = pool.get('telco.dashboard.segment')
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT current_user')
        print(f"run as the manager of the operator, database role "
            f"{cursor.fetchone()[0]}")

        # --- the dashboard: this month's figures and the previous ---
        def stored_dashboard():
            figures = Figure.search_read(
                [('period', '=', period)], fields_names=FIGURE_FIELDS)
            return {f['kpi']: (f['value'], f['previous']) for f in figures}

        start, end = month_range(period)
        previous_start, previous_end = month_range(previous_month(period))

        def raw_dashboard():
            kpis = {f['kpi'] for f in Figure.search_read(
                    [('period', '=', period)], fields_names=['kpi'])}
            return {
                k.code: (
                    k.compute(company_id, start, end),
                    k.compute(company_id, previous_start, previous_end))
                for k in Figure.kpis() if k.code in kpis}

        stored_dashboard()  # warm the caches
        stored_times, stored = timed(stored_dashboard, runs)
        raw_times, raw = timed(raw_dashboard, raw_runs)
        assert stored == raw, (stored, raw)
        results['dashboard'] = (stored_times, raw_times, len(stored))

        # --- a statistic filtered by governorate and category ---
        measures = Segment.measures()

        def statistic_context(dimension, subdivision, category):
            return dict(
                dimension=dimension, subdivision=subdivision,
                category=category,
                from_period=period - relativedelta(months=11),
                to_period=period)

        def stored_statistic(context):
            with Transaction().set_context(**context):
                # what the list shows: the segment's name and the measures
                rows = Statistic.search_read([], fields_names=[
                        'segment', context['dimension']]
                    + [m.name for m in measures])
            return {
                r[context['dimension']]: tuple(r[m.name] for m in measures)
                for r in rows}

        def raw_statistic(context):
            "The measures' own queries on the raw tables, month by month"
            dimension = context['dimension']
            totals = defaultdict(lambda: [0] * len(measures))
            month = context['from_period']
            while month <= context['to_period']:
                first, last = month_range(month)
                segments = party_segments(company_id, last)
                segments = segments.select(
                    segments.party, *[getattr(segments, k) for k in KEYS],
                    where=(segments.subdivision == context['subdivision'])
                    & (segments.category == context['category']))
                for i, measure in enumerate(measures):
                    cursor.execute(*measure.compute(
                            company_id, first, last, segments))
                    for *key, value in cursor:
                        group = (month if dimension == 'period'
                            else dict(zip(KEYS, key))[dimension])
                        if measure.stock and dimension != 'period':
                            if month != context['to_period']:
                                continue
                        totals[group][i] += value or 0
                month += relativedelta(months=1)
            return {k: tuple(v) for k, v in totals.items()}

        dimensions = ['age_band', 'customer_type', 'period']
        contexts = [
            statistic_context(
                rng.choice(dimensions), rng.choice(subdivisions),
                rng.choice(categories))
            for _ in range(runs)]
        stored_statistic(contexts[0])  # warm the caches
        stored_times = []
        for context in contexts:
            times, _ = timed(partial(stored_statistic, context), 1)
            stored_times += times
        raw_times = []
        for context in contexts[:raw_runs]:
            times, raw = timed(partial(raw_statistic, context), 1)
            raw_times += times
            stored = stored_statistic(context)
            assert _same(stored, raw, context['dimension']), (
                context, stored, raw)
        results['statistic'] = (stored_times, raw_times, len(contexts))

        # --- a figure divided over 12 months ---
        Breakdown = pool.get('telco.dashboard.breakdown')
        BreakdownStatistic = pool.get(
            'telco.dashboard.breakdown.statistic')
        first_month = period - relativedelta(months=11)

        def stored_divided(code):
            with Transaction().set_context(division=code,
                    from_period=first_month, to_period=period):
                rows = BreakdownStatistic.search_read([],
                    fields_names=['label', 'key', 'code', 'value'])
            return {r['code'] or r['key']: r['value'] for r in rows}

        def raw_divided(code):
            division = Breakdown.get_division(code)
            totals = defaultdict(int)
            month = first_month
            while month <= period:
                if not division.stock or month == period:
                    cursor.execute(*division.compute(
                            company_id, *month_range(month)))
                    for key, value in cursor:
                        totals[key] += value or 0
                month += relativedelta(months=1)
            return dict(totals)

        codes = [rng.choice(DIVISIONS) for _ in range(runs)]
        stored_divided(codes[0])  # warm the caches
        stored_times = []
        for code in codes:
            times, _ = timed(partial(stored_divided, code), 1)
            stored_times += times
        raw_times = []
        for code in codes[:raw_runs]:
            times, raw = timed(partial(raw_divided, code), 1)
            raw_times += times
            stored = stored_divided(code)
            assert _same_divided(stored, raw), (code, stored, raw)
        results['divided'] = (stored_times, raw_times, len(codes))

    # --- what keeping the summaries costs: the cron's work for a month ---
    with Transaction().start(database, 0) as transaction:
        Company = pool.get('company.company')
        Figure = pool.get('telco.dashboard.figure')
        Segment = pool.get('telco.dashboard.segment')
        company = Company(company_id)
        started = time.perf_counter()
        Figure.compute([company], period)
        figures_time = time.perf_counter() - started
        started = time.perf_counter()
        Segment.compute([company], period)
        segments_time = time.perf_counter() - started
        started = time.perf_counter()
        pool.get('telco.dashboard.breakdown').compute([company], period)
        breakdowns_time = time.perf_counter() - started
        transaction.rollback()
    results['refresh'] = (figures_time, segments_time, breakdowns_time)
    return results


def _same(stored, raw, dimension):
    "Both answers hold the same figures for the same groups"
    def normal(answer):
        return {
            (k.isoformat() if isinstance(k, dt.date) else k):
                tuple(float(v or 0) for v in values)
            for k, values in answer.items() if any(values)}
    return normal(stored) == normal(raw)


def _same_divided(stored, raw):
    "Both answers hold the same values for the same keys, to the 0.001"
    def normal(answer):
        return {k: round(float(v), 3) for k, v in answer.items()
            if round(float(v or 0), 3)}
    return normal(stored) == normal(raw)


def report(scale, results):
    print()
    print(f"Dashboard, {scale:,} customers and prospects, PostgreSQL, as the "
        "operator's manager (rules and row-level security applied)")
    header = (f"{'what':<40}{'stored med':>12}{'stored p95':>12}"
        f"{'raw med':>12}{'raw p95':>12}{'ratio':>9}")
    print(header)
    print('-' * len(header))
    for name, label in [
            ('dashboard', "dashboard: {} figures, 2 months"),
            ('statistic', "statistic, 12 months, by zone+category"),
            ('divided', "figure divided, 12 months"),
            ]:
        stored, raw, count = results[name]
        stored_med = statistics.median(stored)
        raw_med = statistics.median(raw)
        print(f"{label.format(count):<40}"
            f"{stored_med:>10.1f}ms{benchlib.percentile(stored, .95):>10.1f}ms"
            f"{raw_med:>10.0f}ms{benchlib.percentile(raw, .95):>10.0f}ms"
            f"{raw_med / stored_med:>8.0f}x")
    figures_time, segments_time, breakdowns_time = results['refresh']
    print(f"answers of both paths equal; the cron's work for one month: "
        f"key figures {figures_time:.1f} s, segments {segments_time:.1f} s, "
        f"breakdowns {breakdowns_time:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='10k',
        help="customers and prospects of the operator, e.g. 10k, 1M "
        "(default: 10k)")
    parser.add_argument('--runs', type=int, default=100,
        help="readings of the stored figures (default: 100)")
    parser.add_argument('--raw-runs', type=int, default=None,
        help="computations from the raw tables (default: 20 up to 100k "
        "customers, 5 above)")
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database built by an earlier run")
    parser.add_argument('--seed', type=int, default=42)
    args = parser.parse_args()
    scale = benchlib.parse_scale(args.scale)
    raw_runs = args.raw_runs
    if raw_runs is None:
        raw_runs = 20 if scale <= 100_000 else 5
    database = f'telco_bench_dashboard_{args.scale.lower()}'
    uri, config_file, exists = benchlib.setup(parser, database)
    if not (args.reuse and exists):
        build(uri, database, scale, config_file)
    report(scale, run(database, args.runs, raw_runs, args.seed))


if __name__ == '__main__':
    main()
