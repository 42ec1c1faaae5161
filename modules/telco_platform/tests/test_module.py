# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import itertools
import json
import threading
from decimal import Decimal

from werkzeug.serving import make_server

from trytond.model.exceptions import AccessError
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.stripe_server import StripeServer, sign
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, assert_message, create_operator, create_staff,
    run_queue, with_transaction)
from trytond.modules.telco_platform.exceptions import (
    PlatformBillingError, SubscriptionError)
from trytond.modules.telco_platform.proration import prorate
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import (
    Transaction, TransactionError, without_check_access)

from .tools import (
    WEBHOOK_SECRET, deliver, point_stripe_at, save_card, setup_platform,
    signed_event)

ADMIN = STAFF_GROUPS
CODES = itertools.count(1)


def cents(amount):
    return int(amount * 100)


class TelcoPlatformTestCase(SMTPTestMixin, PlatformTestCase):
    """Test Telco Platform module.

    Tryton's Stripe module commits after each card it charges or reads
    back: the platform is built once for the class and committed, each test
    works on operators of its own."""
    module = 'telco_platform'

    @classmethod
    def setUpClass(cls):
        from trytond.wsgi import app
        super().setUpClass()
        cls.stripe = StripeServer(webhook_secret=WEBHOOK_SECRET)
        cls.stripe.start()
        point_stripe_at(cls.stripe)
        cls.http = make_server('127.0.0.1', 0, app, threaded=True)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        extras = {}
        while True:
            # the tables to lock are known once met: start again with them
            try:
                with Transaction().start(
                        DB_NAME, 0, **extras) as transaction:
                    config = setup_platform(cls.stripe, years=[2027])
                    account = config.payment_journal.stripe_account
                    cls.stripe.webhook_url = (
                        f'http://127.0.0.1:{cls.http.server_port}/{DB_NAME}'
                        f'/telco_platform/stripe/'
                        f'{account.webhook_identifier}')
                    transaction.commit()
            except TransactionError as error:
                error.fix(extras)
                continue
            break

    @classmethod
    def tearDownClass(cls):
        cls.http.shutdown()
        cls.stripe.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.stripe.outage = False

    # -- helpers -------------------------------------------------------------
    def _operator(self, features=('clients',), start=None):
        "A new operator with its administrator; features from start"
        code = f'OP{next(CODES)}'
        company = create_operator(
            f"Operator {code}", code, features=features,
            start_date=start or dt.date.today() - dt.timedelta(days=60))
        company.admin_email = f'admin@{code.lower()}.example.com'
        company.save()
        admin = create_staff(f'admin_{code.lower()}', company, ADMIN,
            email=f'admin@{code.lower()}.example.com')
        return company, admin

    def _config(self):
        return Pool().get('telco.platform.configuration')(1)

    def _account(self):
        return self._config().payment_journal.stripe_account

    def _feature(self, code):
        Feature = Pool().get('telco.feature')
        feature, = Feature.search([('code', '=', code)])
        return feature

    def _issue(self, company, date=None):
        "Invoice the operator's current month"
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Charge = pool.get('telco.platform.charge')
        date = date or dt.date.today()
        with Transaction().set_user(0):
            return Bill.issue(company, Charge.for_month(company, date),
                date=date)

    def _checkout_paid(self, bill, card='pm_card_visa'):
        """The administrator pays the bill on Stripe's card form: the
        intent is confirmed on Stripe, its events reach the webhook"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Payment = pool.get('account.payment')
        admin = self._admin_of(bill.company)
        with as_user(admin):
            action = Bill.pay([Bill(bill.id)])
        self.assertIn('/account_payment_stripe/checkout/account.payment/',
            action['url'])
        with Transaction().set_user(0):
            payment, = Payment.search([
                    ('stripe_checkout_id', '=', action['url'].rsplit('/')[-1])
                    ])
        try:
            self.stripe.confirm(
                {'payment_method': card}, payment.stripe_payment_intent_id)
        except Exception:
            pass
        with Transaction().set_user(0):
            return deliver(self._account(), self.stripe)

    def _admin_of(self, company):
        User = Pool().get('res.user')
        user, = User.search([('login', '=', f'admin_{company.code.lower()}')])
        return user

    # -- proration and invoicing ------------------------------------------
    def test_prorate(self):
        "A month is its price, a part of it the price of its days"
        self.assertEqual(prorate(
                Decimal('90'), dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
            Decimal('90'))
        self.assertEqual(
            prorate(Decimal('93'), dt.date(2027, 1, 20),
                dt.date(2027, 1, 31)).quantize(Decimal('0.01')),
            Decimal('36.00'))  # 93 × 12 / 31
        with self.assertRaises(AssertionError):
            prorate(Decimal('93'), dt.date(2027, 1, 20), dt.date(2027, 2, 3))

    @with_transaction()
    def test_invoice_operators(self):
        """The cron invoices each operator once for its month and the coming
        one, discounts and trials deducted, and e-mails the invoice"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Subscription = pool.get('telco.operator.feature')
        Invoice = pool.get('account.invoice')
        company, admin = self._operator(
            features=('clients', 'claims'), start=dt.date(2026, 12, 15))
        clients, = [s for s in company.features
            if s.feature.code == 'clients']
        claims, = [s for s in company.features if s.feature.code == 'claims']
        Subscription.write([clients], {'discount': Decimal('25')})
        Subscription.write([claims], {'free_until': dt.date(2027, 1, 10)})
        others = Bill.search([])

        # 26 January is within the 7 days before February
        bills = [b for b in Bill.invoice_operators(dt.date(2027, 1, 26))
            if b.company == company]
        self.assertEqual(len(bills), 1)
        bill, = bills
        price_clients = self._feature('clients').monthly_price * Decimal(
            '0.75')
        price_claims = self._feature('claims').monthly_price
        # clients: January and February at 75 %; claims: January from the
        # 11th (21 days of 31) and February
        expected = (price_clients * 2
            + (price_claims * 21 / 31).quantize(Decimal('0.01'))
            + price_claims)
        self.assertEqual(bill.untaxed_amount, expected)
        self.assertEqual(bill.tax_amount,
            (expected * Decimal('0.19')).quantize(Decimal('0.01')))
        self.assertEqual(bill.state, 'due')
        self.assertEqual(bill.due_date, dt.date(2027, 2, 2))
        self.assertEqual(len(bill.charges), 4)
        invoice, = Invoice.search([('platform_bill', '=', bill.id)])
        self.assertEqual(invoice.state, 'posted')
        self.assertEqual(invoice.company, self._config().platform_company)
        self.assertEqual(invoice.number, bill.number)
        self.assertEqual(invoice.total_amount, bill.total_amount)

        # a second run, the next day, issues nothing
        again = Bill.invoice_operators(dt.date(2027, 1, 27))
        self.assertNotIn(company, [b.company for b in again])
        self.assertEqual(
            len(Bill.search([('company', '=', company.id)])), 1)
        self.assertEqual(len(set(Bill.search([])) - set(others)), 1)

        # the administrator got the invoice, its PDF attached
        run_queue()
        messages = [m for to, m in self.smtp.messages if admin.email in to]
        self.assertEqual(len(messages), 1)
        self.assertIn(bill.number, messages[0]['Subject'])
        attachments = [p for p in messages[0].iter_attachments()]
        self.assertEqual(attachments[0].get_content_type(), 'application/pdf')

    @with_transaction()
    def test_add_feature_across_month_end(self):
        """A feature added on the 28th is charged the 4 days left and the
        month after, already invoiced"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Subscribe = pool.get('telco.platform.subscribe', type='wizard')
        company, _ = self._operator(start=dt.date(2026, 12, 1))
        Bill.invoice_operators(dt.date(2027, 1, 26))  # January and February
        charges = Subscribe.charges_for(
            company, self._feature('stock'), dt.date(2027, 1, 28))
        price = self._feature('stock').monthly_price
        self.assertEqual([(c.period_start, c.period_end, c.amount)
                for c in charges], [
                (dt.date(2027, 1, 28), dt.date(2027, 1, 31),
                    (price * 4 / 31).quantize(Decimal('0.01'))),
                (dt.date(2027, 2, 1), dt.date(2027, 2, 28), price),
                ])

    # -- paying ---------------------------------------------------------------
    @with_transaction()
    def test_pay_by_card_once(self):
        """The administrator pays on Stripe's form: the invoice is paid and
        a receipt sent; the same events again change nothing"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Event = pool.get('telco.platform.stripe.event')
        Invoice = pool.get('account.invoice')
        company, admin = self._operator()
        bill = self._issue(company)
        events = list(self.stripe.events)
        results = self._checkout_paid(bill)
        self.assertIn(True, results)
        bill = Bill(bill.id)
        self.assertEqual(bill.state, 'paid')
        self.assertEqual(bill.payment_state, 'succeeded')
        self.assertEqual(bill.paid_date, dt.date.today())
        invoice, = Invoice.search([('platform_bill', '=', bill.id)])
        self.assertEqual(invoice.state, 'paid')
        run_queue()
        receipts = [m for _, m in self.smtp.messages
            if 'Payment received' in m['Subject']
            and admin.email in m['To']]
        self.assertEqual(len(receipts), 1)

        # Stripe delivers the same events again
        new = [e for e in self.stripe.events if e not in events]
        with Transaction().set_user(0):
            for event in new:
                self.assertTrue(self._account().webhook(
                        signed_event(event, self.stripe)))
        run_queue()
        receipts = [m for _, m in self.smtp.messages
            if 'Payment received' in m['Subject']
            and admin.email in m['To']]
        self.assertEqual(len(receipts), 1)
        succeeded, = Event.search([
                ('type', '=', 'payment_intent.succeeded'),
                ('object_id', '=', invoice.lines_to_pay[0].payments[0]
                    .stripe_payment_intent_id),
                ])
        self.assertEqual(succeeded.state, 'processed')
        self.assertEqual(succeeded.deliveries, 2)
        self.assertEqual(Invoice(invoice.id).state, 'paid')

    @with_transaction()
    def test_declined_card_then_out_of_order(self):
        """A declined card leaves the invoice due with Stripe's message;
        a failure arriving after the success changes nothing"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Event = pool.get('telco.platform.stripe.event')
        company, admin = self._operator()
        bill = self._issue(company)
        self._checkout_paid(bill, card='pm_card_chargeDeclined')
        bill = Bill(bill.id)
        self.assertEqual(bill.state, 'due')
        failed = [e for e in self.stripe.events
            if e['type'] == 'payment_intent.payment_failed'][-1]

        # the operator pays with another card on the same form
        self._checkout_paid(bill)
        bill = Bill(bill.id)
        self.assertEqual(bill.state, 'paid')

        # Stripe sends the old failure late (a new event id, older date)
        stale = json.loads(json.dumps(failed))
        stale['id'] = 'evt_late_failure'
        with Transaction().set_user(0):
            self.assertTrue(self._account().webhook(
                    signed_event(stale, self.stripe)))
        self.assertEqual(Bill(bill.id).state, 'paid')
        record, = Event.search([('event_id', '=', 'evt_late_failure')])
        self.assertEqual(record.state, 'stale')

    @with_transaction()
    def test_saved_card_renewal_and_outage(self):
        """A saved card pays the invoices as the cron issues them; during a
        Stripe outage the payment waits, is retried, and the operator is
        not suspended for it"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Payment = pool.get('account.payment')
        Company = pool.get('company.company')
        Queue = pool.get('ir.queue')
        # a test is run again from its start when it meets a table to lock
        self.stripe.outage = False
        company, admin = self._operator(start=dt.date(2026, 12, 1))
        with as_user(admin):
            save_card(company, self.stripe)
            company = Company(company.id)
            self.assertEqual(company.platform_card, 'visa ****4242 12/2034')

        # Stripe is down when the cron issues the invoice: no payment yet,
        # the invoice waits for Stripe
        self.stripe.outage = True
        with Transaction().set_user(0):
            bills = [b for b in Bill.invoice_operators(dt.date(2027, 1, 26))
                if b.company == company]
            run_queue()
        bill, = bills
        self.assertEqual(Bill(bill.id).payment_state, 'retry')
        self.assertFalse(Payment.search([('line.move.origin', '=',
                        str(bill.invoice))]))

        # weeks later, still unreachable: reminders go, no suspension
        with Transaction().set_user(0):
            for days in [1, 7, 15, 30]:
                Bill.dun(bill.due_date + dt.timedelta(days=days))
        self.assertEqual(Company(company.id).service_state, 'active')

        # Stripe answers again when the payment is retried, but fails when
        # the charge is sent: the payment stays processing
        self.stripe.outage = False
        with Transaction().set_user(0):
            Bill.retry_card_payments()
            payment, = Payment.search([('line.move.origin', '=',
                        str(bill.invoice))])
            # the charge task meets the outage; what it queues after runs
            # once Stripe is back
            self.stripe.outage = True
            tasks = Transaction().tasks
            charge, = [t for t in tasks
                if Queue(t).data['method'] == 'stripe_charge']
            tasks.remove(charge)
            with without_check_access():
                Queue(charge).run()
            self.stripe.outage = False
            run_queue()
        payment = Payment(payment.id)
        self.assertEqual(payment.state, 'processing')
        self.assertIsNone(payment.stripe_payment_intent_id)
        self.assertEqual(Bill(bill.id).payment_state, 'retry')

        # the charge cron sends it again: paid
        Cron = pool.get('ir.cron')
        cron, = Cron.search([('method', '=', 'account.payment|stripe_charge')])
        self.assertEqual(
            list(cron.companies), [self._config().platform_company])
        with Transaction().set_user(0), Transaction().set_context(
                company=self._config().platform_company.id):
            Payment.stripe_charge()
            deliver(self._account(), self.stripe)
        self.assertEqual(Payment(payment.id).state, 'succeeded')
        self.assertEqual(Bill(bill.id).state, 'paid')
        self.assertEqual(Company(company.id).service_state, 'active')

    # -- unpaid ---------------------------------------------------------------
    @with_transaction()
    def test_unpaid_reminders_read_only_suspended_restored(self):
        """Reminders, then read-only, then suspended: the data is kept and
        everything comes back as soon as the payment arrives; another
        operator is never touched"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Category = pool.get('telco.customer.category')
        Company = pool.get('company.company')
        Notification = pool.get('telco.notification')
        company, admin = self._operator()
        other, other_admin = self._operator()
        for operator in [company, other]:
            Category.create([{'company': operator.id, 'kind': 'tax',
                        'code': 'EXO', 'name': 'Exonéré'}])
        agent = create_staff(f'agent_{company.code.lower()}', company,
            STAFF_GROUPS)
        other_agent = create_staff(f'agent_{other.code.lower()}', other,
            STAFF_GROUPS)
        bill = self._issue(company)
        self._checkout_paid(self._issue(other))
        due = Bill(bill.id).due_date

        def dun(days):
            with Transaction().set_user(0):
                Bill.dun(due + dt.timedelta(days=days))
            return Company(company.id).service_state

        self.assertEqual(dun(1), 'active')
        reminders = Notification.search([
                ('user', '=', admin.id),
                ('subject', 'like', 'Reminder%'),
                ])
        self.assertEqual(len(reminders), 1)
        self.assertEqual(dun(7), 'active')
        self.assertEqual(dun(15), 'read_only')
        with as_user(agent):
            self.assertEqual(len(Category.search([])), 1)
            with self.assertRaises(AccessError) as cm:
                Category.create([{'company': company.id, 'kind': 'tax',
                            'code': 'NEW', 'name': 'New'}])
            assert_message(self, cm.exception,
                'telco_base.msg_operator_read_only')
        self.assertEqual(dun(30), 'suspended')
        with as_user(agent):
            with self.assertRaises(AccessError) as cm:
                Category.search([])
            assert_message(self, cm.exception,
                'telco_base.msg_operator_suspended')
        # the other operator paid: untouched
        self.assertEqual(Company(other.id).service_state, 'active')
        with as_user(other_agent):
            Category.create([{'company': other.id, 'kind': 'tax',
                        'code': 'NEW', 'name': 'New'}])

        self._checkout_paid(Bill(bill.id))
        self.assertEqual(Company(company.id).service_state, 'active')
        with as_user(agent):
            Category.create([{'company': company.id, 'kind': 'tax',
                        'code': 'NEW', 'name': 'New'}])
            self.assertEqual(len(Category.search([])), 2)

    # -- self-service ---------------------------------------------------------
    @with_transaction()
    def test_subscribe_and_unsubscribe(self):
        """With a saved card a feature added runs at once; removed, it
        stays to the end of the period paid; removing it twice is refused"""
        pool = Pool()
        Subscribe = pool.get('telco.platform.subscribe', type='wizard')
        Unsubscribe = pool.get('telco.platform.unsubscribe', type='wizard')
        Subscription = pool.get('telco.operator.feature')
        Bill = pool.get('telco.platform.bill')
        Company = pool.get('company.company')
        today = dt.date.today()
        company, admin = self._operator()
        with as_user(admin):
            save_card(company, self.stripe)
        stock = self._feature('stock')
        with as_user(admin), Transaction().set_context(
                active_model='company.company', active_id=company.id):
            session_id, _, _ = Subscribe.create()
            wizard = Subscribe(session_id)
            wizard.start.feature = stock
            wizard.start.start_date = today
            wizard.transition_subscribe()
            run_queue()
        with Transaction().set_user(0):
            Pool().get('account.payment').stripe_charge()
            deliver(self._account(), self.stripe)
        subscription, = Subscription.search([
                ('company', '=', company.id), ('feature', '=', stock.id)])
        self.assertEqual(subscription.start_date, today)
        self.assertIn('stock', Company(company.id).enabled_features())
        bill, = Bill.search([('company', '=', company.id)])
        self.assertEqual(bill.state, 'paid')

        # subscribing again is refused
        with as_user(admin), Transaction().set_context(
                active_model='company.company', active_id=company.id):
            session_id, _, _ = Subscribe.create()
            wizard = Subscribe(session_id)
            wizard.start.feature = stock
            wizard.start.start_date = today
            with self.assertRaises(SubscriptionError) as cm:
                wizard.transition_subscribe()
            assert_message(self, cm.exception,
                'telco_platform.msg_feature_already_subscribed')

        # removed from tomorrow: it stays to the end of its month, paid
        with as_user(admin), Transaction().set_context(
                active_model='company.company', active_id=company.id):
            for attempt in range(2):
                session_id, _, _ = Unsubscribe.create()
                wizard = Unsubscribe(session_id)
                wizard.start.subscription = subscription
                wizard.start.date = today + dt.timedelta(days=1)
                if attempt:
                    with self.assertRaises(SubscriptionError) as cm:
                        wizard.transition_unsubscribe()
                    assert_message(self, cm.exception,
                        'telco_platform.msg_feature_already_ending')
                else:
                    wizard.transition_unsubscribe()
        subscription = Subscription(subscription.id)
        self.assertEqual(subscription.end_date, subscription.paid_through)
        self.assertEqual(subscription.end_date.month, today.month)
        self.assertEqual(subscription.end_date + dt.timedelta(days=1),
            (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1))

    @with_transaction()
    def test_subscribe_without_card_waits_for_payment(self):
        "Without a card the feature runs once its invoice is paid"
        pool = Pool()
        Subscribe = pool.get('telco.platform.subscribe', type='wizard')
        Subscription = pool.get('telco.operator.feature')
        Bill = pool.get('telco.platform.bill')
        company, admin = self._operator()
        offers = self._feature('offers')
        with as_user(admin), Transaction().set_context(
                active_model='company.company', active_id=company.id):
            session_id, _, _ = Subscribe.create()
            wizard = Subscribe(session_id)
            wizard.start.feature = offers
            wizard.start.start_date = dt.date.today()
            self.assertEqual(wizard.transition_subscribe(), 'checkout')
        self.assertFalse(Subscription.search([
                    ('company', '=', company.id),
                    ('feature', '=', offers.id)]))
        bill, = Bill.search([('company', '=', company.id)])
        self._checkout_paid(bill)
        subscription, = Subscription.search([
                ('company', '=', company.id), ('feature', '=', offers.id)])
        self.assertEqual(subscription.start_date, dt.date.today())

    # -- isolation ------------------------------------------------------------
    @with_transaction()
    def test_isolation(self):
        """An operator's administrator never sees nor pays another's
        invoices, charges or card, both ways; the platform's records are
        the platform administrator's only"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Charge = pool.get('telco.platform.charge')
        Company = pool.get('company.company')
        Customer = pool.get('account.payment.stripe.customer')
        Configuration = pool.get('telco.platform.configuration')
        Event = pool.get('telco.platform.stripe.event')
        Invoice = pool.get('account.invoice')
        first, first_admin = self._operator(features=('clients', 'billing'))
        second, second_admin = self._operator(
            features=('clients', 'billing'))
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        User.write([first_admin, second_admin], {'groups': [('add', [
                        ModelData.get_id('account', 'group_account')])]})
        bills = {c: self._issue(c) for c in [first, second]}
        with as_user(first_admin):
            save_card(first, self.stripe)
        for company, admin, other in [
                (first, first_admin, second), (second, second_admin, first)]:
            with as_user(admin):
                # served: its own
                self.assertEqual(Bill.search([]), [bills[company]])
                self.assertTrue(Charge.search([]))
                self.assertEqual(
                    {c.company for c in Charge.search([])}, {company})
                # refused: the other's
                with self.assertRaises(AccessError):
                    Bill.read([bills[other].id], ['number'])
                with self.assertRaises((AccessError, PlatformBillingError)):
                    Bill.pay([Bill(bills[other].id)])
                with self.assertRaises((AccessError, PlatformBillingError)):
                    Company.platform_save_card([Company(other.id)])
                # the platform's own records
                self.assertEqual(Invoice.search([]), [])
                for Model in [Configuration, Event, Customer]:
                    with self.assertRaises(AccessError):
                        Model.search([])
        # the rest of the operator's staff do not read its billing
        agent = create_staff(f'agent_{first.code.lower()}', first,
            STAFF_GROUPS[1:])
        with as_user(first_admin):
            self.assertEqual(
                Company(first.id).platform_amount_due,
                bills[first].amount_to_pay)
            self.assertEqual(
                Company(first.id).platform_card, 'visa ****4242 12/2034')
        with as_user(agent):
            company = Company(first.id)
            self.assertEqual(
                (company.platform_amount_due, company.platform_card,
                    company.platform_next_invoice_date),
                (None, None, None))
        # the platform administrator reads both
        platform = self._config().platform_company
        with Transaction().set_context(company=platform.id):
            self.assertEqual(
                set(Bill.search([('id', 'in', [b.id for b in bills.values()])
                        ])), set(bills.values()))

    # -- the webhook ----------------------------------------------------------
    @with_transaction()
    def test_webhook_route(self):
        """Signed events are processed once; forged, unsigned or unknown
        deliveries are refused and kept with their reason"""
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Event = pool.get('telco.platform.stripe.event')
        transaction = Transaction()
        company, admin = self._operator()
        bill = self._issue(company)
        with as_user(admin):
            action = Bill.pay([Bill(bill.id)])
        intent_id = [o for o in self.stripe.objects.values()
            if o['object'] == 'payment_intent'][-1]['id']
        self.stripe.pending.clear()
        transaction.commit()
        self.assertIn('checkout', action['url'])

        self.stripe.confirm({'payment_method': 'pm_card_visa'}, intent_id)
        events = list(self.stripe.pending)
        statuses = self.stripe.deliver_pending()
        self.assertEqual(statuses, [204] * len(events))
        # again: accepted, nothing done twice
        self.assertEqual(self.stripe.deliver(events[-1]), 204)
        # forged with another secret, unsigned, to an unknown webhook
        forged = dict(events[-1], id='evt_forged')
        self.assertEqual(
            self.stripe.deliver(forged, secret='whsec_wrong'), 400)
        self.assertEqual(self.stripe.deliver(forged, signature=''), 400)
        url = self.stripe.webhook_url
        self.stripe.webhook_url = url.rsplit('/', 1)[0] + '/unknown'
        try:
            self.assertEqual(self.stripe.deliver(forged), 404)
        finally:
            self.stripe.webhook_url = url
        payload = json.dumps(forged).encode()
        self.assertTrue(sign(payload, WEBHOOK_SECRET))
        transaction.commit()

        self.assertEqual(Bill(bill.id).state, 'paid')
        succeeded, = Event.search([('event_id', '=', events[-1]['id'])])
        self.assertEqual(
            (succeeded.state, succeeded.deliveries), ('processed', 2))
        refused = Event.search([('state', '=', 'refused')],
            order=[('id', 'ASC')])
        self.assertEqual([r.reason.split(':')[0] for r in refused[-3:]],
            ['bad signature', 'no signature', 'unknown webhook'])
        self.assertFalse(Event.search([('event_id', '=', 'evt_forged')]))

