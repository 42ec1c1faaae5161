# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for tests with shops: shops with hours, products, stock, a cash desk"
import datetime as dt
from decimal import Decimal

from trytond.modules.telco_line.tests.tools import luhn_complete
from trytond.modules.telco_base.tests.tools import STAFF_GROUPS
from trytond.pool import Pool
from trytond.transaction import Transaction

SHOP_AGENT = STAFF_GROUPS + [
    'telco_stock.group_shop_agent', 'sale_point.group_sale_point',
    'sale_point.group_sale_point_posting', 'stock.group_stock']
SHOP_MANAGER = SHOP_AGENT + ['telco_stock.group_shop_manager']
STOCK_MANAGER = SHOP_MANAGER + [
    'telco_stock.group_stock_manager', 'stock.group_stock_admin',
    'product.group_product_admin',
    'account_product.group_account_product_admin']

WEEK = [str(d) for d in range(6)]  # Monday to Saturday


def create_shop(company, code, name, latitude, longitude, city='Tunis',
        hours=((dt.time(8), dt.time(18)),), days=WEEK, services=(),
        manager=None):
    "Create a shop open on the days with the hours, in a calendar of its own"
    pool = Pool()
    Shop = pool.get('telco.shop')
    Service = pool.get('telco.shop.service')
    Calendar = pool.get('telco.calendar')
    with Transaction().set_context(company=company.id):
        calendar, = Calendar.create([{
                    'company': company.id, 'name': name,
                    'hours': [('create', [{
                                    'weekday': day, 'start_time': opening,
                                    'end_time': closing}
                                for day in days
                                for opening, closing in hours])],
                    }])
        service_ids = []
        for service_code in services:
            found = Service.search([
                    ('company', '=', company.id),
                    ('code', '=', service_code),
                    ])
            if not found:
                found = Service.create([{
                            'company': company.id, 'code': service_code,
                            'name': service_code.replace('_', ' ').title(),
                            }])
            service_ids.append(found[0].id)
        shop, = Shop.create([{
                    'company': company.id, 'code': code, 'name': name,
                    'city': city, 'latitude': latitude,
                    'longitude': longitude,
                    'manager': manager.id if manager else None,
                    'services': [('add', service_ids)],
                    'calendar': calendar.id,
                    }])
    return shop


def create_stock_products(company, account_category=None, suffix=''):
    """A phone (IMEI), a SIM card (ICCID) and an accessory of the operator,
    by code; their product codes end with the suffix"""
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    products = {}
    with Transaction().set_context(company=company.id):
        for code, name, kind, price in [
                ('PHONE', 'Samsung Galaxy A15', 'phone', '549.000'),
                ('SIM', 'Carte SIM prépayée', 'sim', '5.000'),
                ('CASE', 'Coque silicone', 'accessory', '25.000'),
                ]:
            template, = Template.create([{
                        'name': name, 'code': code + suffix,
                        'type': 'goods',
                        'telco_kind': kind, 'company': company.id,
                        'default_uom': unit.id, 'salable': True,
                        'sale_uom': unit.id,
                        'list_price': Decimal(price),
                        'gross_price': Decimal(price),
                        'account_category': (
                            account_category.id if account_category
                            else None),
                        'products': [('create', [{}])],
                        }])
            products[code] = template.products[0]
    return products


def imei(n):
    "A valid IMEI"
    return luhn_complete('35693803%06d' % n)


def create_lots(company, product, numbers):
    pool = Pool()
    Lot = pool.get('stock.lot')
    with Transaction().set_context(company=company.id):
        return Lot.create([{
                    'company': company.id, 'product': product.id,
                    'number': number} for number in numbers])


def create_sim_lots(company, product, count, start=0):
    "SIM cards of the operator and their lots"
    pool = Pool()
    Sim = pool.get('telco.sim')
    Lot = pool.get('stock.lot')
    with Transaction().set_context(company=company.id):
        sims = Sim.create([{
                    'company': company.id,
                    'iccid': luhn_complete(
                        '8921601%011d' % (company.id * 100000 + start + i)),
                    'puk': '12345678',
                    } for i in range(count)])
        return Lot.create([{
                    'company': company.id, 'product': product.id,
                    'sim': sim.id, 'number': sim.iccid} for sim in sims])


def receive(company, location, product, quantity=1, lot=None,
        date=None, unit_price=Decimal('10')):
    "Done move from the supplier into the location"
    pool = Pool()
    Move = pool.get('stock.move')
    Location = pool.get('stock.location')
    supplier, = Location.search([('type', '=', 'supplier')], limit=1)
    with Transaction().set_context(company=company.id):
        move, = Move.create([{
                    'company': company.id, 'product': product.id,
                    'unit': product.default_uom.id, 'quantity': quantity,
                    'from_location': supplier.id,
                    'to_location': location.id,
                    'lot': lot.id if lot else None,
                    'unit_price': unit_price,
                    'currency': company.currency.id,
                    'effective_date': date or dt.date.today(),
                    }])
        Move.do([move])
    return move


def create_cash_desk(company, shop, accounting):
    "A point of sale in the shop, selling from its stock, paid in cash"
    pool = Pool()
    POS = pool.get('sale.point')
    Sequence = pool.get('ir.sequence.strict')
    Journal = pool.get('account.journal')
    Location = pool.get('stock.location')
    PaymentMethod = pool.get('sale.point.payment.method')
    ModelData = pool.get('ir.model.data')
    customer, = Location.search([('type', '=', 'customer')], limit=1)
    with Transaction().set_context(company=company.id):
        journal, = Journal.search([('type', '=', 'revenue')], limit=1)
        sequence, = Sequence.create([{
                    'name': f'POS {shop.code}', 'company': company.id,
                    'sequence_type': ModelData.get_id(
                        'sale_point', 'sequence_type_sale'),
                    }])
        point, = POS.create([{
                    'name': shop.name, 'company': company.id,
                    'shop': shop.id, 'journal': journal.id,
                    'sequence': sequence.id,
                    'storage_location': shop.warehouse.storage_location.id,
                    'return_location': shop.warehouse.storage_location.id,
                    'customer_location': customer.id,
                    }])
        methods = PaymentMethod.search([
                ('company', '=', company.id), ('cash', '=', True)])
        if methods:
            method, = methods
        else:
            method, = PaymentMethod.create([{
                        'company': company.id, 'name': 'Espèces',
                        'account': accounting['accounts']['cash'].id,
                        'cash': True,
                        }])
    return point, method


def create_account_category(company, accounting):
    pool = Pool()
    Category = pool.get('product.category')
    accounts = accounting['accounts']
    with Transaction().set_context(company=company.id):
        category, = Category.create([{
                    'name': 'Boutique', 'company': company.id,
                    'accounting': True,
                    'account_revenue': accounts['revenue'].id,
                    'account_expense': accounts['expense'].id,
                    'customer_taxes': [('add', [accounting['tax'].id])],
                    }])
    return category


def pos_lines(sale, items):
    "Lines of the shop sale for [(product, quantity, values)], as the client"
    pool = Pool()
    Line = pool.get('sale.point.sale.line')
    lines = []
    for product, quantity, values in items:
        line = Line(sale=sale, product=product, quantity=quantity)
        line.on_change_product()
        for name, value in values.items():
            setattr(line, name, value)
        lines.append(line)
    return lines
