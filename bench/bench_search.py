#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the customer search box.

Builds N customers (half per operator, each with an identity card, a mobile
phone, an address and a line) on PostgreSQL with set-based SQL, then times
the search box of telco_party against Tryton's stock ``ilike`` search on the
same data, in the same run, as a staff user of one operator (access rules
applied).  Prints median and p95 per kind of query and the ratio.

    python bench/bench_search.py --scale 10k
    python bench/bench_search.py --scale 1M --reuse

The database is kept (telco_bench_<scale>) so that --reuse skips the build.
"""
import argparse
import random
import statistics
import time

import psycopg

import benchlib

FIRST_NAMES = (
    "Mohamed Ahmed Ali Youssef Sami Karim Walid Anis Hichem Nizar Slim "
    "Mehdi Amine Bilel Aymen Fares Haythem Oussama Rami Zied Skander Wassim "
    "Amel Leila Nour Rim Sonia Ines Mariem Asma Olfa Hela Sarra Emna Yosra "
    "Salma Imen Khaoula Rania Wafa Dorra Nesrine Syrine Ons Hend Fatma "
    "Aicha Khadija Zeineb Chaima Malek Yasmine Eya Farah Lina Hamza Omar "
    "Tarek Chokri Lotfi Habib Moncef Mounir Nabil Raouf Taoufik Ridha").split()
LAST_ROOTS = (
    "Trabelsi Gharbi Ayari Jebali Mejri Hammami Khelifi Dridi Sassi Bouazizi "
    "Chaabane Jlassi Mansouri Baccouche Karoui Ghannouchi Ferchichi Mabrouk "
    "Hamdi Riahi Zouari Kammoun Sfaxi Masmoudi Chebbi Belhadj Tounsi Jaziri "
    "Ouertani Saidi Bouzid Khemiri Marzouki Laabidi Dhaouadi Hannachi Fourati "
    "Ellouze Feki Abid Ktari Triki Mzoughi Boughanmi Nasri Slimani Amri "
    "Arfaoui Mathlouthi Barhoumi Rekik Chtioui Hajji Tlili Bejaoui Guesmi"
    ).split()
# one customer in 20 written in Arabic script (of the first operator)
ARABIC_FIRST_NAMES = (
    "محمد أحمد علي يوسف سامي كريم وليد أنيس هشام نزار سليم مهدي أمين "
    "آمال ليلى نور ريم سنية إيناس مريم أسماء هالة سارة سلمى فاطمة عائشة "
    "خديجة زينب").split()
ARABIC_LAST_NAMES = (
    "الطرابلسي الغربي العياري الجبالي الماجري الحمامي الخليفي الدريدي "
    "الساسي بوعزيزي الشعبان الجلاصي المنصوري الكراوي الفرشيشي مبروك "
    "الحامدي الرياحي الزواري القموع المصمودي الشابي بالحاج التونسي "
    "الجزيري الورتاني السعيدي الخميري المرزوقي العبيدي").split()
PREFIXES = ["", "Ben ", "Bel ", "Bou", "El ", "Ould "]
SUFFIXES = ["", "a", "i", "ou", "ani", "aoui", "ine", "ette"]
CITIES = (
    "Tunis Sfax Sousse Kairouan Bizerte Gabès Ariana Gafsa Monastir "
    "Ben-Arous Kasserine Médenine Nabeul Tataouine Béja Jendouba Mahdia "
    "Sidi-Bouzid Siliana Kébili Tozeur Zaghouan Manouba Kef").split()


def last_names():
    names = set()
    for prefix in PREFIXES:
        for root in LAST_ROOTS:
            for suffix in SUFFIXES:
                names.add(prefix + root + suffix)
    return sorted(names)


def build(uri, database, scale, config_file):
    print(f"building {database}: {scale:,} customers", flush=True)
    benchlib.create_database(uri, database)
    started = time.perf_counter()
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_line',
        '--activate-dependencies')
    print(f"  modules activated in {time.perf_counter() - started:.0f} s",
        flush=True)

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.telco_base.tests.tools import (
        create_operator, create_staff)
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Country = pool.get('country.country')
        Company = pool.get('company.company')
        tunisia, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
        operators = []
        for name, code in [("Ooredoo Tunisie", 'OOREDOO'),
                ("Tunisie Telecom", 'TT')]:
            company = create_operator(name, code)
            Company.write([company], {'phone_country': tunisia.id})
            operators.append(company.id)
        create_staff('bench_agent', Company(operators[0]), groups=[
                'telco_base.group_agent', 'telco_base.group_customer'])
        transaction.commit()

    firsts, lasts = FIRST_NAMES, last_names()
    batch = 100_000
    with psycopg.connect(uri + database) as conn:
        started = time.perf_counter()
        for start in range(0, scale, batch):
            stop = min(scale, start + batch)
            params = {
                'start': start, 'stop': stop - 1,
                'firsts': firsts, 'lasts': lasts, 'cities': CITIES,
                'ar_firsts': ARABIC_FIRST_NAMES,
                'ar_lasts': ARABIC_LAST_NAMES,
                'operators': operators,
                }
            conn.execute(SQL_BATCH, params)
            conn.commit()
            rate = stop / (time.perf_counter() - started)
            print(f"  {stop:,} customers ({rate:,.0f}/s)", flush=True)
    # what autovacuum does in steady state: flush the pending lists of the
    # GIN indexes filled by the bulk load and refresh the statistics
    with psycopg.connect(uri + database, autocommit=True) as conn:
        for table in ['party_party', 'party_identifier',
                'party_contact_mechanism', 'party_address', 'telco_line']:
            conn.execute(f'VACUUM ANALYZE {table}')


# One statement per batch: the n-th customer gets deterministic names, a
# CIN of n, the mobile +216 9nnnnnnn, a line +216 2nnnnnnn and a city.
SQL_BATCH = """
WITH numbers AS (
    SELECT n,
        (%(firsts)s::text[])[1 + n %% cardinality(%(firsts)s::text[])]
            AS first,
        (%(lasts)s::text[])[
            1 + (n::bigint * 7919) %% cardinality(%(lasts)s::text[])]
            AS last,
        (%(operators)s::int[])[1 + n %% 2] AS company
    FROM generate_series(%(start)s::int, %(stop)s::int) AS n
), written AS (
    SELECT n, company,
        CASE WHEN n %% 20 = 6 THEN (%(ar_firsts)s::text[])[
            1 + n %% cardinality(%(ar_firsts)s::text[])] ELSE first END
            AS first,
        CASE WHEN n %% 20 = 6 THEN (%(ar_lasts)s::text[])[
            1 + (n::bigint * 7919) %% cardinality(%(ar_lasts)s::text[])]
            ELSE last END AS last
    FROM numbers
), parties AS (
    INSERT INTO party_party (
        name, first_name, last_name, code, company, customer_type,
        customer_state, birth_date, prospect_date, customer_date, active,
        create_uid, create_date)
    SELECT first || ' ' || last, first, last, 'B' || n, company, 'person',
        'active', DATE '1950-01-01' + (n %% 18000), CURRENT_DATE,
        CURRENT_DATE, true, 0, now()
    FROM written
    RETURNING id, code, company
), numbered AS (
    SELECT id, company, substr(code, 2)::int AS n FROM parties
), identifiers AS (
    INSERT INTO party_identifier (
        party, type, code, code_compact, create_uid, create_date)
    SELECT id, 'tn_cin', lpad(n::text, 8, '0'), lpad(n::text, 8, '0'), 0,
        now()
    FROM numbered
), mechanisms AS (
    INSERT INTO party_contact_mechanism (
        party, type, value, value_compact, active, create_uid, create_date)
    SELECT id, 'mobile',
        '+216 9' || substr(lpad(n::text, 7, '0'), 1, 1) || ' '
            || substr(lpad(n::text, 7, '0'), 2, 3) || ' '
            || substr(lpad(n::text, 7, '0'), 5, 3),
        '+2169' || lpad(n::text, 7, '0'), true, 0, now()
    FROM numbered
), addresses AS (
    INSERT INTO party_address (party, city, active, create_uid, create_date)
    SELECT id, (%(cities)s::text[])[1 + n %% cardinality(%(cities)s::text[])],
        true, 0, now()
    FROM numbered
)
INSERT INTO telco_line (
    company, customer, "user", number, kind, state, activation_date,
    create_uid, create_date)
SELECT company, id, id, '+2162' || lpad(n::text, 7, '0'), 'mobile_prepaid',
    'active', CURRENT_DATE, 0, now()
FROM numbered
"""


def local(number):
    "+21698123456 -> 98 123 456"
    digits = number[4:]
    return f'{digits[:2]} {digits[2:5]} {digits[5:]}'


def make_queries(database, count, seed):
    "Queries built from random customers of the first operator"
    from trytond.transaction import Transaction
    rng = random.Random(seed)
    with Transaction().start(database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(
            "SELECT p.id, p.name, p.first_name, p.last_name, i.code, "
            "l.number, a.city "
            "FROM party_party p "
            "JOIN company_company c "
            "ON c.id = p.company AND c.code = 'OOREDOO' "
            "JOIN party_identifier i ON i.party = p.id "
            "JOIN telco_line l ON l.customer = p.id "
            "JOIN party_address a ON a.party = p.id "
            "WHERE p.code LIKE 'B%%' ORDER BY p.id", ())
        rows = cursor.fetchall()
    rows = rng.sample(rows, min(count, len(rows)))
    latin = [r for r in rows if r[3].isascii()]
    arabic_rows = [r for r in rows if not r[3].isascii()]
    kinds = ['partial name', 'full name (rare)', 'last then first name',
        'name part and city', 'misspelt name', 'Arabic name part',
        'phone, other format', 'identity number', 'line number',
        'line number end', 'wildcards only']
    queries = {k: [] for k in kinds}
    for party_id, name, first, last_name, cin, line_number, city in latin:
        start = rng.randrange(0, max(1, len(last_name) - 5))
        part = last_name[start:start + 6].lower()
        queries['partial name'].append((None, part))
        queries['full name (rare)'].append((party_id, name.lower()))
        queries['last then first name'].append(
            (party_id, f'{last_name} {first}'.lower()))
        queries['name part and city'].append((None, f'{part} {city}'))
        # a letter of the last name doubled and another dropped: nothing
        # contains it
        k = rng.randrange(1, max(2, len(last_name) - 2))
        typo = last_name[:k] + last_name[k] + last_name[k:]
        typo = typo[:-2] + typo[-1:]
        queries['misspelt name'].append((party_id, f'{first} {typo}'))
        n = int(cin)
        mobile = '+2169' + f'{n:07d}'
        queries['phone, other format'].append(
            (party_id, rng.choice([local(mobile), '00' + mobile[1:]])))
        queries['identity number'].append((party_id, cin))
        queries['line number'].append((party_id, local(line_number)))
        queries['line number end'].append((party_id, line_number[-6:]))
        queries['wildcards only'].append((None, '%'))
    for _id, _name, _first, last_name, *_ in arabic_rows * (
            len(latin) // max(1, len(arabic_rows))):
        start = rng.randrange(0, max(1, len(last_name) - 4))
        queries['Arabic name part'].append(
            (None, last_name[start:start + 4]))
    return queries


def stock_domain(text):
    "The domain of Tryton's party search_rec_name (+ lines) for text"
    pattern = f'%{text}%'
    return ['OR',
        ('code', 'ilike', text),
        ('identifiers.code', 'ilike', text),
        ('identifiers.code_compact', 'ilike', text),
        ('name', 'ilike', pattern),
        ('contact_mechanisms.rec_name', 'ilike', pattern),
        ('lines.number', 'ilike', pattern),
        ]


def run(database, queries, stock_count):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0, readonly=True):
        User = pool.get('res.user')
        user, = User.search([('login', '=', 'bench_agent')])
        user_id, company_id = user.id, user.company.id
    results = []
    with Transaction().start(database, user_id, readonly=True,
            context={'company': company_id, '_check_access': True}):
        Party = pool.get('party.party')
        # warm the caches of rules and access
        Party.search([('rec_name', 'ilike', '%warm%')], limit=20)
        # the role PostgreSQL runs the searches under: telco_operator
        # behind telco_base's row-level security, the database user when
        # TRYTOND_TELCO__ROW_LEVEL_SECURITY=False lifts it
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT current_user')
        print(f"searches run as the database role {cursor.fetchone()[0]}")
        for kind, items in queries.items():
            ours, stock, found_ours, found_stock = [], [], 0, 0
            for i, (target, text) in enumerate(items):
                started = time.perf_counter()
                found = Party.search(
                    [('rec_name', 'ilike', f'%{text}%')], limit=20)
                ours.append((time.perf_counter() - started) * 1000)
                found_ours += bool(found) and (
                    target is None or target in {p.id for p in found})
                if i < stock_count:
                    started = time.perf_counter()
                    found = Party.search(stock_domain(text), limit=20)
                    stock.append((time.perf_counter() - started) * 1000)
                    found_stock += bool(found) and (
                        target is None or target in {p.id for p in found})
            results.append((kind, ours, stock, found_ours, found_stock))
    return results


def report(scale, results):
    print()
    print(f"Search box, {scale:,} customers, PostgreSQL, as an agent of one "
        "operator (rules applied), 20 first results")
    header = (f"{'query':<24}{'ours med':>10}{'ours p95':>10}"
        f"{'stock med':>11}{'stock p95':>11}{'ratio':>8}"
        f"{'found ours':>12}{'found stock':>13}")
    print(header)
    print('-' * len(header))
    for kind, ours, stock, found_ours, found_stock in results:
        ours_med = statistics.median(ours)
        ours_p95 = benchlib.percentile(ours, .95)
        stock_med = statistics.median(stock)
        stock_p95 = benchlib.percentile(stock, .95)
        print(f"{kind:<24}{ours_med:>8.2f}ms{ours_p95:>8.2f}ms"
            f"{stock_med:>9.1f}ms{stock_p95:>9.1f}ms"
            f"{stock_med / ours_med:>7.0f}x"
            f"{found_ours:>7}/{len(ours):<4}{found_stock:>8}/{len(stock):<4}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='10k',
        help="number of customers, e.g. 10k, 200k, 1M (default: 10k)")
    parser.add_argument('--queries', type=int, default=200,
        help="queries of each kind for our search (default: 200)")
    parser.add_argument('--stock-queries', type=int, default=None,
        help="queries of each kind for the stock search "
        "(default: all up to 100k customers, 20 above)")
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database built by an earlier run")
    parser.add_argument('--seed', type=int, default=42)
    args = parser.parse_args()
    scale = benchlib.parse_scale(args.scale)
    database = f'telco_bench_{args.scale.lower()}'
    stock_count = args.stock_queries
    if stock_count is None:
        stock_count = args.queries if scale <= 100_000 else 20

    uri, config_file, exists = benchlib.setup(parser, database)
    if not (args.reuse and exists):
        build(uri, database, scale, config_file)
    queries = make_queries(database, args.queries, args.seed)
    report(scale, run(database, queries, stock_count))


if __name__ == '__main__':
    main()
