# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Offers: zones, consumption bands, seasons, offers, a pack, promotions,
sales of the last months, the proposals computed from them and an e-mail
advertisement prepared"""
import datetime as dt
from decimal import Decimal

from proteus import Model, config

from .roles import MARKETING_GROUPS
from .tools import as_user, find_customer, get_or_create, log, xml_id


# Offers (telco_offers), the same for each operator.
# code, name, governorates
ZONES = [
    ('GTUNIS', "Grand Tunis", ['TN-11', 'TN-12', 'TN-13', 'TN-14']),
    ('SAHEL', "Sahel", ['TN-51', 'TN-52', 'TN-53']),
    ]


# sequence, name, monthly consumption from (included), to (excluded)
CONSUMPTION_BANDS = [
    (10, "Petite consommation", '0', '60'),
    (20, "Consommation moyenne", '60', '200'),
    (30, "Grosse consommation", '200', None),
    ]


# name, (start month, day, end month, day) every year, or dated periods
SEASONS = [
    ("Été", (6, 15, 8, 31), []),
    ("Rentrée", (9, 1, 9, 30), []),
    ("Fin d'année", (12, 15, 1, 5), []),
    ("Ramadan", None, [
            (dt.date(2026, 2, 18), dt.date(2026, 3, 19)),
            (dt.date(2027, 2, 8), dt.date(2027, 3, 9)),
            ]),
    ]


# code, name, kind, product of CATALOGUE, allowances and rules, description
# (minutes, sms, data_mb: None is unlimited)
OFFERS = [
    ('M30', "Forfait Mobile 30 Go", 'plan', 'MOBILE', {
            'minutes': 300, 'sms': None, 'data_mb': 30720,
            'customer_types': ['person'],
            }, "300 minutes, SMS illimités et 30 Go d'internet mobile "
        "par mois, pour les particuliers."),
    ('F100', "Fibre 100 Mb/s", 'plan', 'FIBRE', {
            'minutes': None, 'sms': 0, 'data_mb': None,
            'customer_types': ['person', 'organization'],
            }, "Internet illimité à 100 Mb/s et appels fixes illimités."),
    ]


# code, name, code and price of the pack's product, components
PACK = ('GALAXY', "Pack Galaxy 4G", 'PACK-GALAXY', '600.000',
    [('PHONE', 1), ('MOBILE', 1), ('KEY4G', 1)])


# name, formula, products, season, zones, stacking, priority, quantity cap
PROMOTIONS = [
    ("Fin d'année : clé 4G -20 %", 'unit_price * 0.8', ['KEY4G'],
        "Fin d'année", [], 'exclusive', 20, 100),
    ("Grand Tunis : téléphone -5 %", 'unit_price * 0.95', ['PHONE'],
        None, ['GTUNIS'], 'stackable', 10, None),
    ]


# sales of the last 18 months, confirmed, from which the proposals are
# computed: days before today, customer, products (code, quantity)
OFFER_SALES = {
    'OOREDOO': [
        (500, "Mohamed Ben Ali", [('PHONE', 1), ('KEY4G', 1)]),
        (420, "Amira Trabelsi", [('PHONE', 1), ('MOBILE', 1)]),
        (330, "Fatma Gharbi", [('PHONE', 1), ('KEY4G', 1)]),
        (240, "Leila Chaabane", [('PACK-GALAXY', 1)]),
        (150, "Fatma Gharbi", [('KEY4G', 1), ('MOBILE', 1)]),
        (60, "Mohamed Ben Ali", [('PHONE', 1), ('MOBILE', 1)]),
        (8, "Youssef Jebali", [('KEY4G', 1), ('MOBILE', 1)]),
        ],
    'TT': [
        (480, "Hela Ben Salem", [('PHONE', 1), ('KEY4G', 1)]),
        (380, "Oussama Riahi", [('PHONE', 1), ('KEY4G', 1)]),
        (270, "Anis Zouari", [('KEY4G', 1), ('MOBILE', 1)]),
        (160, "Walid Dridi", [('PACK-GALAXY', 1)]),
        (70, "Anis Zouari", [('KEY4G', 2)]),
        (5, "Hela Ben Salem", [('PHONE', 1), ('MOBILE', 1)]),
        ],
    }


def setup_offer_catalogue(company):
    """Zones, consumption bands, seasons, offers, the pack and promotions
    of the operator (as its marketing user)"""
    Subdivision = Model.get('country.subdivision')
    Product = Model.get('product.product')
    Zone = Model.get('telco.offer.zone')
    Season = Model.get('telco.offer.season')
    Category = Model.get('product.category')

    def product(code):
        return Product.find([
                ('template.company', '=', company.id), ('code', '=', code),
                ])[0]

    zones = {}
    for code, name, governorates in ZONES:
        zone, created = get_or_create('telco.offer.zone', [
                ('company', '=', company.id), ('code', '=', code),
                ], {'company': company, 'code': code, 'name': name},
            label=f'{company.code} {name}')
        if created:
            zone.subdivisions.extend(Subdivision.find([
                        ('country.code', '=', 'TN'),
                        ('code', 'in', governorates),
                        ]))
            zone.save()
        zones[code] = Zone(zone.id)
    for sequence, name, minimum, maximum in CONSUMPTION_BANDS:
        get_or_create('telco.offer.consumption_band', [
                ('company', '=', company.id), ('name', '=', name),
                ], {
                'company': company, 'sequence': sequence, 'name': name,
                'minimum': Decimal(minimum),
                'maximum': Decimal(maximum) if maximum else None,
                }, label=f'{company.code} {name}')
    seasons = {}
    for name, days, periods in SEASONS:
        seasons[name] = Season.find([
                ('company', '=', company.id), ('name', '=', name),
                ])
        if seasons[name]:
            seasons[name], = seasons[name]
            continue
        season = Season(company=company, name=name)
        if days:
            (season.start_month, season.start_day,
                season.end_month, season.end_day) = days
        for start_date, end_date in periods:
            season.periods.new(start_date=start_date, end_date=end_date)
        season.save()
        seasons[name] = season
        log(f"  created season {company.code} {name}")
    for code, name, kind, product_code, values, description in OFFERS:
        get_or_create('telco.offer', [
                ('company', '=', company.id), ('code', '=', code),
                ], {
                'company': company, 'code': code, 'name': name,
                'kind': kind, 'product': product(product_code),
                'billing_period': 'monthly', 'description': description,
                **values,
                }, label=f'{company.code} {name}')

    Pack = Model.get('telco.pack')
    code, name, product_code, price, components = PACK
    if not Pack.find([('company', '=', company.id), ('code', '=', code)]):
        Uom = Model.get('product.uom')
        unit = Uom(xml_id('product.uom_unit'))
        category, = Category.find([
                ('company', '=', company.id), ('name', '=', "Télécom"),
                ])
        template, _ = get_or_create('product.template', [
                ('company', '=', company.id), ('code', '=', product_code),
                ], {
                'name': name, 'code': product_code, 'type': 'service',
                'default_uom': unit, 'salable': True, 'sale_uom': unit,
                'list_price': Decimal(price), 'account_category': category,
                })
        pack = Pack(company=company, code=code, name=name,
            product=template.products[0])
        for component_code, quantity in components:
            pack.components.new(
                product=product(component_code), quantity=quantity)
        pack.save()
        log(f"  created pack {company.code} {name}: {pack.price} instead "
            f"of {pack.components_price}")

    Promotion = Model.get('sale.promotion')
    for (name, formula, product_codes, season, zone_codes, stacking,
            priority, quantity_cap) in PROMOTIONS:
        with config.get_config().set_context(active_test=False):
            if Promotion.find([
                        ('company', '=', company.id), ('name', '=', name),
                        ]):
                continue
        promotion = Promotion(company=company, name=name, formula=formula,
            stacking=stacking, priority=priority, quantity_cap=quantity_cap)
        if season:
            promotion.season = seasons[season]
        promotion.products.extend(
            Product(product(c).id) for c in product_codes)
        promotion.zones.extend(Zone(zones[c].id) for c in zone_codes)
        promotion.save()
        log(f"  created promotion {company.code} {name}")


def setup_offer_sales(company):
    """Sales of the last months, confirmed: the promotions in force apply
    when they are quoted, the pack's revenue is split on confirmation"""
    Sale = Model.get('sale.sale')
    Product = Model.get('product.product')
    today = dt.date.today()
    for number, (days, name, items) in enumerate(
            OFFER_SALES[company.code], 1):
        customer = find_customer(company, name)
        description = f"Vente démo offres n° {number}"
        if customer is None or Sale.find([
                    ('company', '=', company.id),
                    ('party', '=', customer.id),
                    ('description', '=', description),
                    ]):
            continue
        sale = Sale(party=customer)
        sale.sale_date = today - dt.timedelta(days=days)
        sale.description = description
        for code, quantity in items:
            product, = Product.find([
                    ('template.company', '=', company.id),
                    ('code', '=', code),
                    ])
            line = sale.lines.new()
            line.product = product
            line.quantity = quantity
        sale.click('quote')
        sale.click('confirm')
        promotions = sorted({l.promotion.name for l in sale.lines
                if l.promotion})
        log(f"  sale of {sale.sale_date} to {name}: {sale.untaxed_amount}"
            + (f" ({', '.join(promotions)})" if promotions else ''))


def compute_proposals(company):
    "The proposals of the last 18 months, computed once"
    from proteus import Wizard
    Proposal = Model.get('telco.offer.proposal')
    if Proposal.find([('company', '=', company.id)], limit=1):
        return
    today = dt.date.today()
    compute = Wizard('telco.offer.proposal.compute')
    compute.form.from_date = today - dt.timedelta(days=548)
    compute.form.to_date = today
    compute.form.min_count = 2
    compute.form.limit = 5
    compute.execute('compute')
    for proposal in Proposal.find([('company', '=', company.id)]):
        log(f"  proposal: {proposal.name}")


def recommend_products():
    """The products recommended on sales and shop sales: the packs holding
    them and what the operator's customers bought with them"""
    Configuration = Model.get('sale.configuration')
    config = Configuration(1)
    if config.product_recommendation_method != 'bought_together':
        config.product_recommendation_method = 'bought_together'
        config.save()


def prepare_advertising(company):
    """An e-mail to the customers of the first offer, prepared (a draft
    message of marketing_email), not sent"""
    from proteus import Wizard
    Offer = Model.get('telco.offer')
    EmailList = Model.get('marketing.email.list')
    offer, = Offer.find([
            ('company', '=', company.id), ('code', '=', OFFERS[0][0]),
            ])
    with config.get_config().set_context(active_test=False):
        if EmailList.find([
                    ('company', '=', company.id),
                    ('name', '=', offer.rec_name),
                    ]):
            return
    advertise = Wizard('telco.offer.advertise', [offer])
    advertise.execute('prepare')
    list_, = EmailList.find([
            ('company', '=', company.id), ('name', '=', offer.rec_name),
            ])
    log(f"  e-mail to {len(list_.emails)} customers of {offer.rec_name} "
        "prepared")


def load(company, values, password, lang):
    """The marketing user, the offers' catalogue, the agent's sales, the
    proposals and the advertising"""
    from .telco_base import setup_user
    if 'billing' not in values['features']:
        # the offers are sold with the products of billing's catalogue
        return
    with config.get_config().set_context(company=company.id):
        setup_user(
            f"{values['login']}_marketing",
            f"{values['brand_name']} Marketing",
            MARKETING_GROUPS, [company], company, password, lang)
    with as_user(f"{values['login']}_marketing"):
        setup_offer_catalogue(Model.get('company.company')(company.id))
    with as_user(f"{values['login']}_agent"):
        setup_offer_sales(Model.get('company.company')(company.id))
    with as_user(f"{values['login']}_marketing"):
        compute_proposals(Model.get('company.company')(company.id))
        prepare_advertising(Model.get('company.company')(company.id))


def load_platform(operators, password, lang):
    "What the operators' customers bought together, recommended on sales"
    recommend_products()
