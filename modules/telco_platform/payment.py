# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
import logging

import stripe

from trytond.model import (
    Index, ModelSQL, ModelView, Unique, dualmethod, fields)
from trytond.modules.telco_base.model import ButtonFieldsMixin, same_operator
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from trytond.transaction import Transaction
from trytond.url import http_host

logger = logging.getLogger(__name__)

# the events after which a payment intent cannot change any more
FINAL_INTENT_EVENTS = {'payment_intent.payment_failed',
    'payment_intent.canceled', 'payment_intent.amount_capturable_updated'}


class Payment(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'account.payment'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party)

    @property
    def platform_bill(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        if self.line and self.line.move:
            origin = self.line.move.origin
            if isinstance(origin, Invoice):
                return origin.platform_bill

    def _stripe_retry(self):
        """Whether the card payment failed because Stripe could not be
        reached: no payment intent was made and no card refused it"""
        return (self.journal.process_method == 'stripe'
            and self.platform_bill is not None
            and self.stripe_customer_payment_method
            and not self.stripe_payment_intent_id
            and not self.stripe_error_code)

    @classmethod
    def fail(cls, payments):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        retry = [p for p in payments if p._stripe_retry()]
        if retry:
            # The payment stays processing: the charge cron tries it
            # again, and the operator is not dunned for Stripe's fault.
            for payment in retry:
                logger.warning(
                    "payment %s: Stripe unreachable, retried: %s",
                    payment.id, payment.stripe_error_message)
        super().fail([p for p in payments if p not in retry])
        bills = {}
        for payment in payments:
            bill = payment.platform_bill
            if bill:
                bills[bill] = payment
        for bill, payment in bills.items():
            if payment in retry:
                bill.payment_state = 'retry'
                bill.payment_message = payment.stripe_error_message
            else:
                bill.payment_state = 'failed'
                bill.payment_message = payment.stripe_error_message
        Bill.save(list(bills))
        failed = [b for b, p in bills.items() if p not in retry]
        if failed:
            Bill.send_payment_failed(failed)

    @classmethod
    def succeed(cls, payments):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        super().succeed(payments)
        bills = [p.platform_bill for p in payments if p.platform_bill]
        for bill in bills:
            bill.payment_state = 'succeeded'
            bill.payment_message = None
        Bill.save(bills)


class StripeAccount(metaclass=PoolMeta):
    __name__ = 'account.payment.stripe.account'

    @fields.depends('webhook_identifier')
    def on_change_with_webhook_endpoint(self, name=None):
        if not self.webhook_identifier:
            return ''
        return http_host() + (
            f'/{Transaction().database.name}/telco_platform/stripe/'
            f'{self.webhook_identifier}')

    def webhook(self, event):
        """Handle each Stripe event once, in the order of what it says:
        a replayed event and an event older than the state it would change
        are recorded and change nothing"""
        pool = Pool()
        Event = pool.get('telco.platform.stripe.event')
        if self.webhook_identifier and not self.webhook_signing_secret:
            # the route of account_payment_stripe accepts an unsigned event
            # when the account has no secret
            Event.refuse(self, json.dumps(event.to_dict()),
                "no signing secret set")
            return False
        record = Event.receive(self, event)
        if record.state in {'processed', 'ignored', 'stale'}:
            return True
        reason = Event.stale_reason(event)
        if reason:
            Event.write([record], {'state': 'stale', 'reason': reason})
            return True
        result = super().webhook(event)
        state = {None: 'ignored', False: 'retry'}.get(result, 'processed')
        Event.write([record], {'state': state})
        if result and event.type == 'payment_intent.payment_failed':
            self._platform_payment_failed(event)
        return result

    def _platform_payment_failed(self, event):
        """Tell the operator the card was refused: the payment waits on
        Stripe's form for another card"""
        pool = Pool()
        Payment = pool.get('account.payment')
        Bill = pool.get('telco.platform.bill')
        intent = event.to_dict()['data']['object']
        error = intent.get('last_payment_error') or {}
        bills = []
        for payment in Payment.search([
                    ('stripe_payment_intent_id', '=', intent['id']),
                    ]):
            bill = payment.platform_bill
            if bill and bill.state == 'due':
                bill.payment_state = 'failed'
                bill.payment_message = error.get('message')
                bills.append(bill)
        Bill.save(bills)
        Bill.send_payment_failed(bills)


class StripeCustomer(metaclass=PoolMeta):
    __name__ = 'account.payment.stripe.customer'

    platform_payment_method = fields.Char(
        "Card Payment Method", readonly=True, strip=False,
        help="The card the platform charges, as Stripe last listed it: "
        "used when Stripe cannot be reached to list it again.")
    platform_card = fields.Char("Card", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # a customer has no operator of its own: its party's is the one of
        # the context (the platform's for its card payments)
        cls.party.domain = [
            cls.party.domain or [],
            ('company', '=', Eval('context', {}).get('company', -1)),
            ]

    @dualmethod
    def stripe_intent_update(cls, customers=None):
        super().stripe_intent_update(customers=customers)
        if customers is None:
            customers = cls.search([
                    ('stripe_customer_id', '!=', None),
                    ('platform_payment_method', '=', None),
                    ('party.company', '!=', None),
                    ])
        cls.platform_store_cards(cls.browse(customers))

    @classmethod
    def platform_store_cards(cls, customers):
        "Keep the card Stripe lists first for each customer"
        from . import stripe_
        stripe_.configure()
        to_save = []
        for customer in customers:
            if not customer.stripe_customer_id:
                continue
            try:
                methods = customer.payment_methods()
            except stripe.StripeError as error:
                logger.warning("cards of %s not read: %s",
                    customer.stripe_customer_id, error)
                continue
            method, label = methods[0] if methods else (None, None)
            if (method, label) != (
                    customer.platform_payment_method, customer.platform_card):
                customer.platform_payment_method = method
                customer.platform_card = label
                to_save.append(customer)
        cls.save(to_save)


class StripeEvent(ModelSQL, ModelView):
    "A Stripe event received by the webhook, once"
    __name__ = 'telco.platform.stripe.event'
    __string__ = "Stripe Event"

    event_id = fields.Char("Event", readonly=True)
    type = fields.Char("Type", readonly=True)
    object_id = fields.Char("Object", readonly=True)
    created = fields.Timestamp("Created at Stripe", readonly=True)
    account = fields.Many2One(
        'account.payment.stripe.account', "Account", readonly=True,
        ondelete='CASCADE')
    state = fields.Selection([
            ('processed', "Processed"),
            ('ignored', "Ignored"),
            ('retry', "To Retry"),
            ('stale', "Out of Order"),
            ('refused', "Refused"),
            ], "State", readonly=True, sort=False)
    deliveries = fields.Integer("Deliveries", readonly=True)
    reason = fields.Text("Reason", readonly=True)
    remote_address = fields.Char("From", readonly=True)
    payload = fields.Text("Payload", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('event_id_unique', Unique(t, t.event_id),
                'telco_platform.msg_stripe_event_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.object_id, Index.Equality())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_deliveries(cls):
        return 1

    @classmethod
    def receive(cls, account, event):
        """Return the record of the event, created at its first delivery;
        the row is locked so that a concurrent delivery waits for the
        outcome of this one"""
        records = cls.search([('event_id', '=', event.id)], limit=1)
        if records:
            record, = records
            record.lock()
            record = cls(record.id)
            cls.write([record], {'deliveries': record.deliveries + 1})
            return record
        payload = event.to_dict()
        obj = payload.get('data', {}).get('object') or {}
        created = payload.get('created')
        record = cls(
            event_id=event.id, type=event.type, object_id=obj.get('id'),
            created=(dt.datetime.fromtimestamp(created, dt.timezone.utc)
                .replace(tzinfo=None) if created else None),
            account=account, state='retry', deliveries=1)
        record.save()
        return record

    @classmethod
    def stale_reason(cls, event):
        """Why the event must not change anything: a later event of the same
        object was processed, or the payment already succeeded (Stripe
        never fails an intent that succeeded)"""
        pool = Pool()
        Payment = pool.get('account.payment')
        payload = event.to_dict()
        obj = payload.get('data', {}).get('object') or {}
        object_id = obj.get('id')
        created = payload.get('created')
        if object_id and created:
            when = dt.datetime.fromtimestamp(
                created, dt.timezone.utc).replace(tzinfo=None)
            later = cls.search([
                    ('object_id', '=', object_id),
                    ('event_id', '!=', event.id),
                    ('state', '=', 'processed'),
                    ('created', '>', when),
                    ], limit=1)
            if later:
                return "older than %s (%s)" % (
                    later[0].event_id, later[0].type)
        if event.type in FINAL_INTENT_EVENTS and object_id:
            if Payment.search([
                        ('stripe_payment_intent_id', '=', object_id),
                        ('state', '=', 'succeeded'),
                        ], limit=1):
                return "the payment of %s already succeeded" % object_id

    @classmethod
    def refuse(cls, account, body, reason, remote_address=None):
        "Keep a refused delivery with the reason, never processed"
        try:
            claimed = json.loads(body)
        except ValueError:
            claimed = {}
        if not isinstance(claimed, dict):
            claimed = {}
        logger.warning("Stripe webhook refused: %s", reason)
        record = cls(
            event_id=None, type=str(claimed.get('type') or '')[:100] or None,
            object_id=None, account=account, state='refused',
            deliveries=1, reason=reason, remote_address=remote_address,
            payload=body[:10000])
        record.save()
        return record
