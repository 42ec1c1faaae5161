# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for tests of the platform's billing: its company, accounts, Stripe"
import datetime as dt
import json
from decimal import Decimal

import stripe

from trytond import config
from trytond.modules.account.tests import get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.telco_base.tests.stripe_server import sign
from trytond.modules.telco_base.tests.tools import run_queue
from trytond.modules.telco_billing.tests.tools import setup_accounting
from trytond.pool import Pool
from trytond.transaction import Transaction

WEBHOOK_SECRET = 'whsec_telco_test'


def get_euro():
    pool = Pool()
    Currency = pool.get('currency.currency')
    currencies = Currency.search([('code', '=', 'EUR')])
    if currencies:
        return currencies[0]
    euro, = Currency.create([{
                'name': 'Euro', 'code': 'EUR', 'symbol': '€',
                'rounding': Decimal('0.01'), 'digits': 2,
                }])
    return euro


def point_stripe_at(server):
    "Send the stripe library's requests to the local Stripe-like server"
    if not config.has_section('telco_platform'):
        config.add_section('telco_platform')
    config.set('telco_platform', 'stripe_api_base', server.url)
    config.set('telco_platform', 'stripe_max_network_retries', '0')


def setup_platform(server, years=()):
    """Create the platform's company in euros with its accounts, fiscal
    years (this year, the next and those given), a Stripe account on the
    server, a card journal, four reminder levels and the configuration;
    return the configuration"""
    pool = Pool()
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    PaymentTerm = pool.get('account.invoice.payment_term')
    Journal = pool.get('account.journal')
    PaymentJournal = pool.get('account.payment.journal')
    StripeAccount = pool.get('account.payment.stripe.account')
    Procedure = pool.get('account.dunning.procedure')
    Configuration = pool.get('telco.platform.configuration')
    today = dt.date.today()
    party, = Party.create([{'name': "Telco CRM Platform"}])
    company, = Company.create([{
                'party': party.id, 'currency': get_euro().id,
                'code': 'PLATFORM', 'brand_name': "Telco CRM Platform",
                'primary_color': '#4B2E83',
                }])
    accounting = setup_accounting(company, today=today)
    with Transaction().set_context(company=company.id):
        done = {accounting['fiscalyear'].start_date.year}
        for year in sorted({today.year + 1, *years} - done):
            fiscalyear = set_invoice_sequences(get_fiscalyear(
                    company, today=dt.date(year, 1, 1)))
            fiscalyear.save()
            FiscalYear.create_period([fiscalyear])
        term, = PaymentTerm.create([{
                    'name': '7 days',
                    'lines': [('create', [{
                                    'type': 'remainder',
                                    'relativedeltas': [('create', [{
                                                    'days': 7}])],
                                    }])],
                    }])
        cash_journal, = Journal.search([('code', '=', 'CASH')])
        clearing, = Account.copy([accounting['accounts']['cash']], default={
                'name': 'Stripe Clearing', 'code': '1.1.9'})
        stripe_account, = StripeAccount.create([{
                    'name': "Platform Stripe",
                    'secret_key': server.secret_key,
                    'publishable_key': 'pk_test_telco',
                    }])
        StripeAccount.new_identifier([stripe_account])
        stripe_account.webhook_signing_secret = (
            server.webhook_secret or WEBHOOK_SECRET)
        stripe_account.save()
        journal, = PaymentJournal.create([{
                    'name': "Cards (Stripe)", 'company': company.id,
                    'currency': company.currency.id,
                    'process_method': 'stripe',
                    'stripe_account': stripe_account.id,
                    'clearing_account': clearing.id,
                    'clearing_journal': cash_journal.id,
                    }])
        procedure, = Procedure.create([{
                    'name': "Platform Invoices",
                    'levels': [('create', [
                                {'sequence': 1,
                                    'overdue': dt.timedelta(days=1),
                                    'notify_operator': True,
                                    'operator_access': 'active'},
                                {'sequence': 2,
                                    'overdue': dt.timedelta(days=7),
                                    'notify_operator': True,
                                    'operator_access': 'active'},
                                {'sequence': 3,
                                    'overdue': dt.timedelta(days=15),
                                    'notify_operator': True,
                                    'operator_access': 'read_only'},
                                {'sequence': 4,
                                    'overdue': dt.timedelta(days=30),
                                    'notify_operator': True,
                                    'operator_access': 'suspended'},
                                ])],
                    }])
    # the operators read the singleton (its defaults, no row yet) when the
    # company was created: the transaction's cache would validate the
    # configuration against those
    Transaction().cache.clear()
    configuration = Configuration(1)
    configuration.platform_company = company
    configuration.account_revenue = accounting['accounts']['revenue']
    configuration.tax = accounting['tax']
    configuration.payment_term = term
    configuration.payment_journal = journal
    configuration.dunning_procedure = procedure
    configuration.invoice_days_before = 7
    configuration.save()
    return configuration


def deliver(account, server):
    """Hand the server's pending events to the account's webhook, each
    checked against its signature as the route does; return the results"""
    results = []
    with server._lock:
        events, server.pending = server.pending, []
    for event in events:
        results.append(account.webhook(signed_event(event, server)))
    # what the webhook queued runs after its commit
    run_queue()
    return results


def signed_event(event, server, secret=None):
    "The stripe Event of the JSON event, through its signature"
    payload = json.dumps(event)
    secret = secret or server.webhook_secret or WEBHOOK_SECRET
    return stripe.Webhook.construct_event(
        payload, sign(payload.encode(), secret), secret)


def save_card(company, server, card='pm_card_visa'):
    """The operator's administrator saves a card: the checkout of a setup
    intent, confirmed on Stripe, and the cron that reads it back"""
    pool = Pool()
    Customer = pool.get('account.payment.stripe.customer')
    Company = pool.get('company.company')
    Company.platform_save_card([company])
    with Transaction().set_user(0), Transaction().set_context(
            _check_access=False):
        company = Company(company.id)
        customer, = Customer.search(
            [('party', '=', company.get_platform_party().id)])
        server.confirm_setup_intent(customer.stripe_setup_intent_id, card)
        Customer.stripe_intent_update()
        return Customer(customer.id)
