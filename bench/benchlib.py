# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What the benchmarks share: scales, percentiles and their database"
import os
import subprocess
import sys
import tempfile

import psycopg

DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'


def parse_scale(value):
    "10k -> 10000, 1M -> 1000000"
    value = value.strip().lower()
    factor = 1
    if value.endswith('k'):
        factor, value = 1_000, value[:-1]
    elif value.endswith('m'):
        factor, value = 1_000_000, value[:-1]
    return int(float(value) * factor)


def percentile(values, q):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]


def admin(config_file, database, *args):
    "Run trytond-admin on the database"
    env = dict(os.environ, TRYTONPASSFILE=config_file + '.pass')
    subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'trytond-admin'),
            '-c', config_file, '-d', database, *args],
        check=True, env=env)


def setup(parser, database):
    """Configure trytond for the PostgreSQL server of the environment.

    Return the server URI, a configuration file for trytond-admin and
    whether the database exists already."""
    uri = os.environ.get('TRYTOND_DATABASE_URI', DEFAULT_URI)
    if not uri.startswith('postgresql'):
        parser.error("the benchmark runs on PostgreSQL")
    if not uri.endswith('/'):
        uri += '/'
    os.environ['TRYTOND_DATABASE_URI'] = uri
    with tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False) as f:
        f.write(f"[database]\nuri = {uri}\n")
        config_file = f.name
    with open(config_file + '.pass', 'w') as f:
        f.write('admin\n')
    from trytond import config
    config.update_etc(config_file)
    with psycopg.connect(uri + 'postgres', autocommit=True) as conn:
        exists = bool(conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s",
                (database,)).fetchone())
    return uri, config_file, exists


def create_database(uri, database):
    "Create the database afresh with the trigram extension"
    with psycopg.connect(uri + 'postgres', autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(uri + database, autocommit=True) as conn:
        conn.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
