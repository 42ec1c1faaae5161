# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Shops: their managers, address, hours, services and accessories in
stock"""
import datetime as dt
from decimal import Decimal

from proteus import Model, config

from .roles import SHOP_GROUPS, SHOP_MANAGER_GROUPS
from .tools import (
    as_user, find_customer, get_or_create, groups, log, xml_id)


# the services of the shops: (code, name, name in French)
SHOP_SERVICES = [
    ('new_line', "New Line", "Nouvelle ligne"),
    ('sim_swap', "SIM Replacement", "Remplacement de SIM"),
    ('puk', "PUK Code", "Code PUK"),
    ('payment', "Bill Payment", "Paiement de factures"),
    ('repair', "Repair", "Réparation"),
    ('fibre', "Fibre Subscription", "Abonnement fibre"),
    ]


# accessories received in the shops: (code, name, price, quantity in each
# shop, in the order of their codes)
SHOP_STOCK = [
    ('CASE', "Coque silicone", '25.000', [12, 0, 4]),
    ('CHARGER', "Chargeur USB-C 25 W", '39.000', [6, 3, 0]),
    ]

# sales at the shops' cash desks: (days ago, shop in the order of their
# codes, [(accessory, quantity)])
SHOP_SALES = [
    (2, 0, [('CASE', 1)]),
    (4, 0, [('CASE', 2), ('CHARGER', 1)]),
    (6, 1, [('CHARGER', 1)]),
    (9, 0, [('CHARGER', 1)]),
    (12, 2, [('CASE', 1)]),
    (15, 0, [('CASE', 1)]),
    (19, 1, [('CHARGER', 1)]),
    (23, 0, [('CASE', 1), ('CHARGER', 1)]),
    (27, 2, [('CASE', 1)]),
    (41, 0, [('CASE', 1)]),
    (55, 0, [('CHARGER', 1)]),
    ]


def setup_shop_managers(company, shops, lang):
    """The manager of each shop: an employee of the operator (a person of
    its own) with a user, without password, who receives the shop's
    low-stock alerts; return the users by shop code"""
    Party = Model.get('party.party')
    Employee = Model.get('company.employee')
    User = Model.get('res.user')
    Company = Model.get('company.company')
    managers = {}
    for code, *_, (first_name, last_name) in shops:
        name = f'{first_name} {last_name}'
        login = '.'.join([company.code.lower(), first_name.lower(),
                last_name.lower().replace(' ', '')])
        users = User.find([('login', '=', login)])
        if users:
            managers[code] = users[0]
            continue
        party = find_customer(company, name)
        if party is None:
            party = Party(company=company, customer_type='person')
            # staff of the operator, not a customer
            party.customer_base = False
            party.first_name = first_name
            party.last_name = last_name
            party.name = name
            party.save()
        employees = Employee.find([
                ('party', '=', party.id), ('company', '=', company.id)])
        if employees:
            employee, = employees
        else:
            employee = Employee(party=party, company=company)
            employee.save()
        user = User(login=login, name=name, email=f'{login}@example.com')
        user.language = lang
        user.groups.extend(groups(SHOP_MANAGER_GROUPS))
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        user.employees.append(Employee(employee.id))
        user.employee = Employee(employee.id)
        user.save()
        managers[code] = user
        log(f"  created shop manager {login} ({name})")
    return managers


def setup_shops(company, shops, managers):
    """The operator's shops with their address, phone and manager, their
    hours, a Ramadan exception and services"""
    Shop = Model.get('telco.shop')
    Service = Model.get('telco.shop.service')
    User = Model.get('res.user')
    services = []
    for code, name, french in SHOP_SERVICES:
        # the names in English, the language of the database, and in French
        with config.get_config().set_context(language='en'):
            service, _ = get_or_create('telco.shop.service', [
                    ('company', '=', company.id), ('code', '=', code)],
                {'code': code, 'name': name})
            service = Service(service.id)
            if service.name != name:
                service.name = name
                service.save()
        with config.get_config().set_context(language='fr'):
            service = Service(service.id)
            if service.name != french:
                service.name = french
                service.save()
        services.append(service)
    for (code, name, latitude, longitude, city, sunday, street, postal_code,
            phone, _) in shops:
        manager = User(managers[code].id)
        found = Shop.find([('code', '=', code)])
        if found:
            # a demo loaded before the shops had their address and manager
            shop, = found
            if not shop.manager or not shop.street:
                shop.street, shop.postal_code = street, postal_code
                shop.phone, shop.manager = phone, manager
                shop.save()
                log(f"  address, phone and manager of {shop.rec_name}")
            continue
        shop = Shop(code=code, name=name, street=street,
            postal_code=postal_code, city=city, latitude=latitude,
            longitude=longitude, phone=phone, manager=manager,
            calendar=shop_calendar(company, sunday))
        shop.services.extend(
            Service(s.id) for s in services[:4 if sunday else 3])
        shop.save()
        log(f"  shop {shop.rec_name}")


def shop_calendar(company, sunday):
    """The opening hours the operator's shops share: Monday to Saturday
    08:00-19:00, Sunday morning for those that open then, shorter during
    next Ramadan, closed on New Year's Day"""
    Calendar = Model.get('telco.calendar')
    name = "Boutiques, dimanche matin" if sunday else "Boutiques"
    found = Calendar.find([('company', '=', company.id), ('name', '=', name)])
    if found:
        return found[0]
    calendar = Calendar(company=company, name=name)
    for day in range(7 if sunday else 6):
        hours = calendar.hours.new(weekday=str(day))
        if day == 6:
            hours.start_time, hours.end_time = dt.time(10), dt.time(14)
        else:
            hours.start_time, hours.end_time = dt.time(8), dt.time(19)
    year = dt.date.today().year
    ramadan = calendar.exceptions.new(name="Ramadan")
    ramadan.start_date = dt.date(year + 1, 2, 18)
    ramadan.end_date = dt.date(year + 1, 3, 19)
    ramadan.start_time, ramadan.end_time = dt.time(9), dt.time(15)
    for new_year_day in [dt.date(year, 1, 1), dt.date(year + 1, 1, 1)]:
        new_year = calendar.exceptions.new(name="Nouvel an")
        new_year.start_date = new_year.end_date = new_year_day
        new_year.closed = True
    calendar.save()
    log(f"  opening hours {name} of {company.code}")
    return calendar


def setup_shop_stock(company):
    "Accessories received from the supplier into the shops' storage"
    Uom = Model.get('product.uom')
    Location = Model.get('stock.location')
    Move = Model.get('stock.move')
    Shop = Model.get('telco.shop')
    ShopStock = Model.get('telco.shop.stock')
    unit = Uom(xml_id('product.uom_unit'))
    supplier, = Location.find([('type', '=', 'supplier')], limit=1)
    shops = Shop.find([('company', '=', company.id)], order=[('code', 'ASC')])
    for code, name, price, quantities in SHOP_STOCK:
        template, _ = get_or_create('product.template', [
                ('company', '=', company.id), ('code', '=', code),
                ], {
                'name': name, 'code': code, 'type': 'goods',
                'telco_kind': 'accessory', 'default_uom': unit,
                'salable': True, 'sale_uom': unit,
                'list_price': Decimal(price),
                })
        product, = template.products
        if not product.cost_price:
            # what they cost, 60 % of their price: the stock's value
            product.cost_price = (Decimal(price) * Decimal('0.6')).quantize(
                Decimal('0.001'))
            product.save()
        for shop, quantity in zip(shops, quantities * len(shops)):
            if not quantity or ShopStock.find([
                        ('shop', '=', shop.id),
                        ('product', '=', product.id)]):
                continue
            # received before the shop sales of the last two months
            move = Move(
                product=product, unit=unit, quantity=quantity,
                from_location=supplier,
                to_location=shop.warehouse.storage_location,
                unit_price=Decimal(price), currency=company.currency,
                effective_date=dt.date.today() - dt.timedelta(days=90))
            move.save()
            move.click('do')
            log(f"  {quantity} {name} received at {shop.rec_name}")


def setup_cash_desks(company):
    """A cash desk in each shop, selling from its stock, paid in cash (as
    the Tryton administrator: accounting configuration); none without the
    operator's chart of accounts (billing)"""
    from trytond.modules.account.tests.tools import get_accounts
    POS = Model.get('sale.point')
    Journal = Model.get('account.journal')
    Location = Model.get('stock.location')
    Sequence = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')
    Shop = Model.get('telco.shop')
    if not Model.get('account.account').find(
            [('company', '=', company.id)], limit=1):
        return
    accounts = get_accounts(company)
    get_or_create('sale.point.payment.method', [
            ('company', '=', company.id), ('name', '=', "Espèces"),
            ], {
            'company': company, 'name': "Espèces",
            'account': accounts['cash'], 'cash': True,
            })
    # the accessories get the accounts and taxes of the catalogue
    category, = Model.get('product.category').find([
            ('company', '=', company.id), ('accounting', '=', True)],
        limit=1)
    Template = Model.get('product.template')
    for template in Template.find([
                ('company', '=', company.id),
                ('code', 'in', [c for c, _, _, _ in SHOP_STOCK]),
                ('account_category', '=', None),
                ]):
        template.account_category = category
        template.save()
    customer, = Location.find([('type', '=', 'customer')], limit=1)
    journal, = Journal.find([('type', '=', 'revenue')], limit=1)
    for shop in Shop.find([('company', '=', company.id)]):
        if POS.find([('shop', '=', shop.id)]):
            continue
        sequence = Sequence(
            name=f"Caisse {shop.code}", company=company,
            sequence_type=SequenceType(
                xml_id('sale_point.sequence_type_sale')))
        sequence.save()
        storage = shop.warehouse.storage_location
        POS(name=shop.name, company=company, shop=shop, journal=journal,
            sequence=sequence, storage_location=storage,
            return_location=storage, customer_location=customer).save()
        log(f"  cash desk of {shop.rec_name}")


def setup_shop_sales(company):
    "The accessories sold at the cash desks over the last two months"
    POS = Model.get('sale.point')
    Sale = Model.get('sale.point.sale')
    Payment = Model.get('sale.point.payment')
    Method = Model.get('sale.point.payment.method')
    Product = Model.get('product.product')
    points = POS.find(
        [('company', '=', company.id), ('shop', '!=', None)],
        order=[('shop.code', 'ASC')])
    if not points or Sale.find([('company', '=', company.id)], limit=1):
        return
    cash, = Method.find([('company', '=', company.id), ('cash', '=', True)])
    today = dt.date.today()
    for days, index, items in SHOP_SALES:
        if index >= len(points):
            continue
        sale = Sale(point=points[index])
        sale.date = today - dt.timedelta(days=days)
        for code, quantity in items:
            product, = Product.find([
                    ('template.company', '=', company.id),
                    ('code', '=', code),
                    ])
            line = sale.lines.new()
            line.product = product
            line.quantity = quantity
        sale.save()
        Payment(sale=sale, method=cash, amount=sale.amount_to_pay).save()
        sale.click('process')
        log(f"  shop sale of {sale.date} at {points[index].name}: "
            f"{sale.total}")


def post_shop_sales(company):
    '''Post the shop sales done (as the accounting does): the accessories
    leave the shop's stock'''
    Sale = Model.get('sale.point.sale')
    sales = Sale.find([('company', '=', company.id), ('state', '=', 'done')])
    if sales:
        Sale.click(sales, 'post')
        log(f"  {len(sales)} shop sales posted")


def load(company, values, password, lang):
    "The shop manager user, the managers of each shop, shops and stock"
    from .telco_base import setup_user
    with config.get_config().set_context(company=company.id):
        setup_user(
            f"{values['login']}_shop", f"{values['brand_name']} Shop Manager",
            SHOP_GROUPS, [company], company, password, lang)
        managers = setup_shop_managers(company, values['shops'], lang)
    with as_user(f"{values['login']}_shop"):
        setup_shops(
            Model.get('company.company')(company.id), values['shops'],
            managers)
        setup_shop_stock(Model.get('company.company')(company.id))
    with config.get_config().set_context(company=company.id):
        setup_cash_desks(Model.get('company.company')(company.id))
    with as_user(f"{values['login']}_shop"):
        setup_shop_sales(Model.get('company.company')(company.id))
    with config.get_config().set_context(company=company.id):
        post_shop_sales(Model.get('company.company')(company.id))
