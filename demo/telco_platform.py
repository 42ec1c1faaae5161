# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The platform's billing of the operators: its company in euros, five
months of invoices; Ooredoo pays each by card, Tunisie Telecom leaves its
last one unpaid (reminded, within its grace period); a negotiated price and
a trial"""
import datetime as dt
import os
import types
from decimal import Decimal

from proteus import config

from .tools import log, months_ago

# the platform's Stripe account: test keys of a real Stripe account may be
# given in the environment (README: "Paying by card"); without them the
# demo's past payments are recorded as Stripe would have, and a new one
# waits for Stripe
STRIPE = types.SimpleNamespace(
    secret_key=os.environ.get('TELCO_STRIPE_SECRET_KEY', 'sk_test_demo'),
    webhook_secret=os.environ.get('TELCO_STRIPE_WEBHOOK_SECRET',
        'whsec_demo'))


def load_platform(operators, password, lang):
    from trytond.modules.telco_base.tests.tools import committed
    current = config.get_config()
    committed(current.database_name, _load, [o.id for o in operators])


def _load(operator_ids):
    from trytond.pool import Pool
    pool = Pool()
    Company = pool.get('company.company')
    if Company.search([('code', '=', 'PLATFORM')]):
        log("  the platform's billing is set up already")
        return
    from trytond.modules.telco_platform.tests.tools import setup_platform
    Subscription = pool.get('telco.operator.feature')
    Bill = pool.get('telco.platform.bill')
    Date = pool.get('ir.date')
    today = Date.today()
    first = months_ago(5, day=25)
    config = setup_platform(STRIPE, years=range(first.year, today.year + 2))
    platform = config.platform_company
    platform.brand_name = "Telco CRM Platform"
    platform.admin_email = 'billing@telco-crm.example.com'
    platform.save()
    log(f"  created the platform's company {platform.rec_name}")

    operators = Company.browse(operator_ids)
    ooredoo, tt = operators
    # Tunisie Telecom negotiated 10 % off; Ooredoo tried the dashboard free
    # for its first month
    for subscription in tt.features:
        subscription.discount = Decimal(10)
    for subscription in ooredoo.features:
        if subscription.feature.code == 'dashboard':
            subscription.free_until = (
                subscription.start_date + dt.timedelta(days=30))
    Subscription.save(list(tt.features) + list(ooredoo.features))

    for months in range(5, 0, -1):
        Bill.invoice_operators(months_ago(months, day=25))
    bills = Bill.invoice_operators(today)
    bills = Bill.search([], order=[('date', 'ASC'), ('id', 'ASC')])
    log(f"  issued {len(bills)} invoices to the operators")

    unpaid = [b for b in bills
        if b.company == tt and b.due_date < today][-1:]
    paid = [b for b in bills if b.due_date < today and b not in unpaid]
    for bill in paid:
        _paid_by_card(pool, config, bill)
    log(f"  {len(paid)} invoices paid by card, {len(unpaid)} overdue")
    for bill in unpaid:
        # within the grace period: the platform administrator held the
        # reminders of an invoice more than two weeks late
        Bill.dun(today)
        if (today - bill.due_date).days >= 15:
            Dunning = pool.get('account.dunning')
            dunnings = Dunning.search([('line.move.origin', '=',
                        str(bill.invoice))])
            Dunning.write(dunnings, {'blocked': True})
            Company.platform_update_service_state([tt])


def _paid_by_card(pool, config, bill):
    """Record the card payment of the bill as Stripe's events would have:
    the intent succeeded on the due date"""
    from trytond.transaction import Transaction
    Payment = pool.get('account.payment')
    invoice = bill.invoice
    line, = [l for l in invoice.lines_to_pay if not l.reconciliation]
    payment = Payment(
        company=config.platform_company, kind='receivable',
        journal=config.payment_journal, party=invoice.party, line=line,
        currency=invoice.currency, amount=line.payment_amount,
        date=bill.due_date, reference=bill.number,
        stripe_payment_intent_id=f'pi_demo_{bill.id:06d}',
        stripe_captured=True)
    payment.save()
    Payment.submit([payment])
    Payment.proceed([payment])
    with Transaction().set_context(clearing_date=bill.due_date):
        Payment.succeed([payment])

