# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import logging
from decimal import Decimal
from itertools import groupby

import stripe

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.telco_base.model import OperatorMixin
from trytond.modules.telco_base.report import BrandedReport
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import stripe_
from .configuration import platform_side
from .exceptions import PaymentError
from .proration import month_start, next_month

logger = logging.getLogger(__name__)


class Bill(OperatorMixin, ModelSQL, ModelView):
    """An invoice of the platform to the operator, as the operator sees it.

    The invoice itself belongs to the platform's company and its
    accounting; the bill is its copy on the operator's side, kept in step
    with it, so that the operator's staff read their invoices behind the
    same walls as the rest of their records."""
    __name__ = 'telco.platform.bill'
    __string__ = "Platform Invoice"
    _rec_name = 'number'

    number = fields.Char("Number", readonly=True)
    date = fields.Date("Date", readonly=True)
    due_date = fields.Date("Due Date", readonly=True)
    period_start = fields.Date("From", readonly=True)
    period_end = fields.Date("To", readonly=True)
    currency_code = fields.Char("Currency", size=3, readonly=True)
    untaxed_amount = fields.Numeric(
        "Untaxed", digits=(16, 2), readonly=True)
    tax_amount = fields.Numeric("Tax", digits=(16, 2), readonly=True)
    total_amount = fields.Numeric("Total", digits=(16, 2), readonly=True)
    amount_to_pay = fields.Numeric(
        "Amount to Pay", digits=(16, 2), readonly=True)
    state = fields.Selection([
            ('due', "Due"),
            ('paid', "Paid"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, sort=False)
    paid_date = fields.Date("Paid on", readonly=True)
    overdue_days = fields.Function(
        fields.Integer("Days Overdue"), 'get_overdue_days')
    charges = fields.One2Many(
        'telco.platform.charge', 'bill', "Charges", readonly=True)
    payment_state = fields.Selection([
            (None, ""),
            ('processing', "Processing"),
            ('retry', "Waiting for Stripe"),
            ('failed', "Failed"),
            ('succeeded', "Succeeded"),
            ], "Card Payment", readonly=True,
        help="Where the last card payment of the invoice is.")
    payment_message = fields.Char("Payment Message", readonly=True)
    reminders = fields.Integer(
        "Reminders", readonly=True,
        help="How many reminders of the unpaid invoice were sent.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'pay': {
                    'invisible': Eval('state') != 'due',
                    'depends': ['state'],
                    'icon': 'tryton-ok',
                    },
                })

    @classmethod
    def default_state(cls):
        return 'due'

    @classmethod
    def default_reminders(cls):
        return 0

    def get_overdue_days(self, name):
        pool = Pool()
        Date = pool.get('ir.date')
        if self.state == 'due' and self.due_date:
            return max((Date.today() - self.due_date).days, 0)

    # -- the platform's invoice ----------------------------------------------
    @property
    def invoice(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        with platform_side():
            invoices = Invoice.search(
                [('platform_bill', '=', self.id)], limit=1)
            invoices = Invoice.browse(invoices)
        return invoices[0] if invoices else None

    @classmethod
    def issue(cls, company, charges, date=None):
        """Invoice the unsaved charges to the operator from the platform's
        company: post the invoice, save the bill and the charges, e-mail
        the invoice.  Return the bill (None without charges)"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Currency = pool.get('currency.currency')
        Charge = pool.get('telco.platform.charge')
        Date = pool.get('ir.date')
        if not charges:
            return None
        with platform_side() as config:
            date = date or Date.today()
            party = company.get_platform_party()
            code = (charges[0].currency_code
                or config.platform_company.currency.code)
            currency, = Currency.search([('code', '=', code)], limit=1)
            bill = cls(company=company, state='due', date=date,
                currency_code=currency.code,
                period_start=min(c.period_start for c in charges),
                period_end=max(c.period_end for c in charges))
            bill.save()
            invoice = Invoice(
                company=config.platform_company, type='out', party=party,
                invoice_date=date, currency=currency, platform_bill=bill)
            invoice.on_change_party()
            invoice.set_journal()
            if config.payment_term:
                invoice.payment_term = config.payment_term
            lines = []
            for charge in sorted(charges, key=lambda c: (
                        c.period_start, c.feature.sequence or 0,
                        c.feature.id)):
                charge.bill = bill
                lines.append(InvoiceLine(
                        invoice=invoice, type='line', quantity=1,
                        company=config.platform_company, currency=currency,
                        account=config.account_revenue,
                        description=charge.description,
                        unit_price=charge.amount,
                        taxes=[config.tax] if config.tax else []))
            invoice.lines = lines
            invoice.save()
            Charge.save(charges)
            for charge, line in zip(
                    sorted(charges, key=lambda c: (
                            c.period_start, c.feature.sequence or 0,
                            c.feature.id)),
                    invoice.lines):
                line.origin = charge
            InvoiceLine.save(invoice.lines)
            Invoice.update_taxes([invoice])
            Invoice.post([invoice])
            bill = cls(bill.id)
        if bill.state == 'due':
            cls.__queue__.send_invoice([bill])
        return bill

    @classmethod
    def sync(cls, invoices):
        "Copy the state and amounts of the platform's invoices to their bills"
        pool = Pool()
        Date = pool.get('ir.date')
        paid = []
        with platform_side():
            for invoice in invoices:
                bill = invoice.platform_bill
                if not bill:
                    continue
                state = {
                    'paid': 'paid',
                    'cancelled': 'cancelled',
                    }.get(invoice.state, 'due')
                if state == 'paid' and bill.state != 'paid':
                    paid.append(bill)
                    bill.paid_date = invoice.reconciled or Date.today()
                elif state != 'paid':
                    bill.paid_date = None
                bill.state = state
                bill.number = invoice.number
                bill.untaxed_amount = invoice.untaxed_amount
                bill.tax_amount = invoice.tax_amount
                bill.total_amount = invoice.total_amount
                bill.amount_to_pay = (
                    invoice.amount_to_pay if state == 'due' else Decimal(0))
                lines = invoice.lines_to_pay
                if lines:
                    bill.due_date = min(
                        l.maturity_date or invoice.invoice_date
                        for l in lines)
                else:
                    bill.due_date = invoice.invoice_date
                bill.save()
            if paid:
                cls.on_paid(paid)

    @classmethod
    def on_paid(cls, bills):
        """Run the features added once their payment arrives, restore the
        operator and send the receipt"""
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        Charge = pool.get('telco.platform.charge')
        Company = pool.get('company.company')
        with platform_side():
            bills = cls.browse(bills)
            for bill in bills:
                for charge in bill.charges:
                    if charge.subscription or charge.kind != 'addition':
                        continue
                    existing = Subscription.search([
                            ('company', '=', bill.company.id),
                            ('feature', '=', charge.feature.id),
                            ('start_date', '<=', charge.period_start),
                            ['OR',
                                ('end_date', '=', None),
                                ('end_date', '>=', charge.period_start),
                                ],
                            ], limit=1)
                    if existing:
                        subscription, = existing
                    else:
                        subscription = Subscription(
                            company=bill.company, feature=charge.feature,
                            start_date=charge.period_start)
                        subscription.save()
                    Charge.write([c for c in bill.charges
                            if c.feature == charge.feature
                            and not c.subscription], {
                            'subscription': subscription.id,
                            })
            Company.platform_update_service_state(
                list({b.company for b in bills}))
        cls.__queue__.send_receipt(bills)

    # -- paying -------------------------------------------------------------
    def _new_payment(self, config):
        pool = Pool()
        Payment = pool.get('account.payment')
        invoice = self.invoice
        lines = [l for l in invoice.lines_to_pay if not l.reconciliation]
        if not lines:
            raise PaymentError(gettext(
                    'telco_platform.msg_bill_nothing_to_pay',
                    bill=self.number))
        line = min(lines, key=lambda l: l.maturity_date or dt.date.max)
        payment = Payment(
            company=config.platform_company, kind='receivable',
            journal=config.payment_journal, party=invoice.party,
            line=line, currency=invoice.currency,
            amount=line.payment_amount, date=Pool().get('ir.date').today(),
            reference=self.number)
        return payment

    @classmethod
    def _open_payments(cls, bill):
        pool = Pool()
        Payment = pool.get('account.payment')
        invoice = bill.invoice
        return Payment.search([
                ('line', 'in', [l.id for l in invoice.lines_to_pay]),
                ('state', 'in', ['submitted', 'approved', 'processing']),
                ])

    @classmethod
    def checkout_url(cls, bill):
        """The URL of Stripe's card form to pay the bill: the payment waiting
        for the card, or a new one"""
        pool = Pool()
        Payment = pool.get('account.payment')
        with platform_side() as config:
            bill = cls(bill.id)
            stripe_.configure()
            payments = [p for p in cls._open_payments(bill)
                if not p.stripe_customer_payment_method]
            try:
                if payments:
                    payment = payments[0]
                else:
                    payment = bill._new_payment(config)
                    payment.save()
                    Payment.submit([payment])
                action = Payment.stripe_checkout([payment])
                Payment.process([payment])
            except stripe.StripeError as error:
                raise PaymentError(gettext(
                        'telco_platform.msg_stripe_unavailable',
                        error=error.user_message or str(error))) from error
            cls.write([bill], {
                    'payment_state': 'processing',
                    'payment_message': None,
                    })
        return action['url']

    @classmethod
    @ModelView.button_action('account_payment_stripe.url_checkout')
    def pay(cls, bills):
        pool = Pool()
        Company = pool.get('company.company')
        if not bills:
            return
        bill, = bills
        Company._platform_own([bill.company])
        if bill.state != 'due':
            raise PaymentError(gettext(
                    'telco_platform.msg_bill_nothing_to_pay',
                    bill=bill.number))
        return {'url': cls.checkout_url(bill)}

    @classmethod
    def pay_with_card(cls, bills):
        """Charge the bills to the card their operator saved, off session.
        Stripe answers through its events (the webhook)."""
        pool = Pool()
        Payment = pool.get('account.payment')
        to_process = []
        with platform_side() as config:
            bills = cls.browse(bills)
            for bill in bills:
                if bill.state != 'due' or cls._open_payments(bill):
                    continue
                card = bill.company.platform_payment_method()
                if not card:
                    continue
                customer, method, label = card
                stripe_.configure()
                try:
                    # what saving the payment checks with Stripe, cached
                    customer.sources()
                except stripe.StripeError as error:
                    logger.warning("invoice %s: Stripe unreachable, the "
                        "card is charged later: %s", bill.number, error)
                    bill.payment_state = 'retry'
                    bill.payment_message = gettext(
                        'telco_platform.msg_stripe_retry')
                    continue
                if customer.platform_payment_method != method:
                    customer.platform_payment_method = method
                    customer.platform_card = label
                    customer.save()
                payment = bill._new_payment(config)
                payment.stripe_customer = customer
                payment.stripe_customer_payment_method = method
                payment.save()
                to_process.append(payment)
                bill.payment_state = 'processing'
                bill.payment_message = None
            if to_process:
                Payment.submit(to_process)
                Payment.process(to_process)
            cls.save(bills)

    # -- e-mails ------------------------------------------------------------
    def _pdf(self):
        pool = Pool()
        Report = pool.get('telco.platform.bill', type='report')
        with platform_side():
            _, content, _, name = Report.execute([self.id], {})
        return content, f'{name}.pdf'

    @classmethod
    def send_invoice(cls, bills):
        "E-mail each issued invoice to its operator's administrators"
        for bill in bills:
            content, name = bill._pdf()
            bill.company.platform_notify(
                'telco_platform.msg_invoice_subject',
                'telco_platform.msg_invoice_body', bill._message_values(),
                resource=bill, attachment=content, attachment_name=name)

    @classmethod
    def send_receipt(cls, bills):
        "E-mail the receipt of each paid invoice"
        for bill in bills:
            content, name = bill._pdf()
            bill.company.platform_notify(
                'telco_platform.msg_receipt_subject',
                'telco_platform.msg_receipt_body', bill._message_values(),
                resource=bill, attachment=content, attachment_name=name)

    @classmethod
    def send_payment_failed(cls, bills):
        for bill in bills:
            bill.company.platform_notify(
                'telco_platform.msg_payment_failed_subject',
                'telco_platform.msg_payment_failed_body',
                bill._message_values(), resource=bill)

    def _message_values(self):
        return {
            'number': self.number,
            'amount': self.total_amount,
            'amount_to_pay': self.amount_to_pay,
            'currency': self.currency_code,
            'due_date': self.due_date,
            'message': self.payment_message or '',
            }

    # -- the crons ----------------------------------------------------------
    @classmethod
    def invoice_operators(cls, date=None):
        """Invoice every operator for its subscriptions of the month of the
        date and of the coming month once it is near: idempotent, a second
        run issues nothing twice.  Return the bills issued."""
        pool = Pool()
        Date = pool.get('ir.date')
        Company = pool.get('company.company')
        Charge = pool.get('telco.platform.charge')
        bills = []
        with platform_side() as config:
            date = date or Date.today()
            Charge.lock()
            months = [month_start(date)]
            coming = next_month(date)
            if date >= coming - dt.timedelta(days=config.invoice_days_before):
                months.append(coming)
            companies = Company.search([
                    ('id', '!=', config.platform_company.id),
                    ('features', '!=', None),
                    ])
            for company in companies:
                charges = []
                for month in months:
                    charges.extend(Charge.for_month(company, month))
                charges.sort(key=lambda c: c.currency_code or '')
                for _, group in groupby(
                        charges, key=lambda c: c.currency_code or ''):
                    bill = cls.issue(company, list(group), date=date)
                    if bill:
                        bills.append(bill)
            cls.pay_with_card([b for b in bills if b.state == 'due'])
            cls.retry_card_payments()
        return bills

    @classmethod
    def retry_card_payments(cls):
        "Charge again the cards Stripe could not be reached for"
        cls.pay_with_card(cls.search([
                    ('state', '=', 'due'),
                    ('payment_state', '=', 'retry'),
                    ]))

    @classmethod
    def dun(cls, date=None):
        """Send the reminders of the unpaid invoices as their levels are
        reached and set each operator's service from them"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        with platform_side() as config:
            date = date or Date.today()
            cls.retry_card_payments()
            Dunning.generate_dunnings(date)
            procedure = config.dunning_procedure
            if procedure:
                dunnings = Dunning.search([
                        ('state', '=', 'draft'),
                        ('blocked', '=', False),
                        ('procedure', '=', procedure.id),
                        ])
                Dunning.remind_operators(dunnings)
                Dunning.process(dunnings)
            Party = Pool().get('party.party')
            invoiced = {p.platform_operator.id for p in Party.search([
                        ('platform_operator', 'like', 'company.company,%')])}
            companies = Company.search([
                    ['OR',
                        ('id', 'in', list(invoiced)),
                        ('service_state', '!=', 'active'),
                        ],
                    ])
            return Company.platform_update_service_state(companies)


class BillReport(BrandedReport):
    "The platform's invoice to an operator, in the platform's branding"
    __name__ = 'telco.platform.bill'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Configuration = pool.get('telco.platform.configuration')
        with without_check_access():
            config = Configuration(1)
            platform = config.platform_company
        with Transaction().set_context(company=platform.id if platform
                else None):
            context = super().get_context(records, header, data)
        context['company'] = platform
        context['brand'] = cls._brand(platform)
        context['invoice_of'] = lambda bill: bill.invoice
        return context

    @classmethod
    def _brand(cls, company):
        return {
            'name': company.display_name if company else '',
            'primary': (company.primary_color if company else None)
            or '#1F3A5F',
            'secondary': (company.secondary_color if company else None)
            or '#FFFFFF',
            'logo': cls._logo(company),
            }


class InvoiceStart(ModelView):
    "Invoice the operators"
    __name__ = 'telco.platform.invoice.start'
    __string__ = "Invoice the Operators"
    date = fields.Date("Date", required=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class InvoiceOperators(Wizard):
    "Invoice the operators now, as the monthly cron does"
    __name__ = 'telco.platform.invoice'
    start = StateView('telco.platform.invoice.start',
        'telco_platform.invoice_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Invoice", 'invoice', 'tryton-ok', default=True),
            ])
    invoice = StateTransition()

    def transition_invoice(self):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Bill.invoice_operators(self.start.date)
        return 'end'
