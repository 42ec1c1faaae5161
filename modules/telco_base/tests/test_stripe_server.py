# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The local Stripe server answers the real ``stripe`` library as Stripe
does: what the platform's payments will be tested against"""
import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe

from .stripe_server import StripeServer, sign

WEBHOOK_SECRET = 'whsec_telco_test'


class _Webhook:
    "A receiver that checks the signature as the platform will"

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(
                    int(self.headers['Content-Length'])).decode()
                try:
                    event = stripe.Webhook.construct_event(
                        body, self.headers['Stripe-Signature'],
                        WEBHOOK_SECRET)
                except stripe.SignatureVerificationError:
                    status = 400
                else:
                    receiver.received.append((event.id, event.type))
                    status = 204
                self.send_response(status)
                self.end_headers()

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True
            ).start()
        host, port = self.server.server_address
        self.url = f'http://{host}:{port}/webhook'

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class StripeServerTestCase(unittest.TestCase):
    "The Stripe-like server through the stripe library"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.saved = (stripe.api_base, stripe.api_key,
            stripe.max_network_retries, stripe.enable_telemetry)
        cls.webhook = _Webhook()

    @classmethod
    def tearDownClass(cls):
        (stripe.api_base, stripe.api_key, stripe.max_network_retries,
            stripe.enable_telemetry) = cls.saved
        cls.webhook.stop()
        super().tearDownClass()

    def setUp(self):
        self.server = StripeServer(webhook_secret=WEBHOOK_SECRET)
        stripe.api_base = self.server.start()
        stripe.api_key = self.server.secret_key
        stripe.max_network_retries = 0
        stripe.enable_telemetry = False
        self.server.webhook_url = self.webhook.url
        self.webhook.received.clear()

    def tearDown(self):
        self.server.stop()

    def test_saved_card_paid_off_session(self):
        """A card saved on a customer pays an intent off session; the events
        reach the webhook signed, in order"""
        customer = stripe.Customer.create(
            name="Ooredoo Tunisie", email="admin@ooredoo.example.com",
            payment_method='pm_card_visa')
        methods = stripe.PaymentMethod.list(customer=customer.id, type='card')
        self.assertEqual([(m.id, m.card.last4) for m in methods],
            [('pm_card_visa', '4242')])
        intent = stripe.PaymentIntent.create(
            amount=19900, currency='EUR', customer=customer.id,
            payment_method='pm_card_visa', off_session=True, confirm=True,
            automatic_payment_methods={'enabled': True},
            description="INV-2026-0001",
            idempotency_key='payment_intent-1')
        self.assertEqual(
            (intent.status, intent.amount_received), ('succeeded', 19900))
        # the form body reached the server as Stripe reads it
        method, path, params = self.server.requests[-1]
        self.assertEqual((method, path), ('POST', '/v1/payment_intents'))
        self.assertEqual(
            params['automatic_payment_methods'], {'enabled': 'true'})
        retrieved = stripe.PaymentIntent.retrieve(
            intent.id, expand=['latest_charge'])
        self.assertEqual(retrieved.latest_charge.amount_captured, 19900)

        self.assertEqual(self.server.deliver_pending(), [204] * 4)
        self.assertEqual([t for _, t in self.webhook.received], [
                'payment_intent.created', 'charge.succeeded',
                'charge.captured', 'payment_intent.succeeded'])

    def test_checkout_and_capture(self):
        '''The operator pays on the checkout page (a customer session, then
        the card confirmed by Stripe.js); an authorization is captured'''
        customer = stripe.Customer.create(name="Ooredoo Tunisie")
        session = stripe.CustomerSession.create(customer=customer.id,
            components={'payment_element': {'enabled': True}})
        self.assertTrue(session.client_secret)
        intent = stripe.PaymentIntent.create(amount=19900, currency='eur',
            customer=customer.id, capture_method='manual')
        self.assertEqual(intent.status, 'requires_payment_method')
        # what Stripe.js does in the browser
        intent = stripe.PaymentIntent.confirm(
            intent.id, payment_method='pm_card_visa')
        self.assertEqual(
            (intent.status, intent.amount_capturable),
            ('requires_capture', 19900))
        intent = stripe.PaymentIntent.capture(
            intent.id, amount_to_capture=15000)
        self.assertEqual(
            (intent.status, intent.amount_received), ('succeeded', 15000))
        with self.assertRaises(stripe.InvalidRequestError):
            stripe.PaymentIntent.capture(intent.id)
        # a card that needs the customer, confirmed on the page
        intent = stripe.PaymentIntent.create(amount=5000, currency='eur',
            payment_method='pm_card_authenticationRequired', confirm=True)
        self.assertEqual(intent.status, 'requires_action')
        customer = stripe.Customer.retrieve(customer.id, expand=['sources'])
        self.assertEqual(list(customer.sources), [])

    def test_idempotency_key(self):
        "A request repeated with its key gets the first answer, no new intent"
        values = dict(amount=5000, currency='eur', idempotency_key='k-1')
        first = stripe.PaymentIntent.create(**values)
        again = stripe.PaymentIntent.create(**values)
        self.assertEqual(again.id, first.id)
        other = stripe.PaymentIntent.create(
            amount=5000, currency='eur', idempotency_key='k-2')
        self.assertNotEqual(other.id, first.id)
        intents = [o for o in self.server.objects.values()
            if o['object'] == 'payment_intent']
        self.assertEqual(len(intents), 2)

    def test_declined_card(self):
        "A declined card is a CardError carrying the intent, and its events"
        customer = stripe.Customer.create(
            name="TT", payment_method='pm_card_chargeDeclined')
        with self.assertRaises(stripe.CardError) as cm:
            stripe.PaymentIntent.create(amount=19900, currency='eur',
                customer=customer.id, payment_method='pm_card_chargeDeclined',
                off_session=True, confirm=True)
        error = cm.exception
        self.assertEqual(error.code, 'card_declined')
        self.assertEqual(error.http_status, 402)
        intent = error.json_body['error']['payment_intent']
        self.assertEqual(intent['status'], 'requires_payment_method')
        self.assertEqual(
            [e['type'] for e in self.server.events],
            ['payment_intent.created', 'charge.failed',
                'payment_intent.payment_failed'])

    def test_outage(self):
        "During an outage nothing is created; the same key succeeds after"
        self.server.outage = True
        with self.assertRaises(stripe.APIError) as cm:
            stripe.PaymentIntent.create(
                amount=5000, currency='eur', idempotency_key='renewal-1')
        self.assertEqual(cm.exception.http_status, 503)
        self.server.outage = False
        intent = stripe.PaymentIntent.create(
            amount=5000, currency='eur', idempotency_key='renewal-1')
        self.assertEqual(intent.amount, 5000)

    def test_bad_key_and_unknown(self):
        "A wrong secret key and an unknown object are refused as by Stripe"
        with self.assertRaises(stripe.AuthenticationError):
            stripe.Customer.create(name="X", api_key='sk_test_wrong')
        with self.assertRaises(stripe.InvalidRequestError) as cm:
            stripe.PaymentIntent.retrieve('pi_missing')
        self.assertEqual(cm.exception.code, 'resource_missing')
        with self.assertRaises(stripe.InvalidRequestError) as cm:
            stripe.PaymentIntent.create(amount=10, currency='eur')
        self.assertEqual(cm.exception.code, 'amount_too_small')

    def test_events_after_a_cursor(self):
        "The events list pages after a cursor as fetch_events reads it"
        for amount in [1000, 2000, 3000]:
            stripe.PaymentIntent.create(amount=amount, currency='eur')
        first, second, third = self.server.events
        page = stripe.Event.list(ending_before=first['id'], limit=100)
        self.assertEqual(
            [e.id for e in page], [third['id'], second['id']])
        self.assertFalse(stripe.Event.list(ending_before=third['id']))

    def test_refund(self):
        "A refund of part of a payment, then more than what is left"
        intent = stripe.PaymentIntent.create(amount=19900, currency='eur',
            payment_method='pm_card_visa', confirm=True)
        refund = stripe.Refund.create(payment_intent=intent.id, amount=9900)
        self.assertEqual(refund.status, 'succeeded')
        with self.assertRaises(stripe.InvalidRequestError) as cm:
            stripe.Refund.create(payment_intent=intent.id, amount=10001)
        self.assertEqual(cm.exception.code, 'amount_too_large')

    def test_webhook_forged_and_replayed(self):
        """A forged or stale signature is refused by the receiver; a replay
        is delivered twice (the receiver must see it is the same)"""
        stripe.PaymentIntent.create(amount=5000, currency='eur')
        event, = self.server.events
        payload = json.dumps(event).encode()
        self.assertEqual(self.server.deliver(event, secret='whsec_other'), 400)
        self.assertEqual(self.server.deliver(
                event, signature=sign(payload, WEBHOOK_SECRET, 1_000_000)),
            400)
        self.assertEqual(self.server.deliver(event), 204)
        self.assertEqual(self.server.deliver(event), 204)
        self.assertEqual(
            self.webhook.received, [(event['id'], event['type'])] * 2)


if __name__ == '__main__':
    unittest.main()
