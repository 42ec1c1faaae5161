# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A local HTTP server that answers like Stripe's API, for the tests.

No offline Stripe exists (``stripe-mock`` is not packaged): the tests point
the real ``stripe`` library at this server (``stripe.api_base``) so that the
code under test runs its real requests.  It keeps customers, payment
methods, setup and payment intents, charges, refunds and events in memory,
answers with Stripe's JSON shapes and status codes, replays a request that
repeats an ``Idempotency-Key`` and delivers its events to a webhook signed
as Stripe signs them (``Stripe-Signature: t=…,v1=HMAC-SHA256``).

Test payment methods, as in Stripe's test mode:

- ``pm_card_visa``: succeeds;
- ``pm_card_chargeDeclined``: declined (402 ``card_declined``);
- ``pm_card_authenticationRequired``: needs the customer
  (``requires_action`` off session: 402 ``authentication_required``).

``outage = True`` answers every request with 503, as during an incident.
Events are delivered when the test says (``deliver_pending``), in order,
or one by one (``deliver``: again, out of order, or forged)."""
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

CARDS = {
    'pm_card_visa': ('visa', '4242', None),
    'pm_card_mastercard': ('mastercard', '4444', None),
    'pm_card_chargeDeclined': ('visa', '0002', 'card_declined'),
    'pm_card_authenticationRequired': (
        'visa', '3184', 'authentication_required'),
    }
DECLINE_MESSAGES = {
    'card_declined': "Your card was declined.",
    'authentication_required': "Your card was declined. This transaction "
    "requires authentication.",
    }


def sign(payload, secret, timestamp=None):
    "The Stripe-Signature header of the payload (bytes) with the secret"
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f'{timestamp}.'.encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f't={timestamp},v1={digest}'


def _nested(pairs):
    """The values of a form body as Stripe reads them: 'a[b]=1' as
    {'a': {'b': '1'}} and 'a[0]=x' as {'a': ['x']}"""
    result = {}
    for key, value in pairs:
        parts = re.findall(r'[^\[\]]+', key)
        target = result
        for part, following in zip(parts, parts[1:]):
            empty = [] if following.isdigit() else {}
            if isinstance(target, list):
                index = int(part)
                while len(target) <= index:
                    target.append(type(empty)())
                target = target[index]
            else:
                target = target.setdefault(part, empty)
        if isinstance(target, list):
            index = int(parts[-1])
            while len(target) <= index:
                target.append(None)
            target[index] = value
        else:
            target[parts[-1]] = value
    return result


class StripeError(Exception):
    def __init__(self, status, type_, message, code=None, param=None,
            **extra):
        super().__init__(message)
        self.status = status
        self.body = {'error': {
                'type': type_, 'message': message, 'code': code,
                'param': param, **extra}}


class StripeServer:
    "Start and stop the server; read and change what it holds"

    def __init__(self, secret_key='sk_test_telco', webhook_secret=None):
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_url = None
        self.outage = False
        self.requests = []
        self.objects = {}
        self.events = []
        self.pending = []
        self.deliveries = []
        self._idempotent = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server = None

    # -- running ------------------------------------------------------------
    @property
    def url(self):
        host, port = self._server.server_address
        return f'http://{host}:{port}'

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length).decode()
                split = urlsplit(self.path)
                status, answer = server.handle(
                    self.command, split.path,
                    parse_qsl(split.query) + parse_qsl(body),
                    self.headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.send_header('Request-Id', f'req_{next(server._ids)}')
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- requests -----------------------------------------------------------
    ROUTES = [
        ('POST', r'/v1/customers', 'create_customer'),
        ('GET', r'/v1/customers/(?P<id>[^/]+)', 'retrieve'),
        ('POST', r'/v1/customers/(?P<id>[^/]+)', 'update'),
        ('DELETE', r'/v1/customers/(?P<id>[^/]+)', 'delete'),
        ('GET', r'/v1/payment_methods', 'list_payment_methods'),
        ('POST', r'/v1/payment_methods/(?P<id>[^/]+)/attach', 'attach'),
        ('POST', r'/v1/payment_methods/(?P<id>[^/]+)/detach', 'detach'),
        ('POST', r'/v1/setup_intents', 'create_setup_intent'),
        ('GET', r'/v1/setup_intents/(?P<id>[^/]+)', 'retrieve'),
        ('POST', r'/v1/setup_intents/(?P<id>[^/]+)/cancel', 'cancel'),
        ('POST', r'/v1/payment_intents', 'create_payment_intent'),
        ('GET', r'/v1/payment_intents/(?P<id>[^/]+)', 'retrieve'),
        ('POST', r'/v1/payment_intents/(?P<id>[^/]+)/confirm', 'confirm'),
        ('POST', r'/v1/payment_intents/(?P<id>[^/]+)/cancel', 'cancel'),
        ('POST', r'/v1/payment_intents/(?P<id>[^/]+)/capture', 'capture'),
        ('GET', r'/v1/charges/(?P<id>[^/]+)', 'retrieve'),
        ('POST', r'/v1/customer_sessions', 'create_customer_session'),
        ('POST', r'/v1/refunds', 'create_refund'),
        ('GET', r'/v1/events', 'list_events'),
        ('GET', r'/v1/events/(?P<id>[^/]+)', 'retrieve'),
        ]

    def handle(self, method, path, pairs, headers):
        "Answer a request: (HTTP status, JSON body)"
        with self._lock:
            params = _nested(pairs)
            self.requests.append((method, path, params))
            key = headers.get('Idempotency-Key') if method == 'POST' else None
            try:
                if self.outage:
                    raise StripeError(503, 'api_error',
                        "Stripe is temporarily unavailable.")
                if headers.get('Authorization') != (
                        f'Bearer {self.secret_key}'):
                    raise StripeError(401, 'invalid_request_error',
                        "Invalid API Key provided.")
                if key and (path, key) in self._idempotent:
                    return self._idempotent[path, key]
                for route_method, pattern, name in self.ROUTES:
                    match = re.fullmatch(pattern, path)
                    if route_method == method and match:
                        answer = 200, getattr(self, name)(
                            params, **match.groupdict())
                        break
                else:
                    raise StripeError(404, 'invalid_request_error',
                        f"Unrecognized request URL ({method}: {path}).")
            except StripeError as error:
                answer = error.status, error.body
            # Stripe keeps the answer of a key, except of its own faults,
            # so that a retry after an incident goes through
            if key and answer[0] < 500:
                self._idempotent[path, key] = answer
            return answer

    # -- objects ------------------------------------------------------------
    def _new(self, prefix, type_, **values):
        id_ = f'{prefix}_{next(self._ids):06d}'
        obj = {'id': id_, 'object': type_, 'created': int(time.time()),
            'livemode': False, 'metadata': {}, **values}
        self.objects[id_] = obj
        return obj

    def _get(self, id_, type_=None):
        obj = self.objects.get(id_)
        if obj is None or obj.get('deleted') or (
                type_ and obj['object'] != type_):
            raise StripeError(404, 'invalid_request_error',
                f"No such {type_ or 'object'}: '{id_}'",
                code='resource_missing', param='id')
        return obj

    def event(self, type_, obj):
        "Record the event of the object, to deliver to the webhook"
        event = self._new('evt', 'event', type=type_,
            api_version='2026-03-25.dahlia', pending_webhooks=1,
            data={'object': json.loads(json.dumps(obj))})
        self.events.append(event)
        self.pending.append(event)
        return event

    def deliver_pending(self):
        """Deliver the events not yet delivered, oldest first, as Stripe
        does after answering; return their HTTP statuses"""
        with self._lock:
            events, self.pending = self.pending, []
        return [self.deliver(e) for e in events]

    def deliver(self, event, secret=None, signature=None):
        """POST the event to the webhook signed with the secret (the
        server's by default) or with the signature given; return the
        HTTP status"""
        payload = json.dumps(event).encode()
        if signature is None:
            signature = sign(payload, secret or self.webhook_secret)
        request = urllib.request.Request(self.webhook_url, data=payload,
            headers={'Content-Type': 'application/json; charset=utf-8',
                'Stripe-Signature': signature}, method='POST')
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.deliveries.append((event['id'], status))
        return status

    def card(self, payment_method):
        "The payment method object of a test card"
        if payment_method not in self.objects:
            if payment_method not in CARDS:
                raise StripeError(400, 'invalid_request_error',
                    f"No such PaymentMethod: '{payment_method}'",
                    code='resource_missing', param='payment_method')
            brand, last4, _ = CARDS[payment_method]
            self.objects[payment_method] = {
                'id': payment_method, 'object': 'payment_method',
                'type': 'card', 'customer': None,
                'created': int(time.time()), 'livemode': False,
                'card': {'brand': brand, 'last4': last4, 'exp_month': 12,
                    'exp_year': 2034, 'fingerprint': f'fp_{last4}'},
                }
        return self.objects[payment_method]

    # -- customers and cards ------------------------------------------------
    def create_customer(self, params):
        customer = self._new('cus', 'customer',
            email=params.get('email'), name=params.get('name'),
            phone=params.get('phone'),
            preferred_locales=params.get('preferred_locales', []))
        if params.get('payment_method'):
            self.attach({'customer': customer['id']},
                params['payment_method'])
        return customer

    def update(self, params, id):
        obj = self._get(id)
        obj.update({k: v for k, v in params.items() if k != 'expand'})
        return obj

    def delete(self, params, id):
        obj = self._get(id)
        obj['deleted'] = True
        return {'id': id, 'object': obj['object'], 'deleted': True}

    def retrieve(self, params, id):
        obj = self._get(id)
        expand = params.get('expand') or []
        if obj['object'] == 'payment_intent' and obj.get('latest_charge'):
            if 'latest_charge' in expand:
                obj = dict(obj, latest_charge=self.objects[
                        obj['latest_charge']])
        elif obj['object'] == 'customer' and 'sources' in expand:
            # the legacy sources: none, cards are payment methods
            obj = dict(obj, sources=self._list(
                    f"/v1/customers/{id}/sources", []))
        return obj

    def create_customer_session(self, params):
        customer = self._get(params.get('customer'), 'customer')
        return {'object': 'customer_session', 'customer': customer['id'],
            'client_secret': f"cuss_secret_{next(self._ids):06d}",
            'components': params.get('components', {}),
            'created': int(time.time()), 'livemode': False,
            'expires_at': int(time.time()) + 1800}

    def attach(self, params, id):
        method = self.card(id)
        self._get(params.get('customer'), 'customer')
        method['customer'] = params['customer']
        return method

    def detach(self, params, id):
        method = self._get(id, 'payment_method')
        method['customer'] = None
        return method

    def list_payment_methods(self, params):
        methods = [o for o in self.objects.values()
            if o['object'] == 'payment_method'
            and o['customer'] == params.get('customer')
            and params.get('type', o['type']) == o['type']]
        return self._list('/v1/payment_methods', methods)

    def create_setup_intent(self, params):
        intent = self._new('seti', 'setup_intent',
            status='requires_payment_method', payment_method=None,
            customer=params.get('customer'), usage='off_session')
        intent['client_secret'] = f"{intent['id']}_secret_test"
        return intent

    def confirm_setup_intent(self, id, payment_method):
        """The customer saves a card on the checkout page (what Stripe.js
        does in the browser)"""
        with self._lock:
            intent = self._get(id, 'setup_intent')
            self.card(payment_method)
            intent.update(status='succeeded', payment_method=payment_method)
            self.event('setup_intent.succeeded', intent)
            return intent

    # -- payments -----------------------------------------------------------
    def create_payment_intent(self, params):
        for name in ['amount', 'currency']:
            if not params.get(name):
                raise StripeError(400, 'invalid_request_error',
                    f"Missing required param: {name}.", param=name)
        amount = int(params['amount'])
        if amount < 50:
            raise StripeError(400, 'invalid_request_error',
                "Amount must be at least 50 cents.",
                code='amount_too_small', param='amount')
        intent = self._new('pi', 'payment_intent', amount=amount,
            amount_received=0, amount_capturable=0,
            currency=params['currency'].lower(),
            customer=params.get('customer'),
            description=params.get('description'),
            capture_method=params.get('capture_method', 'automatic'),
            payment_method=params.get('payment_method'),
            off_session=params.get('off_session'),
            status='requires_payment_method', latest_charge=None,
            last_payment_error=None)
        intent['client_secret'] = f"{intent['id']}_secret_test"
        self.event('payment_intent.created', intent)
        if params.get('confirm') == 'true':
            return self.confirm(params, intent['id'])
        return intent

    def confirm(self, params, id):
        intent = self._get(id, 'payment_intent')
        if params.get('payment_method'):
            intent['payment_method'] = params['payment_method']
        if not intent['payment_method']:
            raise StripeError(400, 'invalid_request_error',
                "You cannot confirm this PaymentIntent because it's "
                "missing a payment method.",
                code='payment_intent_unexpected_state')
        method = self.card(intent['payment_method'])
        decline = CARDS.get(method['id'], (None, None, None))[2]
        charge = self._new('ch', 'charge', amount=intent['amount'],
            amount_captured=0, amount_refunded=0, captured=False,
            currency=intent['currency'], customer=intent['customer'],
            payment_intent=intent['id'],
            payment_method=intent['payment_method'], refunded=False,
            status='pending', failure_code=None, failure_message=None,
            paid=False)
        intent['latest_charge'] = charge['id']
        off_session = params.get(
            'off_session', intent.get('off_session')) == 'true'
        if decline == 'authentication_required' and not off_session:
            intent['status'] = 'requires_action'
            return intent
        if decline:
            message = DECLINE_MESSAGES[decline]
            charge.update(status='failed', failure_code=decline,
                failure_message=message)
            intent.update(status='requires_payment_method',
                last_payment_error={'code': decline, 'message': message,
                    'type': 'card_error', 'decline_code': decline})
            self.event('charge.failed', charge)
            self.event('payment_intent.payment_failed', intent)
            raise StripeError(402, 'card_error', message, code=decline,
                decline_code=decline, charge=charge['id'],
                payment_intent=json.loads(json.dumps(intent)))
        if intent['capture_method'] == 'manual':
            # authorized only: captured later
            charge.update(status='succeeded', paid=True)
            intent.update(status='requires_capture',
                amount_capturable=intent['amount'])
            self.event('charge.succeeded', charge)
            self.event('payment_intent.amount_capturable_updated', intent)
            return intent
        return self._captured(intent, charge, intent['amount'])

    def _captured(self, intent, charge, amount):
        charge.update(status='succeeded', paid=True, captured=True,
            amount_captured=amount)
        intent.update(status='succeeded', amount_received=amount,
            amount_capturable=0)
        self.event('charge.succeeded', charge)
        self.event('charge.captured', charge)
        self.event('payment_intent.succeeded', intent)
        return intent

    def capture(self, params, id):
        intent = self._get(id, 'payment_intent')
        if intent['status'] != 'requires_capture':
            raise StripeError(400, 'invalid_request_error',
                "This PaymentIntent could not be captured because it has a "
                f"status of {intent['status']}.",
                code='payment_intent_unexpected_state')
        amount = int(params.get('amount_to_capture') or intent['amount'])
        return self._captured(
            intent, self.objects[intent['latest_charge']], amount)

    def cancel(self, params, id):
        obj = self._get(id)
        if obj['status'] == 'succeeded':
            raise StripeError(400, 'invalid_request_error',
                f"You cannot cancel this {obj['object']} because it has a "
                "status of succeeded.", code='unexpected_state')
        obj['status'] = 'canceled'
        if obj['object'] == 'payment_intent':
            self.event('payment_intent.canceled', obj)
        return obj

    def create_refund(self, params):
        intent = self._get(params.get('payment_intent'), 'payment_intent')
        charge = self.objects[intent['latest_charge']]
        amount = int(params.get('amount') or charge['amount_captured'])
        if amount > charge['amount_captured'] - charge['amount_refunded']:
            raise StripeError(400, 'invalid_request_error',
                "Refund amount is greater than the unrefunded amount.",
                code='amount_too_large', param='amount')
        refund = self._new('re', 'refund', amount=amount,
            charge=charge['id'], payment_intent=intent['id'],
            reason=params.get('reason'), status='succeeded',
            failure_reason=None)
        charge['amount_refunded'] += amount
        charge['refunded'] = (
            charge['amount_refunded'] == charge['amount_captured'])
        self.event('charge.refunded', charge)
        return refund

    # -- events -------------------------------------------------------------
    def _list(self, url, data, has_more=False):
        return {'object': 'list', 'url': url, 'has_more': has_more,
            'data': data}

    def list_events(self, params):
        "The events newest first, those after ending_before only"
        events = list(reversed(self.events))
        if params.get('ending_before'):
            ids = [e['id'] for e in events]
            events = events[:ids.index(params['ending_before'])]
        limit = int(params.get('limit') or 10)
        # after a cursor, the events nearest to it
        page = (events[-limit:] if params.get('ending_before')
            else events[:limit])
        return self._list('/v1/events', page, has_more=len(events) > limit)
