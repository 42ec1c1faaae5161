# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for tests of offers: catalogue, customers in zones, sales"
import datetime as dt
from decimal import Decimal

from trytond.modules.telco_base.tests.tools import STAFF_GROUPS
from trytond.pool import Pool
from trytond.transaction import Transaction

MARKETING = STAFF_GROUPS + [
    'telco_offers.group_marketing', 'product.group_product_admin',
    'sale.group_sale']
# with marketing_email
MARKETING_EMAIL = MARKETING + ['marketing.group_marketing']
SALES = STAFF_GROUPS + ['sale.group_sale', 'telco_offers.group_offers']


def tunisia():
    "Tunisia with three governorates"
    pool = Pool()
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    countries = Country.search([('code', '=', 'TN')])
    if countries:
        country, = countries
    else:
        country, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
    subdivisions = {}
    for code, name in [
            ('TN-11', "Tunis"), ('TN-51', "Sousse"), ('TN-61', "Sfax")]:
        found = Subdivision.search([('code', '=', code)])
        if not found:
            found = Subdivision.create([{
                        'country': country.id, 'code': code, 'name': name,
                        'type': 'governorate'}])
        subdivisions[code] = found[0]
    return country, subdivisions


def create_products(company, items=None):
    """Products of the operator by code: [(code, name, type, price)]"""
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    if items is None:
        items = [
            ('PHONE', "Samsung Galaxy A15", 'service', '549.000'),
            ('KEY4G', "Clé 4G Huawei", 'service', '89.000'),
            ('LINE', "Ligne mobile", 'service', '35.000'),
            ('CASE', "Coque silicone", 'service', '25.000'),
            ]
    products = {}
    with Transaction().set_context(company=company.id):
        for code, name, type_, price in items:
            template, = Template.create([{
                        'name': name, 'code': code, 'type': type_,
                        'company': company.id,
                        'default_uom': unit.id, 'salable': True,
                        'sale_uom': unit.id,
                        'list_price': Decimal(price),
                        'products': [('create', [{}])],
                        }])
            products[code] = template.products[0]
    return products


def create_customer(company, name, subdivision=None, **values):
    "A customer of the operator with an address in the subdivision"
    pool = Pool()
    Party = pool.get('party.party')
    values.setdefault('customer_type', 'person')
    with Transaction().set_context(company=company.id):
        party, = Party.create([{
                    'company': company.id, 'name': name,
                    'addresses': [('create', [{
                                    'street': "1 rue de Marseille",
                                    'country': (
                                        subdivision.country.id
                                        if subdivision else None),
                                    'subdivision': (
                                        subdivision.id if subdivision
                                        else None),
                                    }])],
                    **values}])
    return party


def create_sale(company, party, items, date=None, state='quotation'):
    """A sale of the operator to the party of [(product, quantity)] moved
    to the state (draft, quotation or confirmed)"""
    pool = Pool()
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    with Transaction().set_context(company=company.id):
        sale = Sale(company=company, party=party)
        sale.on_change_party()
        sale.sale_date = date or dt.date.today()
        lines = []
        for product, quantity in items:
            # as on_change_product, without the taxes that need accounts
            line = Line(sale=sale, type='line', product=product,
                quantity=quantity, unit=product.sale_uom, taxes=[])
            line.unit_price = line.compute_unit_price()
            line.description = product.rec_name
            lines.append(line)
        sale.lines = lines
        sale.save()
        if state in {'quotation', 'confirmed'}:
            Sale.quote([sale])
        if state == 'confirmed':
            Sale.confirm([sale])
    return Sale(sale.id)
