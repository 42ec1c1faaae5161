#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the nearest shops.

Builds N shops for each of two operators spread over Tunisia, each with its
warehouse, weekly hours (some open on Sunday, some closed that day by an
exception, some with short Mondays this month), services and, for some, a
phone in stock (moves, then the shops' stock rebuilt from them); then asks,
as a shop agent of one operator, for the five nearest shops open at a given
time that offer a service and have the phone in stock (telco.shop.nearest),
beside a plain Python scan of every shop of the operator (geodesic distance
to each, the same filters on data loaded beforehand) in the same run. Every
answer is checked against the scan. Prints median and p95 of each and the
ratio.

    python bench/bench_shops.py                # 10k shops per operator
    python bench/bench_shops.py --scale 1k --queries 100
"""
import argparse
import datetime as dt
import random
import statistics
import time

import psycopg

import benchlib

# a Monday of the query, and its time
AT = dt.datetime(2026, 11, 23, 17, 30)
# Tunisia, roughly
LAT, LON = (30.3, 37.3), (7.6, 11.5)
SERVICES = ['new_line', 'sim_swap', 'puk', 'payment', 'repair', 'fibre']


def build(uri, database, scale, config_file):
    print(f"building {database}: {scale:,} shops per operator", flush=True)
    benchlib.create_database(uri, database)
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_stock',
        '--activate-dependencies')

    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from trytond.modules.telco_base.tests.tools import (
        create_operator, create_staff)
    from trytond.modules.telco_stock.tests.tools import (
        SHOP_AGENT, create_stock_products)
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Location = pool.get('stock.location')
        operators = []
        for name, code in [("Ooredoo Tunisie", 'OOREDOO'),
                ("Tunisie Telecom", 'TT')]:
            company = create_operator(name, code, ['clients', 'stock'])
            products = create_stock_products(company)
            operators.append((company.id, products['CASE'].id))
        create_staff('bench_agent', company.__class__(operators[0][0]),
            groups=SHOP_AGENT)
        supplier, = Location.search([('type', '=', 'supplier')], limit=1)
        supplier = supplier.id
        transaction.commit()

    rng = random.Random(11)
    started = time.perf_counter()
    with psycopg.connect(uri + database) as conn:
        right, = conn.execute(
            'SELECT COALESCE(MAX("right"), 0) FROM stock_location'
            ).fetchone()
        for company, product in operators:
            services = []
            for code in SERVICES:
                services.append(conn.execute(
                        "INSERT INTO telco_shop_service (company, code, name, "
                        "active, create_uid, create_date) "
                        "VALUES (%s, %s, %s, true, 0, now()) RETURNING id",
                        (company, code, code.replace('_', ' ').title())
                        ).fetchone()[0])
            shops = []
            for i in range(scale):
                base = right + 1 + 10 * i
                shops.append((
                        company, f'S{i:05d}', f'Shop {i}',
                        rng.uniform(*LAT), rng.uniform(*LON), base))
            right += 10 * scale
            with conn.cursor() as cursor:
                # each warehouse is a root of the location tree with its
                # four children: the nested set is written as it would be
                values = []
                for company_, code, _name, _lat, _lon, base in shops:
                    for offset, (suffix, type_) in enumerate([
                            ('Storage', 'storage'), ('Input', 'storage'),
                            ('Output', 'storage'),
                            ('Lost and Found', 'lost_found')]):
                        values.append((
                                f'{code} - {suffix}', type_, company_,
                                base + 1 + 2 * offset, base + 2 + 2 * offset))
                cursor.executemany(
                    "INSERT INTO stock_location (name, type, company, "
                    '"left", "right", active, create_uid, create_date) '
                    "VALUES (%s, %s, %s, %s, %s, true, 0, now())", values)
                cursor.executemany(
                    "INSERT INTO stock_location (name, code, type, company, "
                    '"left", "right", storage_location, input_location, '
                    "output_location, lost_found_location, active, "
                    "create_uid, create_date) "
                    "SELECT %s, %s, 'warehouse', %s, %s, %s, "
                    "(SELECT id FROM stock_location WHERE \"left\" = %s), "
                    "(SELECT id FROM stock_location WHERE \"left\" = %s), "
                    "(SELECT id FROM stock_location WHERE \"left\" = %s), "
                    "(SELECT id FROM stock_location WHERE \"left\" = %s), "
                    "true, 0, now()",
                    [(name, code, company_, base, base + 9, base + 1,
                        base + 3, base + 5, base + 7)
                        for company_, code, name, lat, lon, base in shops])
                # the warehouse of a child is at the start of its block of
                # ten: one hash join, not one statement per warehouse
                first = shops[0][-1]
                cursor.execute(
                    "UPDATE stock_location SET parent = w.id FROM "
                    "stock_location w WHERE w.\"left\" = "
                    "stock_location.\"left\" - "
                    "((stock_location.\"left\" - %s) %% 10) "
                    "AND stock_location.\"left\" > %s "
                    "AND stock_location.company = %s "
                    "AND stock_location.type != 'warehouse'",
                    (first, first, shops[0][0]))
                cursor.executemany(
                    "INSERT INTO telco_shop (company, code, name, city, "
                    "latitude, longitude, warehouse, active, create_uid, "
                    "create_date) SELECT %s, %s, %s, 'Tunisie', %s, %s, "
                    "id, true, 0, now() FROM stock_location "
                    "WHERE \"left\" = %s",
                    shops)
                # each shop its calendar of opening hours
                cursor.execute(
                    "INSERT INTO telco_calendar (company, name, active, "
                    "create_uid, create_date) SELECT company, code, true, 0, "
                    "now() FROM telco_shop WHERE company = %s", (company,))
                cursor.execute(
                    "UPDATE telco_shop SET calendar = c.id "
                    "FROM telco_calendar c WHERE c.company = %s "
                    "AND telco_shop.company = c.company "
                    "AND c.name = telco_shop.code", (company,))
            rows = conn.execute(
                "SELECT id, calendar FROM telco_shop WHERE company = %s "
                "ORDER BY id", (company,)).fetchall()
            ids = [r for r, _ in rows]
            calendars = dict(rows)
            hours, exceptions, offered = [], [], []
            for shop_id in ids:
                calendar = calendars[shop_id]
                for day in range(6):
                    hours.append((calendar, str(day), dt.time(8),
                            dt.time(18)))
                if rng.random() < 0.2:
                    hours.append((calendar, '6', dt.time(10), dt.time(14)))
                if rng.random() < 0.1:
                    exceptions.append((calendar, 'Fermé', AT.date(),
                            AT.date(), None, True, None, None))
                elif rng.random() < 0.1:
                    # short Mondays this month
                    exceptions.append((calendar, 'Lundis courts',
                            AT.date().replace(day=1),
                            AT.date().replace(day=30), '0', False,
                            dt.time(9), dt.time(13)))
                for service in rng.sample(services, 3):
                    offered.append((shop_id, service))
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO telco_calendar_hours (calendar, weekday, "
                    "start_time, end_time, create_uid, create_date) "
                    "VALUES (%s, %s, %s, %s, 0, now())", hours)
                cursor.executemany(
                    "INSERT INTO telco_calendar_exception (calendar, name, "
                    "start_date, end_date, weekday, closed, start_time, "
                    "end_time, create_uid, create_date) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, now())",
                    exceptions)
                cursor.executemany(
                    'INSERT INTO "telco_shop-telco_shop_service" '
                    "(shop, service, create_uid, create_date) "
                    "VALUES (%s, %s, 0, now())", offered)
                # the phone is in stock in a third of the shops; half of
                # those sold it again
                cursor.execute(
                    "INSERT INTO stock_move (company, product, unit, "
                    "quantity, internal_quantity, from_location, "
                    "to_location, state, effective_date, unit_price, "
                    "currency, create_uid, create_date) "
                    "SELECT s.company, %s, t.default_uom, 2, 2, %s, "
                    "w.storage_location, 'done', %s, 10, c.currency, 0, "
                    "now() FROM telco_shop s "
                    "JOIN stock_location w ON w.id = s.warehouse "
                    "JOIN company_company c ON c.id = s.company "
                    "JOIN product_product p ON p.id = %s "
                    "JOIN product_template t ON t.id = p.template "
                    "WHERE s.company = %s AND s.id %% 3 = 0",
                    (product, supplier, AT.date(), product, company))
                cursor.execute(
                    "INSERT INTO stock_move (company, product, unit, "
                    "quantity, internal_quantity, from_location, "
                    "to_location, state, effective_date, unit_price, "
                    "currency, create_uid, create_date) "
                    "SELECT company, product, unit, 2, 2, to_location, "
                    "from_location, 'done', effective_date, 10, currency, "
                    "0, now() FROM stock_move "
                    "WHERE product = %s AND id %% 2 = 0",
                    (product,))
        conn.commit()
    # the moves were written in SQL: the shops' stock is rebuilt from them
    refresh_started = time.perf_counter()
    extras = {}
    while True:
        try:
            with Transaction().start(database, 0, **extras) as transaction:
                Pool().get('telco.shop.stock').refresh_all()
                transaction.commit()
        except TransactionError as error:
            # the summary is locked: start again with the lock, as the
            # dispatcher and the cron do
            error.fix(extras)
            continue
        break
    print(f"  shops' stock rebuilt from the moves in "
        f"{time.perf_counter() - refresh_started:.1f} s", flush=True)
    with psycopg.connect(uri + database, autocommit=True) as conn:
        conn.execute('VACUUM ANALYZE')
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def load_scan_data(company_id, product_id):
    "What the Python scan needs of every shop, loaded once"
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute(
        "SELECT id, latitude, longitude FROM telco_shop "
        "WHERE company = %s AND active", (company_id,))
    shops = cursor.fetchall()
    cursor.execute(
        "SELECT s.id, h.weekday, h.start_time, h.end_time "
        "FROM telco_calendar_hours h "
        "JOIN telco_shop s ON s.calendar = h.calendar "
        "WHERE s.company = %s", (company_id,))
    hours = {}
    for shop, weekday, opening, closing in cursor:
        hours.setdefault(shop, []).append((weekday, opening, closing))
    cursor.execute(
        "SELECT s.id, e.start_date, e.end_date, e.weekday, e.closed, "
        "e.start_time, e.end_time FROM telco_calendar_exception e "
        "JOIN telco_shop s ON s.calendar = e.calendar "
        "WHERE s.company = %s",
        (company_id,))
    exceptions = {}
    for shop, *values in cursor:
        exceptions.setdefault(shop, []).append(values)
    cursor.execute(
        'SELECT r.shop, v.code FROM "telco_shop-telco_shop_service" r '
        "JOIN telco_shop_service v ON v.id = r.service "
        "WHERE v.company = %s", (company_id,))
    services = {}
    for shop, code in cursor:
        services.setdefault(shop, set()).add(code)
    cursor.execute(
        "SELECT s.id, SUM(CASE WHEN m.to_location = w.storage_location "
        "THEN m.internal_quantity ELSE -m.internal_quantity END) "
        "FROM telco_shop s JOIN stock_location w ON w.id = s.warehouse "
        "JOIN stock_move m ON (m.to_location = w.storage_location "
        "OR m.from_location = w.storage_location) "
        "WHERE s.company = %s AND m.product = %s AND m.state = 'done' "
        "GROUP BY s.id", (company_id, product_id))
    stock = {shop: quantity for shop, quantity in cursor}
    return shops, hours, exceptions, services, stock


def scan(data, latitude, longitude, limit, at, service):
    "Every shop's geodesic distance, filtered, sorted"
    from trytond.modules.telco_stock.geo import distance_km
    shops, hours, exceptions, services, stock = data
    date, time_, weekday = at.date(), at.time(), str(at.weekday())
    found = []
    for shop_id, lat, lon in shops:
        if service not in services.get(shop_id, ()):
            continue
        if stock.get(shop_id, 0) <= 0:
            continue
        dated = [e for e in exceptions.get(shop_id, [])
            if e[0] <= date <= e[1]]
        special = ([e for e in dated if e[2] == weekday]
            or [e for e in dated if not e[2]])
        if special:
            if not any(not closed and opening <= time_ < closing
                    for _, _, _, closed, opening, closing in special):
                continue
        elif not any(day == weekday and opening <= time_ < closing
                for day, opening, closing in hours.get(shop_id, [])):
            continue
        found.append(
            (distance_km(latitude, longitude, lat, lon), shop_id))
    found.sort()
    return [(i, round(d, 3)) for d, i in found[:limit]]


def run(database, queries):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(database).init()
    rng = random.Random(3)
    points = [(rng.uniform(*LAT), rng.uniform(*LON)) for _ in range(queries)]
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        User = pool.get('res.user')
        Shop = pool.get('telco.shop')
        Product = pool.get('product.product')
        agent, = User.search([('login', '=', 'bench_agent')])
        company_id = agent.company.id
        product, = Product.search([
                ('code', '=', 'CASE'),
                ('template.company', '=', company_id)])
        data = load_scan_data(company_id, product.id)
        ours, unfiltered, scans = [], [], []
        mismatches = []
        with transaction.set_user(agent.id), transaction.set_context(
                company=company_id, _check_access=True):
            # warm the caches, as a server in service
            Shop.nearest(*points[0], limit=5)
            for latitude, longitude in points:
                started = time.perf_counter()
                found = Shop.nearest(
                    latitude, longitude, limit=5, at=AT, open_=True,
                    service='puk', product=product.id)
                ours.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                Shop.nearest(latitude, longitude, limit=5)
                unfiltered.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                expected = scan(data, latitude, longitude, 5, AT, 'puk')
                scans.append((time.perf_counter() - started) * 1000)
                if [i for i, _ in found] != [i for i, _ in expected] or any(
                        abs(a - b) > 0.001
                        for (_, a), (_, b) in zip(found, expected)):
                    mismatches.append((latitude, longitude))
        count = Shop.search_count([('company', '=', company_id)])
    return ours, unfiltered, scans, mismatches, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='10k',
        help="shops per operator (default: 10k)")
    parser.add_argument('--queries', type=int, default=300)
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database of an earlier run")
    args = parser.parse_args()
    scale = benchlib.parse_scale(args.scale)
    database = f'telco_bench_shops_{args.scale.lower()}'
    uri, config_file, exists = benchlib.setup(parser, database)
    if not (args.reuse and exists):
        build(uri, database, scale, config_file)
    ours, unfiltered, scans, mismatches, count = run(database, args.queries)
    print()
    print(f"Five nearest shops, {count:,} shops of the operator (and as many "
        f"of another), PostgreSQL, as a shop agent, {len(ours)} queries")
    header = f"{'method':<44}{'median':>10}{'p95':>10}"
    print(header)
    print('-' * len(header))
    for label, times in [
            ("ours, open + service + in stock", ours),
            ("ours, no filter", unfiltered),
            ("Python scan of every shop (filters)", scans),
            ]:
        print(f"{label:<44}{statistics.median(times):>8.2f}ms"
            f"{benchlib.percentile(times, .95):>8.2f}ms")
    ratio = benchlib.percentile(scans, .95) / benchlib.percentile(ours, .95)
    print(f"ratio scan/ours (p95): {ratio:.1f}x; "
        f"answers equal to the geodesic scan: "
        f"{len(ours) - len(mismatches)}/{len(ours)}")


if __name__ == '__main__':
    main()
