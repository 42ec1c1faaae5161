# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Claims: types of the three branches, teams, service levels, business
hours and public holidays, and claims of the operator's customers in every
state, opened over the last 18 months (their dates moved back as a history
imported from the former system would be)"""
import datetime as dt
import random
from decimal import Decimal

from proteus import Model, config

from .tools import as_user, get_or_create, log, months_ago

# branch, code, English name, French name
TYPES = [
    ('technical', 'NET', "No network", "Pas de réseau"),
    ('technical', 'DATA', "Slow internet", "Internet lent"),
    ('technical', 'FIBRE', "Fibre outage", "Coupure fibre"),
    ('technical', 'SIM', "SIM card", "Carte SIM"),
    ('financial', 'BILL', "Wrong bill", "Facture erronée"),
    ('financial', 'CHARGE', "Unknown charge", "Frais inconnus"),
    ('relational', 'SHOP', "Shop reception", "Accueil en boutique"),
    ('relational', 'WAIT', "Waiting time", "Temps d'attente"),
    ]
# name, branches it handles
TEAMS = [
    ("Support technique", ['technical']),
    ("Facturation", ['financial']),
    ("Relation client", ['relational']),
    ]
# branch: business hours to resolve by priority (low, normal, high,
# urgent), the warning before the due date being a quarter of it
SERVICE_LEVELS = {
    'technical': [72, 24, 8, 4],
    'financial': [120, 48, 24, 8],
    'relational': [120, 72, 24, 8],
    }
PRIORITIES = ['low', 'normal', 'high', 'urgent']
# Monday to Friday 8:00-12:30 and 13:30-17:00, Saturday 8:00-13:00
BUSINESS_HOURS = [(d, dt.time(8), dt.time(12, 30)) for d in range(5)] + [
    (d, dt.time(13, 30), dt.time(17)) for d in range(5)] + [
    (5, dt.time(8), dt.time(13))]
# Tunisia's public holidays of fixed date: (month, day, name)
HOLIDAYS = [
    (1, 1, "Jour de l'an"), (3, 20, "Fête de l'indépendance"),
    (4, 9, "Journée des martyrs"), (5, 1, "Fête du travail"),
    (7, 25, "Fête de la République"), (8, 13, "Fête de la femme"),
    (10, 15, "Fête de l'évacuation"), (12, 17, "Fête de la révolution"),
    ]
# type code, priority, subject, description, resolution, credit (TND)
CLAIMS = [
    ('NET', 'high', "Pas de réseau à la maison",
        "Aucun signal mobile depuis ce matin dans tout le quartier.",
        "Antenne du quartier redémarrée par l'équipe radio.", None),
    ('DATA', 'normal', "Internet mobile très lent",
        "La 4G ne dépasse pas 1 Mb/s le soir.",
        "Cellule saturée : capacité ajoutée sur le site.", None),
    ('FIBRE', 'urgent', "Coupure fibre, routeur voyant rouge",
        "Plus d'internet ni de téléphone fixe depuis hier soir.",
        "Fibre sectionnée lors de travaux, soudure faite.", None),
    ('SIM', 'normal', "Carte SIM bloquée après trois codes PIN",
        "Le client demande son code PUK.",
        "Code PUK communiqué après vérification de l'identité.", None),
    ('BILL', 'normal', "Montant de la facture trop élevé",
        "Le forfait est facturé deux fois ce mois-ci.",
        "Double facturation confirmée, avoir accordé.", '35.000'),
    ('CHARGE', 'low', "Frais de services SMS inconnus",
        "Des SMS surtaxés apparaissent sur la facture.",
        "Abonnement SMS résilié et frais remboursés.", '12.500'),
    ('SHOP', 'low', "Mauvais accueil en boutique",
        "Le client a attendu sans être reçu.",
        "Excuses présentées, rappel du responsable de la boutique.", None),
    ('WAIT', 'normal', "Attente trop longue au centre d'appels",
        "Plus de 20 minutes d'attente avant un conseiller.",
        "Rappel du client par un conseiller, geste expliqué.", None),
    ]
# how the claims end: state and weight
ENDINGS = [('resolved', 14), ('closed', 2), ('cancelled', 1)]
CLAIM_COUNT = {'OOREDOO': 45}
# claims still running at the end: open, in progress and one draft
RUNNING = [('open', 4), ('in_progress', 4), ('draft', 1)]


def load(company, values, password, lang):
    "The operator's claims configuration, as its administrator; its claims"
    prefix = values['login']
    with as_user(f'{prefix}_admin'):
        operator = Model.get('company.company')(company.id)
        setup_types(operator)
        setup_teams(operator, prefix)
        setup_service_levels(operator)
        setup_calendar(operator)
    with as_user(f'{prefix}_agent'):
        setup_claims(Model.get('company.company')(company.id), prefix)


def setup_types(company):
    Type = Model.get('telco.claim.type')
    for branch, code, name, french in TYPES:
        with config.get_config().set_context(language='en'):
            type_, created = get_or_create('telco.claim.type', [
                    ('company', '=', company.id), ('code', '=', code),
                    ], {
                    'company': company, 'branch': branch, 'code': code,
                    'name': name,
                    }, label=f'{company.code} {name}')
        if created:
            with config.get_config().set_context(language='fr'):
                type_ = Type(type_.id)
                type_.name = french
                type_.save()


def setup_teams(company, prefix):
    User = Model.get('res.user')
    admin, = User.find([('login', '=', f'{prefix}_admin')])
    agent, = User.find([('login', '=', f'{prefix}_agent')])
    for name, _ in TEAMS:
        team, created = get_or_create('telco.claim.team', [
                ('company', '=', company.id), ('name', '=', name),
                ], {'company': company, 'name': name, 'supervisor': admin},
            label=f'{company.code} {name}')
        if created:
            team.members.extend([User(agent.id), User(admin.id)])
            team.save()


def setup_service_levels(company):
    for branch, hours in SERVICE_LEVELS.items():
        for priority, resolution in zip(PRIORITIES, hours):
            get_or_create('telco.claim.service_level', [
                    ('company', '=', company.id), ('branch', '=', branch),
                    ('priority', '=', priority),
                    ], {
                    'company': company, 'branch': branch,
                    'priority': priority, 'resolution_hours': resolution,
                    'warning_hours': resolution / 4,
                    }, label=f'{company.code} {branch} {priority}')


def setup_calendar(company):
    """The operator's business calendar: its working hours and the public
    holidays of last, this and next year, chosen in its configuration"""
    Calendar = Model.get('telco.calendar')
    Configuration = Model.get('telco.configuration')
    name = "Heures ouvrables"
    found = Calendar.find([('company', '=', company.id), ('name', '=', name)])
    if found:
        calendar, = found
    else:
        calendar = Calendar(company=company, name=name)
        for day, start, end in BUSINESS_HOURS:
            calendar.hours.new(
                weekday=str(day), start_time=start, end_time=end)
        log(f"  business hours of {company.code}")
    today = dt.date.today()
    known = {e.start_date for e in calendar.exceptions}
    for year in range(today.year - 1, today.year + 2):
        for month, day, holiday in HOLIDAYS:
            date = dt.date(year, month, day)
            if date not in known:
                calendar.exceptions.new(name=holiday, start_date=date,
                    end_date=date, closed=True)
    calendar.save()
    configuration = Configuration(1)
    if configuration.business_calendar != calendar:
        configuration.business_calendar = calendar
        configuration.save()
        log(f"  {len(calendar.exceptions)} public holidays of {company.code}")


def setup_claims(company, prefix):
    """Claims of the operator's customers on their lines, opened over the
    last 18 months: most resolved, some closed or cancelled, the recent
    ones still running"""
    Claim = Model.get('telco.claim')
    Type = Model.get('telco.claim.type')
    Team = Model.get('telco.claim.team')
    Line = Model.get('telco.line')
    User = Model.get('res.user')
    count = CLAIM_COUNT.get(company.code, 0)
    with config.get_config().set_context(active_test=False):
        if not count or Claim.find([('company', '=', company.id)], limit=1):
            return
    rng = random.Random(company.code)
    types = {t.code: t for t in Type.find([('company', '=', company.id)])}
    teams = {}
    for team in Team.find([('company', '=', company.id)]):
        for name, branches in TEAMS:
            if team.name == name:
                teams.update((b, team) for b in branches)
    agent, = User.find([('login', '=', f'{prefix}_agent')])
    lines = Line.find([
            ('company', '=', company.id),
            ('state', 'in', ['active', 'suspended']),
            ])
    now = dt.datetime.now()
    endings = [s for s, w in ENDINGS for _ in range(w)]
    plan = []
    done = count - sum(w for _, w in RUNNING)
    for i in range(count):
        running = i >= done
        if running:
            index = count - i - 1
            states = [s for s, w in RUNNING for _ in range(w)]
            state = states[index]
            opened = now - dt.timedelta(
                days=rng.randint(0, 6), hours=rng.randint(0, 8))
        else:
            state = rng.choice(endings)
            # spread over 18 months, the oldest first
            month = 18 - (i * 18) // done
            opened = dt.datetime.combine(
                months_ago(month, rng.randint(1, 28)),
                dt.time(rng.randint(8, 16), rng.randint(0, 59)))
        plan.append((opened, state, rng.choice(CLAIMS), rng.choice(lines),
                rng.choice(['call_centre', 'shop', 'call_centre', 'portal',
                        'email'])))
    plan.sort(key=lambda p: p[0])
    moved, cancelled = [], []
    for opened, state, template, line, channel in plan:
        code, priority, subject, description, resolution, credit = template
        type_ = types[code]
        claim = Claim(company=company, party=line.customer, line=line,
            branch=type_.branch, type=type_, priority=priority,
            channel=channel, subject=subject, description=description)
        claim.team = teams.get(type_.branch)
        claim.agent = User(agent.id)
        claim.save()
        if state != 'draft':
            claim.click('open')
        if state in {'in_progress', 'resolved', 'closed'}:
            claim.click('start')
        if state in {'resolved', 'closed'}:
            claim.resolution = (resolution if state == 'resolved'
                else "Le client n'a pas donné suite à nos appels.")
            if credit and state == 'resolved':
                claim.credit_amount = Decimal(credit)
            claim.save()
            claim.click('resolve' if state == 'resolved' else 'close')
        if state == 'cancelled':
            cancelled.append(claim.id)
        moved.append((claim.id, opened))
    if cancelled:
        # cancelling is the supervisor's
        with as_user(f'{prefix}_admin'):
            Claim = Model.get('telco.claim')
            Claim.click([Claim(i) for i in cancelled], 'cancel')
    move_back(config.get_config().database_name, moved, now)
    log(f"  {len(moved)} claims of {company.code} over 18 months")


def move_back(database, claims, now):
    """Date the claims as opened at their moment, resolved within their
    service level mostly, and their history with them (as root: these
    dates are set by the code only)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    rng = random.Random(len(claims))
    with Transaction().start(database, 0) as transaction:
        Claim = Pool().get('telco.claim')
        History = Pool().get('telco.claim.history')
        Company = Pool().get('company.company')
        ServiceLevel = Pool().get('telco.claim.service_level')
        for claim_id, opened in claims:
            claim = Claim(claim_id)
            dates = Claim._service_level_dates(
                claim.company.id, claim.branch, claim.priority, opened)
            values = dict(dates, opened_at=opened)
            end = None
            if claim.state in {'resolved', 'closed', 'cancelled'}:
                # within the service level, one in five after the due date
                level = ServiceLevel.find(
                    claim.company.id, claim.branch, claim.priority)
                hours = (level.resolution_hours if level else 24) * (
                    rng.uniform(0.2, 0.9))
                end = Company.add_business_hours(
                    claim.company.id, opened, hours)
                if rng.random() < 0.2 and dates['due_date']:
                    end = dates['due_date'] + dt.timedelta(
                        hours=rng.randint(2, 30))
                end = min(end, now)
                if claim.state == 'resolved':
                    values['resolved_at'] = end
                else:
                    values['closed_at'] = end
            due = dates['due_date']
            # the service level runs while the claim is open
            counted = claim.state not in {'draft', 'cancelled'}
            values['breached'] = bool(counted and due and (end or now) > due)
            values['warned'] = bool(counted and dates['warning_date']
                and (end or now) > dates['warning_date'])
            Claim.write([claim], values)
            for change in claim.history:
                History.write([change], {
                        'date': opened if change.to_state in {
                            'open', 'in_progress'} or end is None
                        else end})
        transaction.commit()
