#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the monthly bill run.

Builds N payer accounts of one operator, each with a running subscription of
1 to 3 monthly services, on PostgreSQL, then bills them all with the bill
run (batches of telco_billing.bill_run.BATCH_SIZE accounts, one transaction
each, as the queue worker runs them) and, on a sample of subscriptions
without payer account, with sale_subscription's standard invoicing
(consumptions and invoices record by record). Prints invoices per second of
both, the ratio, and the median and p95 time of a batch.

    python bench/bench_billing.py --scale 10k
    python bench/bench_billing.py --scale 100k --sample 500

With --officer, the bill run is started by a billing officer of the operator
instead of root: its batches run as him, behind the row-level security of
telco_base (TRYTOND_TELCO__ROW_LEVEL_SECURITY=False lifts it to compare).
"""
import argparse
import datetime as dt
import statistics
import time

import psycopg

import benchlib

DATE = dt.date(2026, 11, 1)


def build(uri, database, scale, sample, config_file):
    print(f"building {database}: {scale:,} payer accounts", flush=True)
    benchlib.create_database(uri, database)
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_billing',
        '--activate-dependencies')

    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from trytond.modules.telco_base.tests.tools import (
        create_operator, create_staff)
    from trytond.modules.telco_billing.tests.tools import (
        create_catalogue, setup_accounting)
    Pool(database).init()
    extras = {}
    while True:
        # as the RPC dispatcher does: retry with the tables to lock
        try:
            with Transaction().start(database, 0, **extras) as transaction:
                pool = Pool()
                ModelData = pool.get('ir.model.data')
                Service = pool.get('sale.subscription.service')
                company = create_operator(
                    "Ooredoo Tunisie", 'OOREDOO', ['clients', 'billing'],
                    start_date=DATE - dt.timedelta(days=60))
                accounting = setup_accounting(company, today=DATE)
                products = create_catalogue(company, accounting)
                services = [
                    Service.search([('product', '=', products[c].id)])[0].id
                    for c in ['MOBILE', 'FIBRE']]
                monthly = ModelData.get_id(
                    'telco_billing', 'recurrence_monthly')
                unit = products['MOBILE'].sale_uom.id
                company_id, currency = company.id, company.currency.id
                create_staff('bench_officer', company, groups=[
                        'telco_billing.group_billing'])
                transaction.commit()
        except TransactionError as error:
            error.fix(extras)
            continue
        break

    started = time.perf_counter()
    with psycopg.connect(uri + database) as conn:
        total = scale + sample
        conn.execute(
            "INSERT INTO party_party (name, code, company, customer_state, "
            "customer_type, active, create_uid, create_date) "
            "SELECT 'Client ' || n, 'B' || n, %s, 'active', 'person', true, "
            "0, now() FROM generate_series(1, %s) AS n",
            (company_id, total))
        conn.execute(
            "INSERT INTO party_address (party, city, active, create_uid, "
            "create_date) SELECT id, 'Tunis', true, 0, now() "
            "FROM party_party WHERE code LIKE 'B%%'")
        # the first `scale` customers have a payer account, the sample not
        conn.execute(
            "INSERT INTO telco_payer_account (company, customer, payer, "
            "name, active, create_uid, create_date) "
            "SELECT %s, id, id, name, true, 0, now() FROM party_party "
            "WHERE code LIKE 'B%%' AND substr(code, 2)::int <= %s",
            (company_id, scale))
        conn.execute(
            "INSERT INTO sale_subscription (company, party, invoice_party, "
            "invoice_address, currency, start_date, invoice_recurrence, "
            "next_invoice_date, state, number, payer_account, create_uid, "
            "create_date) "
            "SELECT %s, p.id, p.id, a.id, %s, %s, %s, %s, 'running', "
            "'S' || p.code, pa.id, 0, now() FROM party_party p "
            "JOIN party_address a ON a.party = p.id "
            "LEFT JOIN telco_payer_account pa ON pa.customer = p.id "
            "WHERE p.code LIKE 'B%%'",
            (company_id, currency, DATE, monthly, DATE))
        # 1 to 3 services per subscription
        conn.execute(
            "INSERT INTO sale_subscription_line (subscription, service, "
            "quantity, unit, unit_price, start_date, consumption_recurrence, "
            "next_consumption_date, sequence, create_uid, create_date) "
            "SELECT s.id, (%s::int[])[1 + (s.id + k) %% 2], 1, %s, "
            "CASE WHEN (s.id + k) %% 2 = 0 THEN 35 ELSE 79.9 END, %s, %s, "
            "%s, k, 0, now() FROM sale_subscription s "
            "CROSS JOIN generate_series(1, 3) AS k "
            "WHERE k <= 1 + s.id %% 3",
            (services, unit, DATE, monthly, DATE))
        conn.commit()
    with psycopg.connect(uri + database, autocommit=True) as conn:
        conn.execute('VACUUM ANALYZE')
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def run(uri, database, officer=False):
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        Invoice = pool.get('account.invoice')
        Line = pool.get('sale.subscription.line')
        Subscription = pool.get('sale.subscription')
        company, = Company.search([('code', '=', 'OOREDOO')])
        company_id = company.id
        with transaction.set_context(company=company_id):
            before = Invoice.search_count([])
            started = time.perf_counter()
            Line.generate_consumption(date=DATE)
            Subscription.generate_invoice(date=DATE)
            standard_time = time.perf_counter() - started
            standard_count = Invoice.search_count([]) - before
        transaction.commit()
    # as on a database in service, where the invoice tables are not empty:
    # statistics taken on empty tables make PostgreSQL check the foreign
    # keys of the new invoice lines by scanning them, a quadratic run
    with psycopg.connect(uri + database, autocommit=True) as conn:
        conn.execute('ANALYZE')

    user_id = 0
    if officer:
        with Transaction().start(database, 0):
            User = Pool().get('res.user')
            user_id, = User.search([('login', '=', 'bench_officer')])
            user_id = user_id.id
    with Transaction().start(database, user_id) as transaction:
        pool = Pool()
        BillRun = pool.get('telco.bill_run')
        with transaction.set_context(company=company_id):
            started = time.perf_counter()
            bill_run, = BillRun.create([{
                        'company': company_id, 'date': DATE}])
            BillRun.run([bill_run])
            tasks = list(transaction.tasks)
            transaction.tasks.clear()
            run_id = bill_run.id
        transaction.commit()
    batches = []
    for task in tasks:
        batch_started = time.perf_counter()
        extras = {}
        while True:
            # the worker retries a task with the records it must lock
            try:
                with Transaction().start(database, 0, **extras) as transaction:
                    Queue = Pool().get('ir.queue')
                    with transaction.set_context(company=company_id):
                        Queue(task).run()
                    transaction.commit()
            except TransactionError as error:
                error.fix(extras)
                continue
            break
        batches.append(time.perf_counter() - batch_started)
    ours_time = time.perf_counter() - started
    with Transaction().start(database, 0) as transaction:
        if officer:
            # the role the batches ran under, as PostgreSQL saw it
            with transaction.set_user(user_id), transaction.set_context(
                    company=company_id):
                cursor = transaction.connection.cursor()
                cursor.execute('SELECT current_user')
                role, = cursor.fetchone()
        else:
            role = 'root'
        BillRun = Pool().get('telco.bill_run')
        bill_run = BillRun(run_id)
        ours_count = bill_run.invoice_count
        state = bill_run.state
    return (standard_count, standard_time, ours_count, ours_time, batches,
        state, role)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='100k',
        help="payer accounts billed by the bill run (default 100k)")
    parser.add_argument('--sample', type=int, default=300,
        help="subscriptions invoiced the standard way (default 300)")
    parser.add_argument('--officer', action='store_true',
        help="start the bill run as a billing officer of the operator "
        "(row-level security applies) instead of root")
    args = parser.parse_args()
    scale = benchlib.parse_scale(args.scale)
    database = f'telco_bench_billing_{args.scale.lower()}'
    uri, config_file, _ = benchlib.setup(parser, database)
    # the bill run changes the data: it is built again each time
    build(uri, database, scale, args.sample, config_file)
    (standard_count, standard_time, ours_count, ours_time, batches,
        state, role) = run(uri, database, officer=args.officer)
    standard_rate = standard_count / standard_time
    ours_rate = ours_count / ours_time
    print()
    print(f"Monthly bill run, {scale:,} payer accounts with 1-3 monthly "
        f"services, PostgreSQL, one process")
    print(f"{'method':<34}{'invoices':>10}{'time':>10}{'invoices/s':>12}")
    print('-' * 66)
    print(f"{'standard (per subscription, ORM)':<34}{standard_count:>10,}"
        f"{standard_time:>9.1f}s{standard_rate:>12.1f}")
    print(f"{'bill run (set-based batches)':<34}{ours_count:>10,}"
        f"{ours_time:>9.1f}s{ours_rate:>12.1f}")
    print(f"ratio ours/standard: {ours_rate / standard_rate:.0f}x; "
        f"batch of {len(batches) and round(ours_count / len(batches))} "
        f"accounts: median {statistics.median(batches) * 1000:.0f} ms, "
        f"p95 {benchlib.percentile(batches, 0.95) * 1000:.0f} ms; "
        f"run {state}; bill run as {role}")


if __name__ == '__main__':
    main()
