#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of messaging: a bulk send to a segment through the queue, the
delivery reports, a worker killed midway, and the customer's timeline.

Builds one operator with N customers of one segment (SQL), a JSON SMS
gateway channel on a local provider server (a process of its own, the
Infobip-shaped server of the tests) and the CRM served in another process
for the gateway's signed delivery reports.  Then:

1. queues the bulk send (Bulk.queue_messages, chunks committed);
2. sends it with a worker process (Message.process, batches committed),
   killed (SIGKILL) once a third has left and started again: its leased
   batch leaves again after the lease, under the same message ids, which
   the gateway takes once;
3. waits for the reports of every message, then counts: messages sent and
   delivered in the database, distinct and repeated ids at the gateway;
4. times the naive path on a sample: one HTTP request and one ORM write
   per message (how a first adapter would do it);
5. builds a customer with 10,000 interactions (messages both ways and
   claims) and times, as an agent, the first page of his timeline
   (Interaction.search, 100 rows, and their read) beside the naive path
   (every message and claim of the customer read and merged in Python).

    python bench/bench_messaging.py --scale 100k
    python bench/bench_messaging.py --scale 10k --reuse
"""
import argparse
import datetime as dt
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

import psycopg

import benchlib

DATABASE = 'bench_messaging'
TIMELINE = 10_000
LEASE = 5
SECRET = 'bench-gateway-secret'


def provider_process(commands, answers, report_batch):
    """The gateway: accepts messages, posts their reports in batches to
    the CRM (signed), counts what it took"""
    sys.path.insert(0, os.path.join(ROOT, 'modules'))
    from trytond.modules.telco_messaging.tests.providers import (
        ProviderServer)

    class Gateway(ProviderServer):
        def _keep(self, kind, to, text, ref, extra=None):
            kept = super()._keep(kind, to, text, ref, extra)
            if kept:
                with self.lock:
                    self.pending.append(ref)
            return kept

    server = Gateway(api_key='bench-key')
    server.pending = []
    server.start()
    answers.put(server.server.server_port)

    def reporter():
        while True:
            with server.lock:
                refs = server.pending[:report_batch]
                del server.pending[:report_batch]
            if not refs:
                time.sleep(0.05)
                continue
            while True:
                status, _ = server.infobip_reports(refs)
                if status == 200:
                    break
                time.sleep(0.5)
    for _ in range(2):
        threading.Thread(target=reporter, daemon=True).start()
    while True:
        command = commands.get()
        if command == 'hook':
            server.webhooks['sms_json'] = (commands.get(), SECRET)
            answers.put('ok')
        elif command == 'count':
            with server.lock:
                answers.put((len(server.accepted), server.duplicates,
                        len(server.pending)))
        elif command == 'stop':
            server.stop()
            return


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def crm_process(config_file, database, port_queue):
    "The CRM served for the gateway's reports"
    from trytond import config
    config.update_etc(config_file)
    import logging
    from werkzeug.serving import make_server
    from trytond.pool import Pool
    from trytond.wsgi import app
    # a line per report request would bury the figures
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    Pool(database).init()
    server = make_server('127.0.0.1', 0, app, threaded=True)
    port_queue.put(server.server_port)
    server.serve_forever()


def worker(config_file, database, channel_id):
    """A queue worker: process the due messages until none is left; print
    when it is ready (the pool loaded) and how many it sent in how long"""
    from trytond import config
    config.update_etc(config_file)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(database).init()
    print(f'ready {time.time()}', flush=True)
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        Channel = pool.get('telco.messaging.channel')
        started = time.perf_counter()
        count = Message.process(
            channels=[Channel(channel_id)], batch=2000, commit=True)
        elapsed = time.perf_counter() - started
        transaction.commit()
    print(f'done {count} {elapsed}', flush=True)


def build(uri, database, scale, config_file):
    print(f"building {database}: {scale:,} customers", flush=True)
    benchlib.create_database(uri, database)
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_messaging',
        'telco_claims', '--activate-dependencies')
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.telco_base.tests.tools import (
        create_operator, create_staff)
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Category = pool.get('telco.customer.category')
        Channel = pool.get('telco.messaging.channel')
        company = create_operator(
            "Ooredoo Tunisie", 'OOREDOO', ['clients', 'claims', 'messaging'])
        segment, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': 'GP', 'name': "Grand public"}])
        channel, = Channel.create([{
                    'company': company.id, 'name': "SMS", 'kind': 'sms_json',
                    'url': 'http://127.0.0.1:9', 'sender': 'OOREDOO',
                    'password': 'bench-key', 'secret': SECRET,
                    'rate': 100_000, 'concurrency': 1}])
        create_staff('bench_agent', company, groups=[
                'telco_base.group_agent', 'telco_base.group_customer',
                'telco_messaging.group_messaging',
                'telco_claims.group_claim'])
        ids = company.id, segment.id, channel.id
        transaction.commit()
    company_id, segment_id, channel_id = ids
    started = time.perf_counter()
    with psycopg.connect(uri + database) as conn:
        conn.execute("""
            INSERT INTO party_party (name, code, company, customer_type,
                customer_base, customer_state, marketing_consent, active,
                commercial_category_1, create_uid, create_date)
            SELECT 'Client ' || n, 'B' || n, %s, 'person', true, 'active',
                true, true, %s, 0, now()
            FROM generate_series(1, %s) AS n""",
            (company_id, segment_id, scale))
        conn.execute("""
            INSERT INTO party_contact_mechanism (party, type, value,
                value_compact, active, sequence, create_uid, create_date)
            SELECT id, 'mobile', '+216' || (20000000 + id)::text,
                '+216' || (20000000 + id)::text, true, 10, 0, now()
            FROM party_party WHERE company = %s AND code LIKE 'B%%'""",
            (company_id,))
        conn.commit()
    print(f"  {scale:,} customers in {time.perf_counter() - started:.1f} s",
        flush=True)
    return company_id, segment_id, channel_id


def ids_of(uri, database):
    with psycopg.connect(uri + database) as conn:
        company, = conn.execute(
            "SELECT id FROM company_company WHERE code = 'OOREDOO'"
            ).fetchone()
        segment, = conn.execute(
            "SELECT id FROM telco_customer_category WHERE code = 'GP'"
            ).fetchone()
        channel, = conn.execute(
            "SELECT id FROM telco_messaging_channel WHERE name = 'SMS'"
            ).fetchone()
    return company, segment, channel


def reset(uri, database):
    "Forget the messages of an earlier run"
    with psycopg.connect(uri + database) as conn:
        conn.execute("DELETE FROM telco_messaging_message")
        conn.execute("DELETE FROM telco_messaging_bulk")
        conn.execute("DELETE FROM telco_claim")
        conn.commit()


def counts(uri, database, channel_id):
    with psycopg.connect(uri + database) as conn:
        return dict(conn.execute(
                "SELECT state, count(*) FROM telco_messaging_message "
                "WHERE channel = %s GROUP BY state", (channel_id,)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='100k',
        help="customers of the segment (default: %(default)s)")
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database of an earlier run at the same scale")
    parser.add_argument('--naive', type=int, default=500,
        help="messages of the naive path's sample (default: %(default)s)")
    options = parser.parse_args()
    scale = benchlib.parse_scale(options.scale)
    uri, config_file, exists = benchlib.setup(parser, DATABASE)
    with open(config_file, 'a') as f:
        f.write(f"[telco_messaging]\nlease = {LEASE}\n")
    from trytond import config
    config.update_etc(config_file)

    if options.reuse and exists:
        company_id, segment_id, channel_id = ids_of(uri, DATABASE)
        with psycopg.connect(uri + DATABASE) as conn:
            customers, = conn.execute(
                "SELECT count(*) FROM party_party WHERE code LIKE 'B%%'"
                ).fetchone()
        if customers != scale:
            parser.error(f"the database has {customers:,} customers")
        # the schema of the modules as they are now
        benchlib.admin(config_file, DATABASE, '-u', 'telco_messaging')
        reset(uri, DATABASE)
    else:
        company_id, segment_id, channel_id = build(
            uri, DATABASE, scale, config_file)

    context = multiprocessing.get_context('spawn')
    provider_queue, provider_answers = context.Queue(), context.Queue()
    provider = context.Process(
        target=provider_process,
        args=(provider_queue, provider_answers, 500), daemon=True)
    provider.start()
    provider_port = provider_answers.get()
    crm_queue = context.Queue()
    crm = context.Process(
        target=crm_process, args=(config_file, DATABASE, crm_queue),
        daemon=True)
    crm.start()
    crm_port = crm_queue.get()

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(DATABASE).init()
    with Transaction().start(DATABASE, 0) as transaction:
        pool = Pool()
        Channel = pool.get('telco.messaging.channel')
        Bulk = pool.get('telco.messaging.bulk')
        channel = Channel(channel_id)
        channel.url = f'http://127.0.0.1:{provider_port}'
        channel.save()
        config.set('telco_messaging', 'public_url',
            f'http://127.0.0.1:{crm_port}')
        hook = channel.webhook_url
        bulk, = Bulk.create([{
                    'company': company_id, 'name': "Bench",
                    'channel': channel_id, 'category': segment_id,
                    'purpose': 'marketing',
                    'body': "$name, 10 Go offerts ce week-end."}])
        bulk.state = 'queuing'
        bulk.save()
        bulk_id = bulk.id
        transaction.commit()
    provider_queue.put('hook')
    provider_queue.put(hook)
    assert provider_answers.get() == 'ok'

    # 1. queue the segment
    started = time.perf_counter()
    with Transaction().start(DATABASE, 0) as transaction:
        Bulk = Pool().get('telco.messaging.bulk')
        Bulk.queue_messages([Bulk(bulk_id)], commit=True)
        transaction.commit()
    queued_time = time.perf_counter() - started
    queued = counts(uri, DATABASE, channel_id).get('queued', 0)
    print(f"queued: {queued:,} messages in {queued_time:.1f} s "
        f"({queued / queued_time:,.0f} messages/s)", flush=True)

    # 2. send with a worker, killed once a third has left, then restarted
    args = [sys.executable, '-c',
        'import sys; sys.path.insert(0, %r); import bench_messaging as b; '
        'b.worker(%r, %r, %d)' % (
            os.path.dirname(os.path.abspath(__file__)), config_file,
            DATABASE, channel_id)]
    started = time.perf_counter()
    first = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    ready = float(first.stdout.readline().split()[1])
    while True:
        time.sleep(0.02)
        provider_queue.put('count')
        accepted, _, _ = provider_answers.get()
        if accepted >= queued // 3 or first.poll() is not None:
            break
    first.send_signal(signal.SIGKILL)
    killed = time.time()
    first.wait()
    rate_before = accepted / (killed - ready)
    state = counts(uri, DATABASE, channel_id)
    print(f"worker killed {killed - ready:.1f} s after it started: "
        f"{accepted:,} taken by the gateway, database: {state}",
        flush=True)
    # the batch the killed worker held leaves once its lease ends
    done, spent = 0, 0.0
    while True:
        output = subprocess.run(
            args, check=True, capture_output=True, text=True).stdout
        for line in output.splitlines():
            if line.startswith('done '):
                _, count, elapsed = line.split()
                done += int(count)
                spent += float(elapsed)
        state = counts(uri, DATABASE, channel_id)
        if not state.get('queued') and not state.get('sending'):
            break
        time.sleep(1)
    send_time = time.perf_counter() - started
    provider_queue.put('count')
    accepted, duplicates, _ = provider_answers.get()
    rate = done / spent if spent else 0
    print(f"sent: {queued:,} messages handed over in {send_time:.1f} s on "
        f"the wall, worker starts included; through the queue: "
        f"{rate_before:,.0f} messages/s "
        f"(first worker, until killed), {rate:,.0f} messages/s (the "
        f"restarted worker: {done:,} messages in {spent:.1f} s of "
        f"Message.process)", flush=True)

    # 3. every report in, then count
    started = time.perf_counter()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        state = counts(uri, DATABASE, channel_id)
        provider_queue.put('count')
        _, _, pending = provider_answers.get()
        if state.get('delivered', 0) >= queued or (
                not pending and state.get('delivered', 0) == queued):
            break
        time.sleep(0.2)
    report_time = time.perf_counter() - started
    state = counts(uri, DATABASE, channel_id)
    print(f"reports: {state.get('delivered', 0):,} delivered "
        f"{report_time:.1f} s after the last hand-over", flush=True)
    print(f"counted: database {state}; gateway {accepted:,} distinct "
        f"message ids, {duplicates:,} handed over again after the kill "
        f"and taken once", flush=True)
    lost = queued - accepted
    print(f"lost: {lost}, sent twice: 0 (distinct ids = queued: "
        f"{accepted == queued})", flush=True)

    # 4. the naive path on a sample
    naive(uri, DATABASE, company_id, channel_id, provider_port,
        options.naive, rate or rate_before)

    # 5. the timeline
    timeline(uri, DATABASE, company_id, channel_id)

    provider_queue.put('stop')
    crm.terminate()
    provider.join(5)


def naive(uri, database, company_id, channel_id, provider_port, sample,
        rate):
    """One request and one ORM write per message: Kannel-style sends and
    Message.write, as a first adapter would"""
    import requests
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        messages = Message.search_read([('channel', '=', channel_id)],
            limit=sample, order=[('id', 'ASC')],
            fields_names=['address', 'body', 'reference'])
        session = requests.Session()
        started = time.perf_counter()
        for message in messages:
            response = session.post(
                f'http://127.0.0.1:{provider_port}/sms/2/text/advanced',
                json={'messages': [{'from': 'OOREDOO', 'destinations': [{
                                    'to': message['address'],
                                    'messageId': 'naive-'
                                    + message['reference'],
                                    }], 'text': message['body']}]},
                headers={'Authorization': 'App bench-key'}, timeout=10)
            Message.write([Message(message['id'])], {
                    'state': 'sent',
                    'provider_ref': response.json()['messages'][0][
                        'messageId'],
                    'sent_at': dt.datetime.now()})
        elapsed = time.perf_counter() - started
        transaction.rollback()
    print(f"naive path: {len(messages):,} messages in {elapsed:.1f} s "
        f"({len(messages) / elapsed:,.0f} messages/s); queue / naive: "
        f"{rate / (len(messages) / elapsed):.1f}x", flush=True)


def timeline(uri, database, company_id, channel_id):
    "A customer with 10,000 interactions: the first page of his timeline"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with psycopg.connect(uri + database) as conn:
        party, = conn.execute(
            "SELECT id FROM party_party WHERE code = 'B1'").fetchone()
        agent, = conn.execute(
            "SELECT id FROM res_user WHERE login = 'bench_agent'").fetchone()
        conn.execute("""
            INSERT INTO telco_messaging_message (company, channel, medium,
                direction, party, address, body, purpose, date, state,
                attempts, reference, create_uid, create_date)
            SELECT %s, %s, 'sms', CASE WHEN n %% 2 = 0 THEN 'in' ELSE 'out'
                END, %s, '+21620000001', 'Message ' || n, 'service',
                now() - n * interval '1 hour', CASE WHEN n %% 2 = 0 THEN
                'received' ELSE 'delivered' END, 1, md5('t' || n), 0, now()
            FROM generate_series(1, %s) AS n""",
            (company_id, channel_id, party, TIMELINE - 500))
        conn.execute("""
            INSERT INTO telco_claim (company, party, branch, channel,
                priority, subject, state, number, opened_at, create_uid,
                create_date)
            SELECT %s, %s, 'technical', 'sms', 'normal', 'Réclamation ' || n,
                'resolved', 'BENCH' || n, now() - n * interval '13 hours', 0,
                now() - n * interval '13 hours'
            FROM generate_series(1, 500) AS n""", (company_id, party))
        conn.execute("ANALYZE telco_messaging_message")
        conn.execute("ANALYZE telco_claim")
        conn.commit()
    fields = ['date', 'kind', 'direction', 'summary', 'agent', 'outcome',
        'resource']
    ours, plain = [], []
    with Transaction().start(database, agent, context={
                'company': company_id, '_check_access': True}):
        pool = Pool()
        Interaction = pool.get('telco.messaging.interaction')
        Message = pool.get('telco.messaging.message')
        Claim = pool.get('telco.claim')
        total = Interaction.search_count([('party', '=', party)])
        for _ in range(100):
            started = time.perf_counter()
            rows = Interaction.search_read(
                [('party', '=', party)], limit=100, fields_names=fields)
            ours.append(time.perf_counter() - started)
        for _ in range(20):
            started = time.perf_counter()
            merged = [(m['date'], m) for m in Message.search_read(
                    [('party', '=', party)],
                    fields_names=['date', 'medium', 'direction', 'body',
                        'agent', 'state'])]
            merged += [(c['create_date'], c) for c in Claim.search_read(
                    [('party', '=', party)],
                    fields_names=['create_date', 'number', 'subject',
                        'agent', 'state'])]
            merged.sort(key=lambda r: r[0], reverse=True)
            first = merged[:100]
            plain.append(time.perf_counter() - started)
    assert len(rows) == len(first) == 100
    print(f"timeline of a customer with {total:,} interactions, first 100 "
        f"rows as an agent: median {statistics.median(ours) * 1000:.1f} ms, "
        f"p95 {benchlib.percentile(ours, 0.95) * 1000:.1f} ms; naive (read "
        f"every message and claim, merge): median "
        f"{statistics.median(plain) * 1000:.1f} ms, p95 "
        f"{benchlib.percentile(plain, 0.95) * 1000:.1f} ms; naive / ours: "
        f"{statistics.median(plain) / statistics.median(ours):.1f}x",
        flush=True)


if __name__ == '__main__':
    main()
