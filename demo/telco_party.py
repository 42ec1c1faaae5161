# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Customers and prospects: categories, customers of every kind with their
details and life cycle, governorates of their addresses, credit rules and
classes"""
import datetime as dt

from proteus import Model, config

from .tools import as_user, e164, find_customer, get_or_create, log


# kind, code, English name, French name
CATEGORIES = [
    ('commercial_1', 'RES', "Residential", "Résidentiel"),
    ('commercial_1', 'PRO', "Professional", "Professionnel"),
    ('commercial_1', 'ENT', "Enterprise", "Entreprise"),
    ('commercial_2', 'PRE', "Prepaid", "Prépayé"),
    ('commercial_2', 'POST', "Postpaid", "Postpayé"),
    ('collection', 'STD', "Standard collection", "Recouvrement standard"),
    ('collection', 'WATCH', "Under watch", "Sous surveillance"),
    ('accounting', 'NAT', "Domestic customers", "Clients nationaux"),
    ('accounting', 'GOV', "Public sector", "Secteur public"),
    ('tax', 'VAT19', "VAT 19%", "TVA 19 %"),
    ('tax', 'EXEMPT', "VAT exempt", "Exonéré de TVA"),
    ]


# name, street, postal code, city, mobile, email (None: no e-mail)
CUSTOMERS = {
    'OOREDOO': [
        ("Mohamed Ben Ali", "12 rue de Marseille", '1000', "Tunis",
            '+216 22 345 678', 'mohamed.benali@example.com'),
        ("Amira Trabelsi", "5 avenue Habib Bourguiba", '2080', "Ariana",
            '+216 23 456 789', 'amira.trabelsi@example.com'),
        ("Youssef Jebali", "40 route de Tunis", '3000', "Sfax",
            '+216 24 567 890', None),
        ("Fatma Gharbi", "8 rue Ibn Khaldoun", '4000', "Sousse",
            '+216 25 678 901', 'fatma.gharbi@example.com'),
        ("Sami Hammami", "3 rue de la Corniche", '7000', "Bizerte",
            '+216 26 789 012', None),
        ("Leila Chaabane", "21 avenue Farhat Hached", '8000', "Nabeul",
            '+216 27 890 123', 'leila.chaabane@example.com'),
        ("Karim Mansouri", "17 rue Tahar Sfar", '5000', "Monastir",
            '+216 28 901 234', 'karim.mansouri@example.com'),
        ("Sfax Logistique SARL", "Zone industrielle Poudrière", '3002',
            "Sfax", '+216 74 456 789', 'contact@sfax-logistique.example.com'),
        ],
    'TT': [
        ("Hela Ben Salem", "9 rue d'Alger", '1000', "Tunis",
            '+216 98 123 456', 'hela.bensalem@example.com'),
        ("Walid Dridi", "14 avenue de la République", '6000', "Gabès",
            '+216 97 234 567', None),
        ("Nour Khelifi", "2 rue Okba Ibn Nafaa", '3100', "Kairouan",
            '+216 96 345 678', 'nour.khelifi@example.com'),
        ("Anis Zouari", "30 avenue Ali Belhouane", '4000', "Sousse",
            '+216 95 456 789', 'anis.zouari@example.com'),
        ("Ines Mejri", "6 rue de Palestine", '1002', "Tunis",
            '+216 94 567 890', None),
        ("Oussama Riahi", "11 rue Mongi Slim", '2080', "Ariana",
            '+216 93 678 901', 'oussama.riahi@example.com'),
        ("Rania Sassi", "25 avenue de l'Environnement", '5000', "Monastir",
            '+216 92 789 012', 'rania.sassi@example.com'),
        ("Atelier Djerba Artisanat SARL", "Route de Midoun", '4180',
            "Houmt Souk", '+216 75 650 123',
            'contact@djerba-artisanat.example.com'),
        ],
    }


# What the demo makes of each customer of CUSTOMERS, by operator and name.
#   persons: identity card number (CIN, 8 digits) and birth date;
#   companies: trade register, a branch that pays their bills, employees who
#   use their lines;
#   state: 'active', 'suspended' or 'prospect' (its lines: active,
#   suspended or draft);
#   lines: (kind, number, user) with user 'self', an employee's name or None;
#   decide: the credit class of the rules is recorded as decided.
# Every number and CIN is distinct across the demo (check_demo_data).
PROFILES = {
    'OOREDOO': {
        "Mohamed Ben Ali": {
            'cin': '08123456', 'birth_date': dt.date(1978, 4, 12),
            'state': 'active', 'decide': True,
            'lines': [
                ('mobile_postpaid', '20 114 233', 'self'),
                ('adsl', '71 842 310', 'self'),
                ],
            },
        "Amira Trabelsi": {
            'cin': '09234567', 'birth_date': dt.date(1990, 9, 3),
            'state': 'active',
            'lines': [
                ('mobile_prepaid', '21 305 448', 'self'),
                ('4g_key', '29 416 557', 'self'),
                ],
            },
        "Youssef Jebali": {
            # under 21: credit class D
            'cin': '11345678', 'birth_date': dt.date(2007, 2, 18),
            'state': 'active', 'decide': True,
            'lines': [
                ('mobile_prepaid', '20 527 661', 'self'),
                ],
            },
        "Fatma Gharbi": {
            'cin': '05456789', 'birth_date': dt.date(1965, 12, 21),
            'state': 'active',
            'lines': [
                ('mobile_postpaid', '21 638 772', 'self'),
                ('fixed', '73 224 905', 'self'),
                ],
            },
        "Sami Hammami": {
            'cin': '07567890', 'birth_date': dt.date(1983, 6, 30),
            'state': 'suspended',
            'lines': [
                ('mobile_prepaid', '29 749 883', 'self'),
                ],
            },
        "Leila Chaabane": {
            'cin': '06678901', 'birth_date': dt.date(1972, 1, 9),
            'state': 'active',
            'lines': [
                ('mobile_postpaid', '20 850 994', 'self'),
                ('fibre', '72 310 446', 'self'),
                ],
            },
        "Karim Mansouri": {
            'cin': '10789012', 'birth_date': dt.date(1995, 10, 27),
            'state': 'prospect',
            'lines': [
                ('mobile_prepaid', '21 961 105', 'self'),
                ],
            },
        "Sfax Logistique SARL": {
            'trade_register': 'B0911232015',
            'state': 'active', 'decide': True,
            'branch': ("Sfax Logistique - Agence Tunis",
                "Rue du Lac Biwa, Les Berges du Lac", '1053', "Tunis",
                '+216 71 960 214'),
            # first name, last name, CIN, birth date
            'employees': [
                ("Hichem", "Ayari", '12890123', dt.date(1986, 5, 8)),
                ("Sonia", "Bouaziz", '13901234', dt.date(1993, 11, 16)),
                ],
            'lines': [
                ('mobile_postpaid', '20 172 839', "Hichem Ayari"),
                ('mobile_postpaid', '21 283 940', "Sonia Bouaziz"),
                ('fibre', '74 612 883', None),
                ],
            },
        },
    'TT': {
        "Hela Ben Salem": {
            'cin': '04812345', 'birth_date': dt.date(1988, 7, 15),
            'state': 'active', 'decide': True,
            'lines': [
                ('mobile_postpaid', '90 123 874', 'self'),
                ('fixed', '71 563 208', 'self'),
                ],
            },
        "Walid Dridi": {
            'cin': '03923456', 'birth_date': dt.date(1979, 3, 22),
            'state': 'active',
            'lines': [
                ('mobile_prepaid', '91 234 985', 'self'),
                ('adsl', '75 271 639', 'self'),
                ],
            },
        "Nour Khelifi": {
            # under 21: credit class D
            'cin': '14034567', 'birth_date': dt.date(2006, 8, 5),
            'state': 'active', 'decide': True,
            'lines': [
                ('mobile_prepaid', '99 345 096', 'self'),
                ],
            },
        "Anis Zouari": {
            'cin': '02145678', 'birth_date': dt.date(1985, 11, 11),
            'state': 'active',
            'lines': [
                ('mobile_postpaid', '40 456 107', 'self'),
                ('4g_key', '41 567 218', 'self'),
                ],
            },
        "Ines Mejri": {
            'cin': '15256789', 'birth_date': dt.date(1992, 2, 14),
            'state': 'suspended',
            'lines': [
                ('mobile_prepaid', '90 678 329', 'self'),
                ],
            },
        "Oussama Riahi": {
            'cin': '01367890', 'birth_date': dt.date(1997, 5, 19),
            'state': 'active',
            'lines': [
                ('mobile_prepaid', '91 789 430', 'self'),
                ('fibre', '71 894 512', 'self'),
                ],
            },
        "Rania Sassi": {
            'cin': '16478901', 'birth_date': dt.date(1999, 9, 9),
            'state': 'prospect',
            'lines': [
                ('mobile_prepaid', '99 890 541', 'self'),
                ],
            },
        "Atelier Djerba Artisanat SARL": {
            'trade_register': 'B2712342018',
            'state': 'active', 'decide': True,
            'branch': ("Atelier Djerba Artisanat - Boutique Midoun",
                "Avenue Salah Ben Youssef", '4116', "Midoun",
                '+216 75 657 489'),
            'employees': [
                ("Mourad", "Ferchichi", '17589012', dt.date(1981, 4, 2)),
                ("Salma", "Jaziri", '18690123', dt.date(1994, 6, 25)),
                ],
            'lines': [
                ('fixed', '75 731 842', None),
                ('mobile_postpaid', '98 901 652', "Mourad Ferchichi"),
                ('mobile_postpaid', '97 012 763', "Salma Jaziri"),
                ],
            },
        },
    }


# the governorate of the cities of the demo's addresses
CITY_GOVERNORATES = {
    "Tunis": 'TN-11', "La Marsa": 'TN-11', "Ariana": 'TN-12',
    "Nabeul": 'TN-21', "Bizerte": 'TN-23', "Kairouan": 'TN-41',
    "Sousse": 'TN-51', "Monastir": 'TN-52', "Sfax": 'TN-61',
    "Gabès": 'TN-81', "Houmt Souk": 'TN-82', "Midoun": 'TN-82',
    }


# sequence, criteria, credit class: the first rule that matches applies
CREDIT_RULES = [
    (10, {'max_age': 20}, 'D'),
    (20, {'with_identity': True}, 'A'),
    (30, {}, 'C'),
    ]


def setup_operator_party(company):
    """The operator's own party is a legal person (telco_base makes it a
    party of the operator, a natural person by default)"""
    Party = Model.get('party.party')
    if 'customer_type' not in Party._fields:
        return
    party = Party(company.party.id)
    if party.company == company and party.customer_type != 'organization':
        party.customer_type = 'organization'
        party.legal_form = 'sa'
        party.save()
        log(f"  {party.name} made a legal person")


def setup_categories(company):
    Category = Model.get('telco.customer.category')
    for kind, code, name, name_fr in CATEGORIES:
        with config.get_config().set_context(language='en'):
            category, created = get_or_create(
                'telco.customer.category', [
                    ('company', '=', company.id),
                    ('kind', '=', kind),
                    ('code', '=', code),
                    ], {
                    'company': company,
                    'kind': kind,
                    'code': code,
                    'name': name,
                    }, label=f'{company.code} {kind} {code}')
        if created:
            with config.get_config().set_context(language='fr'):
                category = Category(category.id)
                category.name = name_fr
                category.save()


# the categories of the five kinds given to the demo's customers, by type
CUSTOMER_CATEGORIES = {
    'person': [
        ('commercial_category_1', 'RES'),
        ('commercial_category_2', 'PRE'),
        ('collection_category', 'STD'),
        ('accounting_category', 'NAT'),
        ('tax_category', 'VAT19'),
        ],
    'organization': [
        ('commercial_category_1', 'PRO'),
        ('commercial_category_2', 'POST'),
        ('collection_category', 'STD'),
        ('accounting_category', 'NAT'),
        ('tax_category', 'VAT19'),
        ],
    }


def customer_type(name):
    return 'organization' if name.endswith(' SARL') else 'person'


def phone_type(number):
    "Tunisian fixed numbers start with 7 (+216 7x xxx xxx)"
    return 'phone' if e164(number).startswith('+2167') else 'mobile'


def setup_customers(company, country):
    Party = Model.get('party.party')
    for name, street, postal_code, city, mobile, email in CUSTOMERS[
            company.code]:
        if Party.find([
                    ('name', '=', name),
                    ('company', '=', company.id),
                    ]):
            continue
        party = Party(name=name, company=company)
        if 'customer_type' in Party._fields:
            party.customer_type = customer_type(name)
            if party.customer_type == 'person':
                party.first_name, party.last_name = name.split(' ', 1)
            else:
                party.legal_form = 'sarl'
        if party.addresses:
            address = party.addresses[0]
        else:
            address = party.addresses.new()
        address.street = street
        address.postal_code = postal_code
        address.city = city
        address.country = country
        mechanism = party.contact_mechanisms.new(
            type=phone_type(mobile))
        mechanism.value = mobile
        if email:
            mechanism = party.contact_mechanisms.new(type='email')
            mechanism.value = email
        party.save()
        log(f"  created customer {company.code} {name}")
    setup_customer_categories(company)


def setup_customer_categories(company):
    "Give the customers without categories those of their type"
    Party = Model.get('party.party')
    Category = Model.get('telco.customer.category')
    if 'customer_type' not in Party._fields:
        return
    names = [c[0] for c in CUSTOMERS[company.code]]
    for party in Party.find([
                ('name', 'in', names),
                ('company', '=', company.id),
                ]):
        changed = False
        for field, code in CUSTOMER_CATEGORIES[customer_type(party.name)]:
            if field not in Party._fields or getattr(party, field):
                continue
            categories = Category.find([
                    ('company', '=', company.id),
                    ('code', '=', code),
                    ('kind', '=', _category_kind(field)),
                    ])
            if categories:
                setattr(party, field, categories[0])
                changed = True
        if changed:
            party.save()
            log(f"  categories of {company.code} {party.name}")


def setup_customer_subdivisions(company):
    """Put the addresses of the operator's customers in their governorate
    (the zones of the offers are made of governorates)"""
    Address = Model.get('party.address')
    Subdivision = Model.get('country.subdivision')
    subdivisions = {s.code: s for s in Subdivision.find([
                ('code', 'in', sorted(set(CITY_GOVERNORATES.values()))),
                ])}
    addresses = Address.find([
            ('party.company', '=', company.id),
            ('subdivision', '=', None),
            ('country.code', '=', 'TN'),
            ('city', 'in', list(CITY_GOVERNORATES)),
            ])
    for address in addresses:
        address.subdivision = subdivisions[CITY_GOVERNORATES[address.city]]
    if addresses:
        Address.save(addresses)
        log(f"  governorates of {len(addresses)} addresses of "
            f"{company.code}")


def _category_kind(field):
    return {
        'commercial_category_1': 'commercial_1',
        'commercial_category_2': 'commercial_2',
        'collection_category': 'collection',
        'accounting_category': 'accounting',
        'tax_category': 'tax',
        }[field]


def check_demo_data():
    from .telco_base import OPERATORS
    """Fail before touching the database when the tables above give two
    records the same number or CIN, or a number that is not Tunisian"""
    import phonenumbers
    numbers, cins = {}, {}

    def add(seen, key, what):
        if key in seen:
            raise SystemExit(f"demo data: {what} and {seen[key]} share {key}")
        seen[key] = what

    for code, customers in CUSTOMERS.items():
        for name, *_, mobile, _email in customers:
            add(numbers, e164(mobile), f'{code} {name} (contact)')
    for operator in OPERATORS:
        for shop_code, *_, phone, _manager in operator.get('shops', []):
            if not (phone.startswith('+216 ') and e164(phone)):
                raise SystemExit(
                    f"demo data: {phone} of shop {shop_code} is no "
                    "Tunisian number")
            add(numbers, e164(phone), f'shop {shop_code}')
    for code, profiles in PROFILES.items():
        for name, profile in profiles.items():
            if profile.get('cin'):
                add(cins, profile['cin'], f'{code} {name}')
            for first, last, cin, _ in profile.get('employees', []):
                add(cins, cin, f'{code} {first} {last}')
            if profile.get('branch'):
                add(numbers, e164(profile['branch'][-1]),
                    f'{code} {profile["branch"][0]}')
            for kind, number, _ in profile['lines']:
                parsed = phonenumbers.parse(number, 'TN')
                fixed = kind in {'fixed', 'adsl', 'fibre'}
                if not (phonenumbers.is_valid_number(parsed)
                        and (number[0] == '7' if fixed
                            else number[0] in '2459')
                        and len(number.replace(' ', '')) == 8):
                    raise SystemExit(
                        f"demo data: {number} is no Tunisian {kind} number")
                add(numbers, e164(number), f'{code} {name} ({kind})')
    assert all(len(c) == 8 and c.isdigit() for c in cins)


def setup_customer_details(company):
    "Identity number and birth date of persons, trade register of companies"
    for name, profile in PROFILES[company.code].items():
        party = find_customer(company, name)
        if party is None:
            continue
        changed = False
        for field in ['birth_date', 'trade_register']:
            if profile.get(field) and not getattr(party, field):
                setattr(party, field, profile[field])
                changed = True
        if profile.get('cin') and not party.identity_number:
            party.identity_number = profile['cin']
            changed = True
        for mechanism in party.contact_mechanisms:
            # the demo's first companies had their fixed number as a mobile
            if (mechanism.type == 'mobile'
                    and phone_type(mechanism.value) == 'phone'):
                mechanism.type = 'phone'
                changed = True
        if changed:
            party.save()
            log(f"  details of {company.code} {name}")


def set_customer_state(party, state):
    "Take the party forward to state (prospect, active or suspended)"
    Party = Model.get('party.party')
    if state == 'prospect':
        return
    if party.customer_state == 'prospect':
        Party.click([party], 'convert')
        party.reload()
        log(f"  converted {party.name}")
    if state == 'suspended' and party.customer_state == 'active':
        Party.click([party], 'suspend')
        party.reload()
        log(f"  suspended {party.name}")


def setup_credit_rules(company):
    Rule = Model.get('telco.credit.rule')
    for sequence, criteria, credit_class in CREDIT_RULES:
        if Rule.find([
                    ('company', '=', company.id),
                    ('sequence', '=', sequence),
                    ]):
            continue
        rule = Rule(company=company, sequence=sequence,
            credit_class=credit_class, **criteria)
        rule.save()
        log(f"  created credit rule {company.code} {sequence}: "
            f"{criteria or 'otherwise'} -> {credit_class}")


def decide_credit_classes(company):
    Party = Model.get('party.party')
    for name, profile in PROFILES[company.code].items():
        if not profile.get('decide'):
            continue
        party = find_customer(company, name)
        if party is None or party.credit_class:
            continue
        Party.click([party], 'decide_credit')
        party.reload()
        log(f"  credit class of {company.code} {name}: {party.credit_class}")


def load(company, values, password, lang):
    "The operator's customers, as its administrator"
    with as_user(f"{values['login']}_admin"):
        operator = Model.get('company.company')(company.id)
        country, = Model.get('country.country').find([('code', '=', 'TN')])
        setup_operator_party(operator)
        setup_categories(operator)
        setup_customers(operator, country)
        setup_customer_details(operator)
        setup_customer_subdivisions(operator)
        setup_credit_rules(operator)
