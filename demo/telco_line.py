# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Lines: the branches and employees of company customers, payer accounts,
SIM cards and lines of every kind in their state"""
import datetime as dt

from proteus import Model, config

from .telco_party import (
    CUSTOMER_CATEGORIES, PROFILES, decide_credit_classes, set_customer_state)
from .tools import as_user, e164, find_customer, log, months_ago


# Line kinds that need a SIM card to be activated
SIM_KINDS = {'mobile_prepaid', 'mobile_postpaid', '4g_key'}


# Mobile network codes of the operators (MCC 605, Tunisia): ICCID and IMSI
MNC = {'OOREDOO': '03', 'TT': '02'}


def setup_branch(company, head, values):
    "Return the branch of the head office, created when missing"
    Party = Model.get('party.party')
    name, street, postal_code, city, phone_number = values
    branch = find_customer(company, name)
    if branch:
        return branch
    branch = Party(name=name, company=company)
    branch.customer_type = 'organization'
    branch.legal_form = head.legal_form
    branch.parent = head
    address = branch.addresses[0] if branch.addresses else (
        branch.addresses.new())
    address.street = street
    address.postal_code = postal_code
    address.city = city
    address.country = head.addresses[0].country if head.addresses else None
    branch.contact_mechanisms.new(type='phone', value=phone_number)
    for field, _ in CUSTOMER_CATEGORIES['organization']:
        setattr(branch, field, getattr(head, field))
    branch.save()
    log(f"  created branch {company.code} {name}")
    return branch


def setup_employee(company, first_name, last_name, cin, birth_date):
    "Return the person, created when missing, who uses a company's lines"
    Party = Model.get('party.party')
    name = f'{first_name} {last_name}'
    person = find_customer(company, name)
    if person:
        if person.customer_base:
            person.customer_base = False
            person.save()
        return person
    person = Party(company=company, customer_type='person')
    # they use the lines of their employer, they are not customers
    person.customer_base = False
    person.first_name = first_name
    person.last_name = last_name
    person.name = name
    person.birth_date = birth_date
    person.identity_number = cin
    person.save()
    log(f"  created line user {company.code} {name}")
    return person


def setup_payer_account(company, customer, payer):
    PayerAccount = Model.get('telco.payer_account')
    accounts = PayerAccount.find([
            ('company', '=', company.id),
            ('customer', '=', customer.id),
            ])
    if accounts:
        return accounts[0]
    account = PayerAccount(company=company, customer=customer)
    account.payer = payer
    account.name = (customer.name if payer == customer
        else f'{customer.name} ({payer.name})')
    if payer.addresses:
        account.invoice_address = payer.addresses[0]
    account.save()
    log(f"  created payer account {company.code} {account.name}")
    return account


def setup_sim(company, number):
    "Return the SIM card of the line number, created when missing"
    from stdnum import luhn
    Sim = Model.get('telco.sim')
    local = e164(number)[-8:]
    # ICCID: 89 (telecom), 216 (Tunisia), network code, serial, Luhn digit
    iccid = f'89216{MNC[company.code]}000{local}'
    iccid += luhn.calc_check_digit(iccid)
    sims = Sim.find([('company', '=', company.id), ('iccid', '=', iccid)])
    if sims:
        return sims[0]
    sim = Sim(company=company, iccid=iccid)
    sim.imsi = f'605{MNC[company.code]}00{local}'
    sim.pin = local[-4:]
    sim.puk = f'{int(local) * 7 % 10 ** 8:08d}'
    sim.save()
    log(f"  created SIM {company.code} {iccid}")
    return sim


def setup_line(company, customer, account, kind, number, user, state):
    "Create the line when missing and take it forward to state"
    Line = Model.get('telco.line')
    lines = Line.find([
            ('company', '=', company.id),
            ('number', '=', e164(number)),
            ])
    if lines:
        line, = lines
    else:
        line = Line(company=company, customer=customer, kind=kind)
        line.number = number
        line.payer_account = account
        line.user = user
        if kind in SIM_KINDS:
            line.sim = setup_sim(company, number)
        line.save()
        log(f"  created line {company.code} {line.number} ({kind})")
    if state in {'active', 'suspended'} and line.state == 'draft':
        Line.click([line], 'activate')
        line.reload()
        log(f"  activated line {line.number}")
    if state == 'suspended' and line.state == 'active':
        Line.click([line], 'suspend')
        line.reload()
        log(f"  suspended line {line.number}")
    return line


def setup_customer_lines(company):
    """Branches, employees, life cycle, payer accounts, SIM cards and lines
    of the operator's customers"""
    line_state = {
        'prospect': 'draft',
        'active': 'active',
        'suspended': 'suspended',
        }
    for name, profile in PROFILES[company.code].items():
        customer = find_customer(company, name)
        if customer is None:
            continue
        payer = customer
        if profile.get('branch'):
            payer = setup_branch(company, customer, profile['branch'])
            set_customer_state(payer, 'active')
        users = {'self': customer, None: None}
        for first, last, cin, birth_date in profile.get('employees', []):
            users[f'{first} {last}'] = setup_employee(
                company, first, last, cin, birth_date)
        account = setup_payer_account(company, customer, payer)
        for kind, number, user in profile['lines']:
            # a suspended customer's lines are activated first: suspending
            # the customer suspends them
            setup_line(company, customer, account, kind, number, users[user],
                'active' if customer.customer_state == 'active'
                or profile['state'] == 'suspended'
                and customer.customer_state == 'prospect'
                else line_state[profile['state']])
        customer.reload()
        set_customer_state(customer, profile['state'])


def load(company, values, password, lang):
    """The lines of the operator's customers and the credit classes decided
    then, as its administrator"""
    with as_user(f"{values['login']}_admin"):
        operator = Model.get('company.company')(company.id)
        setup_customer_lines(operator)
        decide_credit_classes(operator)
    move_back(company)


def move_back(company):
    """Date the operator's customers as registered over the last 18 months
    (the first of PROFILES the oldest), converted a few days later, their
    lines activated then and the suspended ones suspended a few weeks ago
    (as root: these dates are set by the code only)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    names = list(PROFILES[company.code])
    # a company's branch and employees are registered with it
    rank_of = {name: rank for rank, name in enumerate(names)}
    for name, profile in PROFILES[company.code].items():
        if profile.get('branch'):
            rank_of[profile['branch'][0]] = rank_of[name]
        for first, last, *_ in profile.get('employees', []):
            rank_of[f'{first} {last}'] = rank_of[name]
    with Transaction().start(
            config.get_config().database_name, 0) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        PartyState = pool.get('telco.party.state')
        Line = pool.get('telco.line')
        LineState = pool.get('telco.line.state')
        parties = Party.search([
                ('company', '=', company.id), ('name', 'in', list(rank_of))])
        today = dt.date.today()
        if all(p.prospect_date != today for p in parties):
            return
        for party in parties:
            rank = rank_of[party.name]
            registered = months_ago(18 - (rank * 17) // len(names), 3 + rank)
            converted = registered + dt.timedelta(days=4 + rank)
            # suspended or terminated some months after, up to 20 days ago
            ended = min(today - dt.timedelta(days=20),
                max(converted + dt.timedelta(days=30),
                    today - dt.timedelta(days=20 + (rank * 37) % 400)))
            values = {'prospect_date': registered}
            if party.customer_date:
                values['customer_date'] = converted
            for name in ['suspension_date', 'termination_date']:
                if getattr(party, name):
                    values[name] = ended
            Party.write([party], values)
            for change in party.state_history:
                date = (converted if change.to_state == 'active'
                    else ended)
                PartyState.write([change], {'date': date})
            lines = Line.search([('customer', '=', party.id)])
            for line in lines:
                values = {}
                if line.activation_date:
                    values['activation_date'] = converted
                if line.termination_date:
                    values['termination_date'] = ended
                if values:
                    Line.write([line], values)
                for change in line.history:
                    moment = dt.datetime.combine(
                        converted if change.to_state == 'active' else ended,
                        dt.time(10, rank % 60))
                    LineState.write([change], {'date': moment})
        transaction.commit()
    log(f"  {company.code} customers registered over 18 months")
