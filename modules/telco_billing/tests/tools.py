# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for tests that bill: an operator with its accounting and catalogue"
import datetime as dt
from decimal import Decimal

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.telco_base.tests.tools import STAFF_GROUPS
from trytond.pool import Pool
from trytond.transaction import Transaction

AGENT = STAFF_GROUPS + [
    'telco_billing.group_quote', 'sale.group_sale',
    'product.group_product_admin']
BILLING = AGENT + ['telco_billing.group_billing', 'account.group_account']


def setup_accounting(company, vat=Decimal('0.19'), today=None):
    """Give the operator a chart of accounts, an open fiscal year with
    invoice sequences, a VAT and a payment term; return them by name"""
    pool = Pool()
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    Tax = pool.get('account.tax')
    PaymentTerm = pool.get('account.invoice.payment_term')
    PaymentMethod = pool.get('account.invoice.payment.method')
    Journal = pool.get('account.journal')
    Configuration = pool.get('account.configuration')
    today = today or dt.date.today()
    with Transaction().set_context(company=company.id):
        create_chart(company)
        fiscalyear = set_invoice_sequences(
            get_fiscalyear(company, today=today))
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])

        def account(**domain):
            return Account.search(
                [('company', '=', company.id), ('closed', '!=', True)]
                + [(k.replace('__', '.'), '=', v) for k, v in domain.items()],
                limit=1)[0]
        accounts = {
            'receivable': account(type__receivable=True),
            'revenue': account(type__revenue=True),
            'expense': account(type__expense=True),
            'tax': account(code='6.3.6'),
            'cash': account(code='1.1.1'),
            }
        tax, = Tax.create([{
                    'company': company.id,
                    'name': 'VAT %s%%' % (vat * 100).normalize(),
                    'description': 'VAT %s%%' % (vat * 100).normalize(),
                    'type': 'percentage',
                    'rate': vat,
                    'invoice_account': accounts['tax'].id,
                    'credit_note_account': accounts['tax'].id,
                    }])
        terms = PaymentTerm.search([('name', '=', '30 days')])
        if terms:
            term, = terms
        else:
            term, = PaymentTerm.create([{
                        'name': '30 days',
                        'lines': [('create', [{
                                        'type': 'remainder',
                                        'relativedeltas': [('create', [{
                                                        'days': 30}])],
                                        }])],
                        }])
        config = Configuration(1)
        config.default_customer_payment_term = term
        config.save()
        cash, = Journal.search([('code', '=', 'CASH')])
        method, = PaymentMethod.create([{
                    'company': company.id, 'name': 'Cash',
                    'journal': cash.id,
                    'credit_account': accounts['cash'].id,
                    'debit_account': accounts['cash'].id,
                    }])
    return {
        'accounts': accounts, 'tax': tax, 'payment_term': term,
        'payment_method': method, 'fiscalyear': fiscalyear,
        }


def create_catalogue(company, accounting):
    """Create the operator's accounting category and a few products:
    a phone (goods), a 4G key (goods) and two monthly services"""
    pool = Pool()
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Service = pool.get('sale.subscription.service')
    ModelData = pool.get('ir.model.data')
    unit, = Uom.search([('name', '=', 'Unit')])
    monthly = ModelData.get_id('telco_billing', 'recurrence_monthly')
    accounts = accounting['accounts']
    with Transaction().set_context(company=company.id):
        category, = Category.create([{
                    'name': 'Telecom', 'company': company.id,
                    'accounting': True,
                    'account_revenue': accounts['revenue'].id,
                    'account_expense': accounts['expense'].id,
                    'customer_taxes': [('add', [accounting['tax'].id])],
                    }])
        products = {}
        for code, name, type_, price in [
                ('PHONE', 'Samsung Galaxy A15', 'goods', '549.000'),
                ('KEY4G', 'Clé 4G Huawei', 'goods', '89.000'),
                ('MOBILE', 'Forfait Mobile 30 Go', 'service', '35.000'),
                ('FIBRE', 'Fibre 100 Mb/s', 'service', '79.900'),
                ]:
            template, = Template.create([{
                        'name': name, 'code': code, 'type': type_,
                        'company': company.id,
                        'default_uom': unit.id, 'salable': True,
                        'sale_uom': unit.id,
                        'list_price': Decimal(price),
                        'account_category': category.id,
                        'products': [('create', [{}])],
                        }])
            products[code] = template.products[0]
        Service.create([{
                    'product': products[code].id,
                    'consumption_recurrence': monthly,
                    } for code in ['MOBILE', 'FIBRE']])
    return products


def create_invoice(company, party, product, price, date=None):
    "A draft customer invoice of the operator: one line of the product"
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Line = pool.get('account.invoice.line')
    with Transaction().set_context(company=company.id):
        invoice = Invoice(company=company, type='out', party=party,
            invoice_date=date or dt.date.today(), currency=company.currency)
        invoice.on_change_party()
        invoice.set_journal()
        line = Line(invoice=invoice, type='line', product=product,
            quantity=1, company=company, currency=company.currency)
        line.on_change_product()
        line.unit_price = Decimal(price)
        invoice.lines = [line]
        invoice.save()
        Invoice.update_taxes([invoice])
    return invoice
