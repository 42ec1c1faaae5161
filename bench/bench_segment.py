#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the selection of a promotion's segment (advertising).

Builds N customers of an operator with an e-mail, an address in one of
three governorates, a category for a third of them, a birth date, an active
line for half and a sale in the last month for 3 in 5; then selects the
customers that a promotion for adults of the Sahel zone in the VIP category
and the "big" consumption band is meant for: with set-based queries
(eligible_parties, what the advertising wizard uses) and one customer
profile at a time (the rules as a sale checks them), in the same run. Both
answers must be equal. Prints median and p95 of each and the ratio.

    python bench/bench_segment.py                # 20k customers
    python bench/bench_segment.py --scale 5k --runs 3
"""
import argparse
import datetime as dt
import statistics
import time

import psycopg

import benchlib


def build(uri, database, scale, config_file):
    print(f"building {database}: {scale:,} customers", flush=True)
    benchlib.create_database(uri, database)
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_offers',
        '--activate-dependencies')

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.telco_base.tests.tools import create_operator
    from trytond.modules.telco_offers.tests.tools import (
        create_customer, create_products, create_sale, tunisia)
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Category = pool.get('telco.customer.category')
        Zone = pool.get('telco.offer.zone')
        Band = pool.get('telco.offer.consumption_band')
        Promotion = pool.get('sale.promotion')
        company = create_operator(
            "Ooredoo Tunisie", 'OOREDOO', ['clients', 'offers'])
        _, subdivisions = tunisia()
        vip, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': 'VIP', 'name': "VIP"}])
        zone, = Zone.create([{
                    'company': company.id, 'code': 'SAHEL', 'name': "Sahel",
                    'subdivisions': [('add', [subdivisions['TN-51'].id])]}])
        big, = Band.create([{
                    'company': company.id, 'name': "Big",
                    'minimum': 50}])
        products = create_products(company)
        Promotion.create([{
                    'company': company.id, 'name': "VIP du Sahel",
                    'formula': 'unit_price * 0.9',
                    'customer_types': ['person'], 'age_min': 18,
                    'customer_categories': [('add', [vip.id])],
                    'zones': [('add', [zone.id])],
                    'consumption_bands': [('add', [big.id])]}])
        # a sale to copy: its columns, whatever the modules add
        template_party = create_customer(company, "Template")
        template = create_sale(
            company, template_party, [(products['PHONE'], 1)],
            state='confirmed')
        ids = {
            'company': company.id, 'vip': vip.id,
            'subdivisions': [subdivisions[c].id
                for c in ['TN-51', 'TN-11', 'TN-61']],
            'sale': template.id, 'line': template.lines[0].id,
            }
        transaction.commit()

    started = time.perf_counter()
    today = dt.date.today()
    with psycopg.connect(uri + database) as conn:
        conn.execute(
            "INSERT INTO party_party (name, code, company, customer_state, "
            "customer_type, birth_date, commercial_category_1, active, "
            "create_uid, create_date) "
            "SELECT 'Client ' || n, 'S' || n, %s, 'active', "
            "CASE WHEN n %% 7 = 0 THEN 'organization' ELSE 'person' END, "
            "DATE '1950-01-01' + (n * 37 %% 25000), "
            "CASE WHEN n %% 3 = 0 THEN %s END, true, 0, now() "
            "FROM generate_series(1, %s) AS n",
            (ids['company'], ids['vip'], scale))
        conn.execute(
            "INSERT INTO party_address (party, subdivision, city, active, "
            "create_uid, create_date) "
            "SELECT id, (%s::int[])[1 + (substr(code, 2)::int / 3) %% 3], "
            "'Ville', true, 0, now() "
            "FROM party_party WHERE code LIKE 'S%%'",
            (ids['subdivisions'],))
        conn.execute(
            "INSERT INTO party_contact_mechanism (party, type, value, "
            "value_compact, active, sequence, create_uid, create_date) "
            "SELECT id, 'email', lower(code) || '@example.com', "
            "lower(code) || '@example.com', true, 10, 0, now() "
            "FROM party_party WHERE code LIKE 'S%%'")
        conn.execute(
            "INSERT INTO telco_line (company, customer, number, kind, state, "
            "create_uid, create_date) "
            "SELECT %s, id, '+2167' || lpad(id::text, 7, '0'), 'fixed', "
            "'active', 0, now() FROM party_party "
            "WHERE code LIKE 'S%%' AND id %% 2 = 0", (ids['company'],))
        # a sale of 60 to 540 in the last month for 3 in 5 of them
        cols, src = other_columns(conn, 'sale_sale', 's', [
                'id', 'party', 'sale_date', 'number'])
        conn.execute(
            f"INSERT INTO sale_sale ({cols}, party, sale_date, number) "
            f"SELECT {src}, p.id, %s, 'B' || p.id "
            "FROM sale_sale s, party_party p "
            "WHERE s.id = %s AND p.code LIKE 'S%%' AND p.id %% 5 < 3",
            (today - dt.timedelta(days=10), ids['sale']))
        cols, src = other_columns(conn, 'sale_line', 'l', [
                'id', 'sale', 'unit_price', 'quantity'])
        conn.execute(
            f"INSERT INTO sale_line ({cols}, sale, unit_price, quantity) "
            f"SELECT {src}, s.id, 60 * (1 + s.party %% 9), 1 "
            "FROM sale_line l, sale_sale s "
            "WHERE l.id = %s AND s.number LIKE 'B%%'", (ids['line'],))
        conn.execute('ANALYZE')
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def other_columns(conn, table, alias, excluded):
    """The columns of the table but the excluded ones, to copy a row
    whatever the modules add: (names, names prefixed by the alias)"""
    columns = [c for c, in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND NOT column_name = ANY(%s)",
            (table, excluded))]
    return (', '.join(f'"{c}"' for c in columns),
        ', '.join(f'{alias}."{c}"' for c in columns))


def run(database, runs):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.telco_offers.eligibility import CustomerProfile
    Pool(database).init()
    with Transaction().start(database, 0, readonly=True):
        pool = Pool()
        Party = pool.get('party.party')
        Promotion = pool.get('sale.promotion')
        promotion, = Promotion.search([('name', '=', "VIP du Sahel")])
        company_id = promotion.company.id
        party_ids = [p.id for p in Party.search([('code', 'like', 'S%')])]
        ours, profiles = [], []
        for _ in range(runs):
            Transaction().cache.clear()
            start = time.perf_counter()
            selected = promotion.eligible_parties(company_id, party_ids)
            ours.append(time.perf_counter() - start)
        for _ in range(max(1, runs // 5)):
            Transaction().cache.clear()
            start = time.perf_counter()
            expected = {p.id for p in Party.browse(party_ids)
                if promotion.is_eligible(CustomerProfile(p, company_id))}
            profiles.append(time.perf_counter() - start)
        if selected != expected:
            raise SystemExit(
                f"different segments: {len(selected)} != {len(expected)}")
    return len(party_ids), len(selected), ours, profiles


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='20k',
        help="customers of the operator (default 20k)")
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database of an earlier run at the same scale")
    args = parser.parse_args()
    scale = benchlib.parse_scale(args.scale)
    database = f'bench_segment_{args.scale.lower()}'
    uri, config_file, exists = benchlib.setup(parser, database)
    if not (args.reuse and exists):
        build(uri, database, scale, config_file)
    count, selected, ours, profiles = run(database, args.runs)
    print()
    print(f"Segment of a promotion among {count:,} customers "
        f"({selected:,} selected, the same both ways)")
    header = f"{'method':<44}{'median':>10}{'p95':>10}"
    print(header)
    print('-' * len(header))
    for label, times in [
            ("set-based (eligible_parties)", ours),
            ("one profile per customer", profiles)]:
        print(f"{label:<44}{statistics.median(times):>9.2f}s"
            f"{benchlib.percentile(times, .95):>9.2f}s")
    ratio = (statistics.median(profiles) / statistics.median(ours))
    print(f"ratio profiles/set-based (median): {ratio:.0f}x")


if __name__ == '__main__':
    main()
