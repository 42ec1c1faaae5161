# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Billing: each operator's accounts, VAT and catalogue, quotes (some
accepted: an order and a subscription) and this month's bill run"""
import datetime as dt
from decimal import Decimal

from proteus import Model, config

from .roles import BILLING_GROUPS
from .tools import as_user, find_customer, get_or_create, log, xml_id


# code, name, type, monthly or one-off price (TND, VAT excluded)
CATALOGUE = [
    ('PHONE', "Samsung Galaxy A15", 'goods', '549.000'),
    ('KEY4G', "Clé 4G Huawei", 'goods', '89.000'),
    ('MOBILE', "Forfait Mobile 30 Go", 'service', '35.000'),
    ('FIBRE', "Fibre 100 Mb/s", 'service', '79.900'),
    ('ADSL', "ADSL 8 Mb/s", 'service', '29.900'),
    ]


# customer: products quoted (code, quantity), and whether the customer
# accepted (the services are then subscribed and billed by the bill run)
QUOTES = {
    'OOREDOO': [
        ("Mohamed Ben Ali", [('PHONE', 1), ('FIBRE', 1)], True),
        ("Amira Trabelsi", [('KEY4G', 1), ('MOBILE', 1)], True),
        ("Fatma Gharbi", [('MOBILE', 2)], False),
        ],
    'TT': [
        ("Hela Ben Salem", [('ADSL', 1), ('MOBILE', 1)], True),
        ("Nour Khelifi", [('PHONE', 1)], False),
        ],
    }


def setup_accounting(company):
    """Chart of accounts, fiscal year, 19 % VAT, payment in 30 days and the
    cash desk of the operator (as the Tryton administrator: accounting
    configuration)"""
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    Account = Model.get('account.account')
    Tax = Model.get('account.tax')
    if not Account.find([('company', '=', company.id)], limit=1):
        create_chart(company)
        log(f"  created the chart of accounts of {company.code}")
    accounts = get_accounts(company)
    FiscalYear = Model.get('account.fiscalyear')
    if not FiscalYear.find([('company', '=', company.id)]):
        fiscalyear = set_fiscalyear_invoice_sequences(
            create_fiscalyear(company))
        fiscalyear.click('create_period')
        log(f"  created fiscal year {fiscalyear.name}")
    tax, _ = get_or_create('account.tax', [
            ('company', '=', company.id), ('name', '=', "TVA 19 %"),
            ], {
            'name': "TVA 19 %", 'description': "TVA 19 %",
            'type': 'percentage', 'rate': Decimal('0.19'),
            'invoice_account': accounts['tax'],
            'credit_note_account': accounts['tax'],
            })
    PaymentTerm = Model.get('account.invoice.payment_term')
    terms = PaymentTerm.find([('name', '=', "30 jours")])
    if terms:
        term, = terms
    else:
        term = PaymentTerm(name="30 jours")
        line = term.lines.new(type='remainder')
        line.relativedeltas.new(days=30)
        term.save()
    AccountConfig = Model.get('account.configuration')
    account_config = AccountConfig(1)
    if not account_config.default_customer_payment_term:
        account_config.default_customer_payment_term = term
        account_config.save()
    Journal = Model.get('account.journal')
    cash, = Journal.find([('code', '=', 'CASH')], limit=1)
    get_or_create('account.invoice.payment.method', [
            ('company', '=', company.id), ('name', '=', "Caisse agence"),
            ], {
            'name': "Caisse agence", 'journal': cash,
            'credit_account': accounts['cash'],
            'debit_account': accounts['cash'],
            })
    category, _ = get_or_create('product.category', [
            ('company', '=', company.id), ('name', '=', "Télécom"),
            ], {
            'name': "Télécom", 'accounting': True,
            'account_revenue': accounts['revenue'],
            'account_expense': accounts['expense'],
            })
    if not category.customer_taxes:
        category.customer_taxes.append(Tax(tax.id))
        category.save()
    Company = Model.get('company.company')
    if 'claim_credit_account' in Company._fields:
        company = Company(company.id)
        if not company.claim_credit_account:
            # the credits of financial claims, on the revenue account
            company.claim_credit_account = accounts['revenue']
            company.save()
    return category


def setup_catalogue(company, category_id):
    "The operator's products, the monthly ones as subscription services"
    Category = Model.get('product.category')
    Uom = Model.get('product.uom')
    Service = Model.get('sale.subscription.service')
    RuleSet = Model.get('sale.subscription.recurrence.rule.set')
    unit = Uom(xml_id('product.uom_unit'))
    monthly = RuleSet(xml_id('telco_billing.recurrence_monthly'))
    products = {}
    for code, name, type_, price in CATALOGUE:
        template, created = get_or_create('product.template', [
                ('company', '=', company.id), ('code', '=', code),
                ], {
                'name': name, 'code': code, 'type': type_,
                'default_uom': unit, 'salable': True, 'sale_uom': unit,
                'list_price': Decimal(price),
                'account_category': Category(category_id),
                })
        product, = template.products
        products[code] = product
        if type_ == 'service' and not Service.find(
                [('product', '=', product.id)]):
            Service(product=product, consumption_recurrence=monthly).save()
    return products


def setup_quotes(company, products):
    """Quote requests turned into sent quotes; the accepted ones order the
    goods and subscribe the services of the customer's payer account"""
    Quote = Model.get('telco.quote')
    Request = Model.get('telco.quote.request')
    Product = Model.get('product.product')
    products = {code: Product(p.id) for code, p in products.items()}
    PayerAccount = Model.get('telco.payer_account')
    for name, lines, accepted in QUOTES[company.code]:
        customer = find_customer(company, name)
        if customer is None or Quote.find([('customer', '=', customer.id)]):
            continue
        request = Request(customer=customer, channel='shop')
        request.description = ', '.join(
            products[code].rec_name for code, _ in lines)
        for code, quantity in lines:
            request.lines.new(product=products[code], quantity=quantity)
        request.save()
        request.click('create_quote')
        request.reload()
        quote = request.quote
        accounts = PayerAccount.find([('customer', '=', customer.id)])
        if accounts:
            quote.payer_account = accounts[0]
            quote.save()
        quote.click('send')
        if accepted:
            quote.click('accept')
        log(f"  quote {quote.rec_name} for {name}: {quote.state}")


def run_bill(company):
    "This month's bill run of the operator"
    BillRun = Model.get('telco.bill_run')
    today = dt.date.today()
    if BillRun.find([('company', '=', company.id), ('date', '=', today)]):
        return
    bill_run = BillRun(date=today)
    bill_run.save()
    bill_run.click('run')
    bill_run.reload()
    log(f"  bill run {bill_run.rec_name}: {bill_run.invoice_count} "
        f"invoices, {bill_run.state}")
    # the billing officer posts those that bill services, not those that
    # hold only claims' credits: the month's revenue
    Invoice = Model.get('account.invoice')
    invoices = [i for i in Invoice.find([
                ('company', '=', company.id), ('type', '=', 'out'),
                ('state', '=', 'draft'), ('invoice_date', '=', today)])
        if i.untaxed_amount > 0]
    if invoices:
        Invoice.click(invoices, 'post')
        log(f"  {len(invoices)} invoices posted")


def load(company, values, password, lang):
    """The billing officer, accounting and catalogue, the agent's quotes and
    the bill run"""
    from .telco_base import setup_user
    with config.get_config().set_context(company=company.id):
        setup_user(
            f"{values['login']}_billing",
            f"{values['brand_name']} Billing Officer",
            BILLING_GROUPS, [company], company, password, lang)
        category = setup_accounting(company)
    with as_user(f"{values['login']}_billing"):
        operator = Model.get('company.company')(company.id)
        products = setup_catalogue(operator, category.id)
    with as_user(f"{values['login']}_agent"):
        operator = Model.get('company.company')(company.id)
        setup_quotes(operator, products)
    with as_user(f"{values['login']}_billing"):
        run_bill(Model.get('company.company')(company.id))
