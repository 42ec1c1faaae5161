# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The platform: currencies, Tunisia and its governorates, French, the
operators with their documents and subscriptions, their administrator and
agent, and the platform administrator"""
from decimal import Decimal

from proteus import Model, config

from .roles import ADMIN_GROUPS, AGENT_GROUPS, PLATFORM_GROUPS
from .tools import get_or_create, groups, log, months_ago


TIMEZONE = 'Africa/Tunis'


CURRENCIES = [
    # code, name, symbol, numeric code, digits
    ('TND', "Tunisian Dinar", 'DT', '788', 3),
    ('EUR', "Euro", '€', '978', 2),
    ]


OPERATORS = [
    {
        'code': 'OOREDOO',
        'name': "Ooredoo Tunisie",
        'brand_name': "Ooredoo",
        'primary_color': '#E30613',
        'secondary_color': '#FFFFFF',
        'website_host': 'ooredoo.demo.localhost',
        # the web client's login page served there carries the brand
        'web_hosts': 'ooredoo.localhost',
        'admin_email': 'ooredoo-admin@example.com',
        'street': "Immeuble Zenith, Les Berges du Lac",
        'postal_code': '1053',
        'city': "Tunis",
        'features': [
            'clients', 'dashboard', 'claims', 'billing', 'stock', 'offers',
            'messaging'],
        'login': 'ooredoo',
        # (code, name, latitude, longitude, city, open on Sunday, street,
        # postal code, phone, manager: an employee of the operator)
        'shops': [
            ('OO-LAC', "Ooredoo Les Berges du Lac", 36.8380, 10.2390,
                "Tunis", True, "Rue du Lac Léman, Les Berges du Lac",
                '1053', '+216 71 965 100', ("Sami", "Ben Salah")),
            ('OO-MARSA', "Ooredoo La Marsa", 36.8782, 10.3247,
                "La Marsa", False, "Avenue Habib Bourguiba", '2070',
                '+216 71 742 310', ("Ines", "Trabelsi")),
            ('OO-SOUSSE', "Ooredoo Sousse Centre", 35.8256, 10.6084,
                "Sousse", False, "Avenue Léopold Sédar Senghor", '4000',
                '+216 73 226 450', ("Walid", "Gharbi")),
            ],
        },
    {
        'code': 'TT',
        'name': "Tunisie Telecom",
        'brand_name': "Tunisie Telecom",
        'primary_color': '#0055A4',
        'secondary_color': '#FFFFFF',
        'website_host': 'tt.demo.localhost',
        # the web client's login page served there carries the brand
        'web_hosts': 'tt.localhost',
        'admin_email': 'tt-admin@example.com',
        'street': "Jardins du Lac II",
        'postal_code': '1053',
        'city': "Tunis",
        'features': ['clients', 'billing', 'stock', 'offers', 'messaging'],
        'login': 'tt',
        'shops': [
            ('TT-KASBAH', "Espace TT Kasbah", 36.7990, 10.1700,
                "Tunis", False, "Boulevard Bab Benat, La Kasbah", '1008',
                '+216 71 560 200', ("Leila", "Mansouri")),
            ('TT-ARIANA', "Espace TT Ariana", 36.8625, 10.1956,
                "Ariana", True, "Avenue Habib Bourguiba", '2080',
                '+216 70 836 120', ("Karim", "Jlassi")),
            ],
        },
    ]


# The governorates of Tunisia (ISO 3166-2:TN)
GOVERNORATES = [
    ('TN-11', "Tunis"), ('TN-12', "Ariana"), ('TN-13', "Ben Arous"),
    ('TN-14', "La Manouba"), ('TN-21', "Nabeul"), ('TN-22', "Zaghouan"),
    ('TN-23', "Bizerte"), ('TN-31', "Béja"), ('TN-32', "Jendouba"),
    ('TN-33', "Le Kef"), ('TN-34', "Siliana"), ('TN-41', "Kairouan"),
    ('TN-42', "Kasserine"), ('TN-43', "Sidi Bouzid"), ('TN-51', "Sousse"),
    ('TN-52', "Monastir"), ('TN-53', "Mahdia"), ('TN-61', "Sfax"),
    ('TN-71', "Gafsa"), ('TN-72', "Tozeur"), ('TN-73', "Kébili"),
    ('TN-81', "Gabès"), ('TN-82', "Médenine"), ('TN-83', "Tataouine"),
    ]


def setup_currencies():
    currencies = {}
    for code, name, symbol, numeric_code, digits in CURRENCIES:
        currencies[code], _ = get_or_create(
            'currency.currency', [('code', '=', code)], {
                'name': name,
                'code': code,
                'symbol': symbol,
                'numeric_code': numeric_code,
                'digits': digits,
                'rounding': Decimal(1).scaleb(-digits),
                })
    return currencies


def setup_country():
    country, _ = get_or_create(
        'country.country', [('code', '=', 'TN')], {
            'name': "Tunisia",
            'code': 'TN',
            'code3': 'TUN',
            'code_numeric': '788',
            })
    Subdivision = Model.get('country.subdivision')
    known = {s.code for s in Subdivision.find(
            [('country', '=', country.id)])}
    missing = [(code, name) for code, name in GOVERNORATES
        if code not in known]
    if missing:
        Subdivision.save([
                Subdivision(country=country, code=code, name=name,
                    type='governorate')
                for code, name in missing])
        log(f"  created {len(missing)} governorates of Tunisia")
    return country


def setup_french():
    Lang = Model.get('ir.lang')
    Translation = Model.get('ir.translation')
    fr, = Lang.find([('code', '=', 'fr')])
    # trytond-admin -l fr loads French for the modules it activates or
    # updates only: a database initialised without it misses the core
    # messages (required, size, domain and access errors of ir and res)
    if not fr.translatable or not Translation.find([
                ('lang', '=', 'fr'), ('module', '=', 'ir'),
                ('type', '=', 'model'),
                ], limit=1):
        # the fr.po of every activated module, core modules included
        Lang.click([fr], 'load_translations')
        log("  French loaded for every activated module")
    return fr


def operator_party(values, country):
    """Return the party of the new operator, without operator yet.

    Creating the company makes the party its own.  Such a party is visible
    to platform administrators only; where the record rules of the installed
    telco_base give it to nobody, it is created as the root user, the way a
    platform's set-up script would."""
    from trytond.model.exceptions import AccessError

    Party = Model.get('party.party')
    # left over by an interrupted run
    parties = Party.find([
            ('name', '=', values['name']),
            ('company', '=', None),
            ])
    if parties:
        return parties[0]
    party = Party(name=values['name'])
    # not the operator of the context
    party.company = None
    if party.addresses:
        address = party.addresses[0]
    else:
        address = party.addresses.new()
    address.street = values['street']
    address.postal_code = values['postal_code']
    address.city = values['city']
    address.country = country
    try:
        party.save()
    except AccessError:
        log("  (operator party made as root: the record rules of this "
            "telco_base give it to no user)")
        return Party(_root_party(values, country))
    return party


def _root_party(values, country):
    "Find or create the party of the operator as the root user"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(config.get_config().database_name, 0) as tx:
        Party = Pool().get('party.party')
        parties = Party.search([
                ('name', '=', values['name']),
                ('company', '=', None),
                ])
        if parties:
            party, = parties[:1]
        else:
            party, = Party.create([{
                        'name': values['name'],
                        'addresses': [('create', [{
                                        'street': values['street'],
                                        'postal_code': values['postal_code'],
                                        'city': values['city'],
                                        'country': country.id,
                                        }])],
                        }])
        tx.commit()
        return party.id


def setup_operator(values, currency, country):
    Company = Model.get('company.company')
    companies = Company.find([('code', '=', values['code'])])
    if companies:
        return companies[0], False
    company = Company()
    company.party = operator_party(values, country)
    company.currency = currency
    company.timezone = TIMEZONE
    for name in ['code', 'brand_name', 'primary_color', 'secondary_color',
            'website_host', 'admin_email']:
        setattr(company, name, values[name])
    if 'web_hosts' in Company._fields:
        company.web_hosts = values.get('web_hosts')
    company.phone_country = country
    company.save()
    log(f"  created operator {values['name']}")
    return company, True


# The operators' documents: the matricule fiscal (fictitious) and the legal
# mentions at their foot, in English and in French
OPERATOR_DOCUMENTS = {
    'OOREDOO': ('1234567MAE000', (
            "Public limited company with a capital of 230,000,000 dinars "
            "- Trade register B01234562002",
            "Société anonyme au capital de 230 000 000 dinars "
            "- RNE B01234562002")),
    'TT': ('7654321NAM000', (
            "Public limited company with a capital of 1,559,000,000 dinars "
            "- Trade register B07654322004",
            "Société anonyme au capital de 1 559 000 000 dinars "
            "- RNE B07654322004")),
    }


def setup_operator_documents(company, lang):
    """The customers without language get the operator's documents and
    e-mails in French; its tax identifier and legal mentions are printed
    on them"""
    Company = Model.get('company.company')
    Party = Model.get('party.party')
    if 'customer_lang' not in Company._fields:
        return
    tax_code, (legal_en, legal_fr) = OPERATOR_DOCUMENTS.get(
        company.code, (None, (None, None)))
    company = Company(company.id)
    if company.customer_lang is None:
        with config.get_config().set_context(language='en'):
            company = Company(company.id)
            company.customer_lang = lang
            company.legal_mentions = legal_en
            company.save()
        with config.get_config().set_context(language='fr'):
            company = Company(company.id)
            company.legal_mentions = legal_fr
            company.save()
        log(f"  {company.code}: documents in French, legal mentions")
    party = Party(company.party.id)
    if tax_code and not any(
            i.type == 'tn_vat' for i in party.identifiers):
        party.identifiers.new(type='tn_vat', code=tax_code)
        party.save()
        log(f"  {company.code}: matricule fiscal {tax_code}")


def setup_features(company, codes, start_date):
    Feature = Model.get('telco.feature')
    Subscription = Model.get('telco.operator.feature')
    for code in codes:
        feature, = Feature.find([('code', '=', code)])
        if Subscription.find([
                    ('company', '=', company.id),
                    ('feature', '=', feature.id),
                    ]):
            continue
        subscription = Subscription(
            company=company, feature=feature, start_date=start_date)
        subscription.save()
        log(f"  subscribed {company.code} to {code}")


def setup_user(login, name, group_ids, companies, company, password,
        lang, company_filter='one'):
    User = Model.get('res.user')
    with config.get_config().set_context(active_test=False):
        users = User.find([('login', '=', login)])
    if users:
        return users[0], False
    user = User()
    user.login = login
    user.name = name
    user.email = f'{login}@example.com'
    user.password = password
    user.language = lang
    user.groups.extend(groups(group_ids))
    Company = Model.get('company.company')
    user.companies.extend([Company(c.id) for c in companies])
    user.company = Company(company.id)
    user.company_filter = company_filter
    user.save()
    log(f"  created user {login}")
    return user, True


def load(values, password):
    """The operator of values with its documents, subscriptions, its
    administrator and agent; return the operator and the French language"""
    currencies = setup_currencies()
    country = setup_country()
    lang = setup_french()
    company, _ = setup_operator(values, currencies['TND'], country)
    setup_operator_documents(company, lang)
    # the rules give the admin the operator of the context
    with config.get_config().set_context(company=company.id):
        setup_features(company, values['features'], start_date(values))
        prefix = values['login']
        setup_user(
            f'{prefix}_admin', f"{values['brand_name']} Administrator",
            ADMIN_GROUPS, [company], company, password, lang)
        setup_user(
            f'{prefix}_agent', f"{values['brand_name']} Agent",
            AGENT_GROUPS, [company], company, password, lang)
    return company, lang


def start_date(values):
    "The operator subscribed to its features 18 months ago"
    return months_ago(18)


def load_platform(operators, password, lang):
    "The platform administrator, who works for every operator"
    platform, created = setup_user(
        'platform', "Platform Administrator", PLATFORM_GROUPS, operators,
        operators[0], password, lang, company_filter='all')
    if not created:
        # operators added since are granted to platform administrators by
        # telco_base; make sure of it for the demo's
        missing = (
            {c.id for c in operators} - {c.id for c in platform.companies})
        if missing:
            Company = Model.get('company.company')
            platform.companies.extend([Company(i) for i in sorted(missing)])
            platform.save()
