#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of "ten most similar claims".

Builds N claims in French (half per operator, from templates with varied
details, on lines of several kinds) on PostgreSQL with COPY, then, as a
claims agent of one operator, times Claim.find_similar() (text keys +
ranking) beside the naive ilike search on the words of the claim, and
measures the recall@10 of both against the exact ranking of every earlier
claim of the operator (brute force), on a sample.

    python bench/bench_claims.py --scale 10k
    python bench/bench_claims.py --scale 1M --reuse
"""
import argparse
from contextlib import contextmanager
import random
import statistics
import tempfile
import time

import psycopg

import benchlib

from trytond.modules.telco_claims import similarity


CITIES = (
    "Tunis Sfax Sousse Kairouan Bizerte Gabès Ariana Gafsa Monastir "
    "Nabeul Tataouine Béja Jendouba Mahdia Kasserine Médenine Tozeur "
    "Zaghouan Manouba Kef").split()
DEVICES = (
    "Samsung Galaxy, iPhone, Huawei, Oppo, Xiaomi Redmi, Nokia, "
    "routeur ZTE, modem Huawei, clé 4G, box fibre").split(', ')
DURATIONS = (
    "hier, deux jours, trois jours, une semaine, ce matin, le week-end, "
    "plusieurs heures, dix jours").split(', ')
MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre "
    "novembre décembre").split()
TEMPLATES = {
    'technical': [
        ("Coupure internet fibre à {city}",
            "La connexion fibre est coupée depuis {duration}, le {device} "
            "clignote en rouge et le débit est nul."),
        ("Débit 4G très lent à {city}",
            "Le débit internet mobile est très lent depuis {duration} avec "
            "mon {device}, les pages ne chargent pas."),
        ("Pas de réseau mobile à {city}",
            "Aucun signal réseau depuis {duration} sur mon {device}, "
            "impossible d'appeler ou de recevoir des appels."),
        ("Appels coupés en cours de communication",
            "Les appels se coupent après quelques secondes depuis "
            "{duration}, à {city}, avec mon {device}."),
        ("Carte SIM non reconnue",
            "Mon {device} affiche carte SIM absente depuis {duration}, "
            "la puce a été changée à {city}."),
        ("Code PUK demandé, SIM bloquée",
            "La carte SIM est bloquée et demande le code PUK depuis "
            "{duration}, téléphone {device}."),
        ("Ligne fixe en dérangement à {city}",
            "Pas de tonalité sur la ligne fixe depuis {duration}, le "
            "{device} ne synchronise plus."),
        ("ADSL instable, déconnexions fréquentes",
            "La connexion ADSL se déconnecte toutes les heures depuis "
            "{duration} à {city}, le {device} redémarre."),
        ("SMS non reçus",
            "Je ne reçois plus les SMS depuis {duration} sur mon {device}, "
            "les codes bancaires n'arrivent pas."),
        ("Installation fibre non réalisée",
            "Le technicien n'est pas venu installer la fibre à {city}, "
            "rendez-vous manqué depuis {duration}."),
        ],
    'financial': [
        ("Facture de {month} trop élevée",
            "Le montant de la facture de {month} est anormalement élevé, "
            "des appels internationaux inconnus sont facturés."),
        ("Double prélèvement en {month}",
            "Le paiement de la facture de {month} a été prélevé deux fois "
            "sur mon compte bancaire."),
        ("Recharge non créditée",
            "J'ai acheté une recharge à {city} il y a {duration}, le solde "
            "n'a pas été crédité."),
        ("Forfait internet consommé trop vite",
            "Le forfait internet de {month} est épuisé en quelques jours, "
            "je conteste la consommation data sur mon {device}."),
        ("Frais de roaming contestés",
            "Des frais de roaming sont facturés en {month} alors que je "
            "n'ai pas voyagé, ligne utilisée à {city}."),
        ("Remboursement de caution non reçu",
            "Après résiliation à {city}, la caution du {device} n'est pas "
            "remboursée depuis {duration}."),
        ("Option payante non souscrite",
            "Une option payante est facturée en {month} sans "
            "souscription de ma part."),
        ],
    'relational': [
        ("Accueil désagréable en boutique à {city}",
            "Le conseiller de la boutique de {city} a été désagréable et "
            "n'a pas répondu à ma demande sur le {device}."),
        ("Attente trop longue au centre d'appels",
            "J'ai attendu plus de trente minutes au centre d'appels "
            "depuis {duration} sans réponse."),
        ("Demande de portabilité non traitée",
            "Ma demande de portabilité du numéro déposée à {city} n'est "
            "pas traitée depuis {duration}."),
        ("Résiliation non prise en compte",
            "J'ai demandé la résiliation de ma ligne en {month} à {city}, "
            "elle est toujours active et facturée."),
        ("Changement d'offre refusé",
            "La boutique de {city} refuse le changement de mon offre "
            "depuis {duration}."),
        ],
    }
RESOLUTIONS = {
    'technical': "Intervention technique réalisée, service rétabli.",
    'financial': "Montant vérifié, avoir émis sur la prochaine facture.",
    'relational': "Client rappelé, excuses présentées, demande traitée.",
    }
LINE_KINDS = ['mobile_prepaid', 'mobile_postpaid', 'fixed', 'adsl', 'fibre',
    '4g_key']


def make_claim(rng):
    branch = rng.choices(
        ['technical', 'financial', 'relational'], [6, 3, 1])[0]
    subject, description = rng.choice(TEMPLATES[branch])
    slots = {
        'city': rng.choice(CITIES), 'device': rng.choice(DEVICES),
        'duration': rng.choice(DURATIONS), 'month': rng.choice(MONTHS)}
    return branch, subject.format(**slots), description.format(**slots)


@contextmanager
def cursor_copy(conn, statement):
    with conn.cursor() as cursor:
        with cursor.copy(statement) as copy:
            yield copy


def build(uri, database, scale, config_file, lines_per_operator):
    print(f"building {database}: {scale:,} claims", flush=True)
    benchlib.create_database(uri, database)
    benchlib.admin(
        config_file, database, '--all', '--email', 'admin@example.com')
    benchlib.admin(config_file, database, '-u', 'telco_claims',
        '--activate-dependencies')

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.telco_base.tests.tools import (
        create_operator, create_staff)
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        operators = []
        for name, code in [("Ooredoo Tunisie", 'OOREDOO'),
                ("Tunisie Telecom", 'TT')]:
            company = create_operator(name, code, ['clients', 'claims'])
            operators.append(company.id)
        create_staff('bench_agent', Company(operators[0]), groups=[
                'telco_base.group_agent', 'telco_base.group_customer',
                'telco_claims.group_claim'])
        transaction.commit()

    rng = random.Random(7)
    started = time.perf_counter()
    with psycopg.connect(uri + database) as conn:
        # one customer and some lines per operator to hang claims on
        lines = {}
        for company in operators:
            party, = conn.execute(
                "INSERT INTO party_party (name, code, company, "
                "customer_state, customer_type, active, create_uid, "
                "create_date) VALUES ('Bench customer', %s, %s, 'active', "
                "'person', true, 0, now()) RETURNING id",
                (f'BENCH{company}', company)).fetchone()
            rows = conn.execute(
                "INSERT INTO telco_line (company, customer, number, kind, "
                "state, create_uid, create_date) "
                "SELECT %s, %s, '+2165' || lpad((n + %s)::text, 7, '0'), "
                "(%s::text[])[1 + n %% 6], 'active', 0, now() "
                "FROM generate_series(0, %s - 1) AS n RETURNING id",
                (company, party, company * 1_000_000, LINE_KINDS,
                    lines_per_operator)).fetchall()
            lines[company] = (party, [r[0] for r in rows])
        conn.commit()
        start_id = conn.execute(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM telco_claim").fetchone()[0]
        bands = tempfile.TemporaryFile('w+')
        with cursor_copy(conn,
                "COPY telco_claim (id, company, number, party, line, "
                "branch, channel, priority, subject, description, state, "
                "opened_at, keywords, resolution, warned, breached, "
                "create_uid, create_date) FROM STDIN") as copy:
            for i in range(scale):
                claim_id = start_id + i
                company = operators[i % 2]
                party, company_lines = lines[company]
                branch, subject, description = make_claim(rng)
                words = similarity.keywords(subject, description)
                line = rng.choice(company_lines)
                copy.write_row((
                        claim_id, company, f'R-{claim_id:07d}', party,
                        line, branch, 'call_centre', 'normal', subject,
                        description, 'resolved', '2026-01-01 08:00',
                        ' '.join(words), RESOLUTIONS[branch], False,
                        False, 0, '2026-01-01 08:00'))
                for key in similarity.band_keys(words):
                    bands.write(f'{claim_id}\t{company}\t{key}\n')
                if (i + 1) % 100_000 == 0:
                    rate = (i + 1) / (time.perf_counter() - started)
                    print(f"  {i + 1:,} claims ({rate:,.0f}/s)", flush=True)
        bands.seek(0)
        with cursor_copy(conn, "COPY telco_claim_band (claim, company, key, "
                "create_uid, create_date) FROM STDIN") as copy:
            for row in bands:
                claim, company, key = row.split()
                copy.write_row((claim, company, key, 0, '2026-01-01 08:00'))
        bands.close()
        conn.execute(
            "SELECT setval('telco_claim_id_seq', (SELECT MAX(id) "
            "FROM telco_claim))")
        conn.commit()
    with psycopg.connect(uri + database, autocommit=True) as conn:
        for table in ['telco_claim', 'telco_claim_band']:
            conn.execute(f'VACUUM ANALYZE {table}')
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def naive(Claim, claim):
    "The straightforward way: ilike on the longest words of the claim"
    words = sorted(similarity.keywords(claim.subject, claim.description),
        key=len, reverse=True)[:3]
    domain = ['OR']
    for word in words:
        domain.append(('subject', 'ilike', f'%{word}%'))
        domain.append(('description', 'ilike', f'%{word}%'))
    return Claim.search([
            ('id', '<', claim.id), ('state', '!=', 'cancelled'), domain],
        order=[('id', 'DESC')], limit=10)


def recall(found, exact):
    "Share of the exact top ten found; ties with the tenth count as found"
    if not exact:
        return 1.0
    tenth = exact[-1][1]
    exact_ids = {c.id for c, _ in exact}
    hits = 0
    for claim, score in found:
        if claim.id in exact_ids or score >= tenth - 1e-9:
            hits += 1
    return min(hits, len(exact)) / len(exact)


def run(database, queries, exact_count):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0, readonly=True):
        User = pool.get('res.user')
        user, = User.search([('login', '=', 'bench_agent')])
        user_id, company_id = user.id, user.company.id
    with Transaction().start(database, user_id, readonly=True,
            context={'company': company_id, '_check_access': True}):
        Claim = pool.get('telco.claim')
        sample = Claim.search([], order=[('id', 'DESC')], limit=1)
        top = sample[0].id
        rng = random.Random(11)
        ids = Claim.search([('id', 'in', [
                        rng.randrange(top // 2, top) for _ in range(
                            queries * 3)])], limit=queries)
        claims = Claim.browse(ids)
        Claim.read([c.id for c in claims], ['subject', 'description'])
        claims[0].find_similar()  # warm the caches
        ours, base, recall_ours, recall_naive, exact_times = (
            [], [], [], [], [])
        for i, claim in enumerate(claims):
            started = time.perf_counter()
            found = claim.find_similar()
            ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            naive_found = naive(Claim, claim)
            base.append((time.perf_counter() - started) * 1000)
            if i < exact_count:
                started = time.perf_counter()
                exact = claim.find_similar(exact=True)
                exact_times.append((time.perf_counter() - started) * 1000)
                recall_ours.append(recall(found, exact))
                scores = {c.id: s for c, s in claim.find_similar(
                        limit=10 ** 9, exact=True)}
                recall_naive.append(recall(
                        [(c, scores.get(c.id, 0)) for c in naive_found],
                        exact))
    return ours, base, exact_times, recall_ours, recall_naive


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', default='10k',
        help="number of claims, e.g. 10k, 1M (default: 10k)")
    parser.add_argument('--queries', type=int, default=200)
    parser.add_argument('--exact', type=int, default=None,
        help="queries checked against the brute force "
        "(default: all up to 100k claims, 20 above)")
    parser.add_argument('--lines', type=int, default=2000,
        help="lines per operator the claims are spread on")
    parser.add_argument('--reuse', action='store_true')
    args = parser.parse_args()
    scale = benchlib.parse_scale(args.scale)
    database = f'telco_bench_claims_{args.scale.lower()}'
    exact_count = args.exact
    if exact_count is None:
        exact_count = args.queries if scale <= 100_000 else 20

    uri, config_file, exists = benchlib.setup(parser, database)
    if not (args.reuse and exists):
        build(uri, database, scale, config_file, args.lines)
    ours, base, exact_times, recall_ours, recall_naive = run(
        database, args.queries, exact_count)
    print()
    print(f"Ten most similar claims, {scale:,} claims, PostgreSQL, as an "
        f"agent of one operator, {len(ours)} queries "
        f"(recall on {len(recall_ours)})")
    header = (f"{'method':<28}{'median':>10}{'p95':>10}{'recall@10':>11}")
    print(header)
    print('-' * len(header))
    print(f"{'ours (text keys + rank)':<28}"
        f"{statistics.median(ours):>8.2f}ms"
        f"{benchlib.percentile(ours, .95):>8.2f}ms"
        f"{statistics.mean(recall_ours):>11.3f}")
    print(f"{'naive ilike on the words':<28}"
        f"{statistics.median(base):>8.2f}ms"
        f"{benchlib.percentile(base, .95):>8.2f}ms"
        f"{statistics.mean(recall_naive):>11.3f}")
    print(f"{'exact (every claim ranked)':<28}"
        f"{statistics.median(exact_times):>8.1f}ms"
        f"{benchlib.percentile(exact_times, .95):>8.1f}ms{1:>11.3f}")
    print(f"ratio naive/ours (median): "
        f"{statistics.median(base) / statistics.median(ours):.0f}x; "
        f"exact/ours: "
        f"{statistics.median(exact_times) / statistics.median(ours):.0f}x")


if __name__ == '__main__':
    main()
