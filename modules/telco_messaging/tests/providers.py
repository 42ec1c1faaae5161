# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A local HTTP server that answers like the messaging providers, for the
tests and the benchmark.

One server speaks four protocols, each on its real paths and with its real
shapes, status codes and errors, so that the channels' providers run their
real requests against it:

- Kannel's smsbox: ``GET /cgi-bin/sendsms`` (202 "0: Accepted for
  delivery", 403 on a wrong password); the delivery reports are Kannel's
  GET of the message's ``dlr-url`` with ``%d`` replaced, the customers'
  messages its GET of the sms-service URL;
- an Infobip-style JSON gateway: ``POST /sms/2/text/advanced`` (many
  messages a request, a ``messageId`` taken once, 401, 429); its reports
  and customers' messages are posted as ``{"results": [...]}`` signed with
  ``X-Hub-Signature-256``;
- the WhatsApp Cloud API: ``POST /<version>/<phone number id>/messages``
  (free text refused with error 131047 outside the 24 hours after the
  customer's last message, templates taken if approved) and its signed
  webhook notifications (statuses, messages);
- a mail provider's inbound route (Mailgun's form: sender, subject,
  stripped-text, Message-Id, timestamp, token, signature);
- Messenger's Send API: ``POST /<version>/me/messages`` (a RESPONSE
  outside the window refused with error 10 / 2018278) and its signed
  webhook events (messages, deliveries, reads).

``down = True`` answers 503 to every request; ``throttle = n`` answers the
next n requests with 429.  What was accepted is kept in ``sent`` (one
entry per message accepted once) and ``duplicates`` counts the messages a
gateway refused to take twice."""
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.request
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

WINDOW = 24 * 3600


def meta_signature(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f'sha256={digest}'


class ProviderServer:

    def __init__(self, kannel_user='kannel', kannel_password='kannel-pw',
            api_key='infobip-key', token='meta-token',
            templates=('offer_alert', 'satisfaction')):
        self.kannel_user = kannel_user
        self.kannel_password = kannel_password
        self.api_key = api_key
        self.token = token
        self.templates = set(templates)
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.down = False
        self.throttle = 0
        self.requests = 0
        self.sent = []
        self.accepted = {}
        self.duplicates = 0
        self.windows = {}
        # where the CRM's webhooks are: {kind: (url, secret)}
        self.webhooks = {}
        self.server = None

    # -- serving -------------------------------------------------------------
    def start(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            # an answer in one segment: headers and body written apart
            # wait for the client's delayed ACK (40 ms a request)
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _answer(self, status, body, content_type='application/json'):
                data = (body if isinstance(body, bytes)
                    else (json.dumps(body) if not isinstance(body, str)
                        else body).encode())
                self.send_response(status)
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                provider._handle(self, 'GET')

            def do_POST(self):
                provider._handle(self, 'POST')

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self):
        return f'http://127.0.0.1:{self.server.server_port}'

    def reset(self):
        with self.lock:
            self.down = False
            self.throttle = 0
            self.sent.clear()
            self.accepted.clear()
            self.duplicates = 0
            self.windows.clear()

    def _handle(self, handler, method):
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        with self.lock:
            self.requests += 1
            if self.down:
                return handler._answer(
                    503, 'Service Unavailable', 'text/plain')
            if self.throttle:
                self.throttle -= 1
                return self._throttled(handler, parts.path)
        path = parts.path.rstrip('/')
        if path == '/cgi-bin/sendsms' and method == 'GET':
            return self._kannel(handler, query)
        if path == '/sms/2/text/advanced' and method == 'POST':
            return self._infobip(handler, body)
        segments = path.strip('/').split('/')
        if len(segments) == 3 and segments[2] == 'messages':
            if segments[1] == 'me':
                return self._messenger(handler, query, body)
            return self._whatsapp(handler, segments[1], body)
        handler._answer(404, {'error': 'not found'})

    def _throttled(self, handler, path):
        if path.startswith('/cgi-bin'):
            return handler._answer(503, 'Too many requests', 'text/plain')
        if path.startswith('/sms/'):
            return handler._answer(429, {'requestError': {
                        'serviceException': {
                            'messageId': 'TOO_MANY_REQUESTS',
                            'text': 'Too many requests'}}})
        return handler._answer(429, {'error': {
                    'message': '(#130429) Rate limit hit',
                    'type': 'OAuthException', 'code': 130429,
                    'fbtrace_id': 'A1'}})

    def _keep(self, kind, to, text, ref, extra=None):
        "Keep an accepted message once; False if its id was taken before"
        with self.lock:
            if ref in self.accepted:
                self.duplicates += 1
                return False
            entry = {'kind': kind, 'to': to, 'text': text, 'ref': ref,
                **(extra or {})}
            self.accepted[ref] = entry
            self.sent.append(entry)
            return True

    # -- Kannel ---------------------------------------------------------------
    def _kannel(self, handler, query):
        if (query.get('username') != self.kannel_user
                or query.get('password') != self.kannel_password):
            return handler._answer(
                403, 'Authorization failed for sendsms', 'text/plain')
        if not query.get('to'):
            return handler._answer(
                400, 'Missing receiver number for sendsms', 'text/plain')
        ref = f'kannel-{next(self.ids)}'
        self._keep('kannel', query['to'], query.get('text', ''), ref, {
                'from': query.get('from'),
                'dlr_url': query.get('dlr-url'),
                'coding': query.get('coding'),
                })
        handler._answer(202, '0: Accepted for delivery', 'text/plain')

    def kannel_report(self, entry, type_):
        "Kannel calls the message's dlr-url with the report's type (%d)"
        url = entry['dlr_url'].replace('%d', str(type_))
        return _call('GET', url)

    def kannel_mo(self, sender, text, token, message_id=None):
        """Kannel's sms-service calls its get-url for a customer's SMS:
        our URL with %p (sender), %a (text), %I (id), %t (time)"""
        url, _ = self.webhooks['kannel']
        params = {
            'token': token, 'event': 'mo', 'from': sender, 'text': text,
            'id': message_id or f'mo-{next(self.ids)}',
            'time': str(int(time.time()))}
        return _call('GET', url.split('?')[0] + '?' + urlencode(
                params, quote_via=quote))

    # -- Infobip-style JSON gateway ------------------------------------------
    def _infobip(self, handler, body):
        if handler.headers.get('Authorization') != f'App {self.api_key}':
            return handler._answer(401, {'requestError': {
                        'serviceException': {
                            'messageId': 'UNAUTHORIZED',
                            'text': 'Invalid login details'}}})
        try:
            payload = json.loads(body)
        except ValueError:
            return handler._answer(400, {'requestError': {
                        'serviceException': {
                            'messageId': 'BAD_REQUEST',
                            'text': 'Bad request'}}})
        answers = []
        for message in payload.get('messages', []):
            for destination in message.get('destinations', []):
                ref = destination.get('messageId') or f'ib-{next(self.ids)}'
                self._keep('sms_json', destination.get('to'),
                    message.get('text'), ref, {
                        'notify_url': message.get('notifyUrl')})
                answers.append({
                        'to': destination.get('to'),
                        'status': {
                            'groupId': 1, 'groupName': 'PENDING', 'id': 26,
                            'name': 'PENDING_ACCEPTED',
                            'description': 'Message sent to next instance'},
                        'messageId': ref})
        handler._answer(200, {
                'bulkId': f'bulk-{next(self.ids)}', 'messages': answers})

    def infobip_reports(self, refs, group='DELIVERED'):
        "The gateway posts delivery reports of the messages refs"
        url, secret = self.webhooks['sms_json']
        names = {'DELIVERED': (3, 5, 'DELIVERED_TO_HANDSET'),
            'UNDELIVERABLE': (2, 9, 'UNDELIVERABLE_NOT_DELIVERED'),
            'REJECTED': (5, 6, 'REJECTED_NETWORK')}
        group_id, id_, name = names[group]
        now = time.strftime('%Y-%m-%dT%H:%M:%S.000+0000', time.gmtime())
        payload = {'results': [{
                    'bulkId': None, 'messageId': ref,
                    'to': self.accepted.get(ref, {}).get('to'),
                    'sentAt': now, 'doneAt': now, 'smsCount': 1,
                    'price': {'pricePerMessage': 0.01, 'currency': 'EUR'},
                    'status': {'groupId': group_id, 'groupName': group,
                        'id': id_, 'name': name},
                    'error': {'groupId': 0, 'groupName': 'OK', 'id': 0,
                        'name': 'NO_ERROR', 'description': 'No Error',
                        'permanent': False},
                    } for ref in refs]}
        return self._post_signed(url, secret, payload)

    def infobip_mo(self, sender, text, message_id=None):
        url, secret = self.webhooks['sms_json']
        payload = {'results': [{
                    'messageId': message_id or f'ib-mo-{next(self.ids)}',
                    'from': sender.lstrip('+'), 'to': '21698000000',
                    'text': text, 'cleanText': text, 'keyword': '',
                    'receivedAt': time.strftime(
                        '%Y-%m-%dT%H:%M:%S.000+0000', time.gmtime()),
                    'smsCount': 1}],
            'messageCount': 1, 'pendingMessageCount': 0}
        return self._post_signed(url, secret, payload)

    # -- WhatsApp Cloud API ---------------------------------------------------
    def _graph_error(self, handler, status, code, message, subcode=None):
        error = {'message': message, 'type': 'OAuthException', 'code': code,
            'fbtrace_id': 'AbCdEf'}
        if subcode:
            error['error_subcode'] = subcode
        handler._answer(status, {'error': error})

    def _whatsapp(self, handler, phone_number_id, body):
        if handler.headers.get('Authorization') != f'Bearer {self.token}':
            return self._graph_error(
                handler, 401, 190, 'Invalid OAuth access token.')
        payload = json.loads(body or b'{}')
        to = payload.get('to')
        if payload.get('messaging_product') != 'whatsapp' or not to:
            return self._graph_error(
                handler, 400, 100, 'Invalid parameter')
        if payload.get('type') == 'template':
            name = payload['template']['name']
            if name not in self.templates:
                return self._graph_error(
                    handler, 404, 132001,
                    'Template name does not exist in the translation')
            text = f'[{name}] ' + ' '.join(
                p['text'] for c in payload['template'].get('components', [])
                for p in c.get('parameters', []))
        else:
            if time.time() - self.windows.get(('whatsapp', to), 0) > WINDOW:
                return self._graph_error(
                    handler, 400, 131047,
                    'Re-engagement message: more than 24 hours have passed '
                    'since the recipient last replied')
            text = payload['text']['body']
        wamid = f'wamid.HBgL{next(self.ids):08d}'
        self._keep('whatsapp', to, text, wamid, {
                'phone_number_id': phone_number_id,
                'template': payload.get('template', {}).get('name')})
        handler._answer(200, {
                'messaging_product': 'whatsapp',
                'contacts': [{'input': to, 'wa_id': to}],
                'messages': [{'id': wamid}]})

    def whatsapp_status(self, wamid, status):
        url, secret = self.webhooks['whatsapp']
        entry = self.accepted[wamid]
        value = {
            'messaging_product': 'whatsapp',
            'metadata': {'display_phone_number': '21698000000',
                'phone_number_id': entry['phone_number_id']},
            'statuses': [{
                    'id': wamid, 'status': status,
                    'timestamp': str(int(time.time())),
                    'recipient_id': entry['to'],
                    **({'errors': [{'code': 131026,
                                    'title': 'Message undeliverable'}]}
                        if status == 'failed' else {}),
                    }]}
        return self._post_signed(url, secret, _whatsapp_payload(value))

    def whatsapp_inbound(self, sender, text, name=None, message_id=None,
            secret=None):
        "The customer writes on WhatsApp: the window opens"
        url, channel_secret = self.webhooks['whatsapp']
        sender = sender.lstrip('+')
        with self.lock:
            self.windows[('whatsapp', sender)] = time.time()
        value = {
            'messaging_product': 'whatsapp',
            'metadata': {'display_phone_number': '21698000000',
                'phone_number_id': '1000001'},
            'contacts': [{'profile': {'name': name or sender},
                    'wa_id': sender}],
            'messages': [{
                    'from': sender,
                    'id': message_id or f'wamid.IN{next(self.ids):08d}',
                    'timestamp': str(int(time.time())),
                    'type': 'text', 'text': {'body': text}}]}
        return self._post_signed(
            url, secret or channel_secret, _whatsapp_payload(value))

    # -- Messenger Send API ---------------------------------------------------
    def _messenger(self, handler, query, body):
        if query.get('access_token') != self.token:
            return self._graph_error(
                handler, 400, 190, 'Invalid OAuth access token.')
        payload = json.loads(body or b'{}')
        psid = (payload.get('recipient') or {}).get('id')
        if not psid:
            return self._graph_error(handler, 400, 100, 'Invalid parameter')
        in_window = (time.time() - self.windows.get(('messenger', psid), 0)
            <= WINDOW)
        if payload.get('messaging_type') == 'RESPONSE' and not in_window:
            return self._graph_error(
                handler, 400, 10,
                'This message is sent outside of allowed window.',
                subcode=2018278)
        if payload.get('messaging_type') == 'MESSAGE_TAG' and (
                payload.get('tag') not in {'ACCOUNT_UPDATE',
                    'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE',
                    'HUMAN_AGENT'}):
            return self._graph_error(handler, 400, 100, 'Invalid tag')
        mid = f'm_{next(self.ids):010d}'
        self._keep('messenger', psid, payload['message'].get('text'), mid, {
                'messaging_type': payload.get('messaging_type')})
        handler._answer(200, {'recipient_id': psid, 'message_id': mid})

    def messenger_inbound(self, psid, text, page_id='2000001', mid=None):
        url, secret = self.webhooks['messenger']
        with self.lock:
            self.windows[('messenger', psid)] = time.time()
        now = int(time.time() * 1000)
        return self._post_signed(url, secret, {
                'object': 'page',
                'entry': [{'id': page_id, 'time': now, 'messaging': [{
                                'sender': {'id': psid},
                                'recipient': {'id': page_id},
                                'timestamp': now,
                                'message': {
                                    'mid': mid or f'm_in_{next(self.ids)}',
                                    'text': text}}]}]})

    def messenger_delivery(self, psid, mids, page_id='2000001'):
        url, secret = self.webhooks['messenger']
        now = int(time.time() * 1000)
        return self._post_signed(url, secret, {
                'object': 'page',
                'entry': [{'id': page_id, 'time': now, 'messaging': [{
                                'sender': {'id': psid},
                                'recipient': {'id': page_id},
                                'timestamp': now,
                                'delivery': {'mids': list(mids),
                                    'watermark': now}}]}]})

    def messenger_read(self, psid, page_id='2000001'):
        url, secret = self.webhooks['messenger']
        now = int(time.time() * 1000)
        return self._post_signed(url, secret, {
                'object': 'page',
                'entry': [{'id': page_id, 'time': now, 'messaging': [{
                                'sender': {'id': psid},
                                'recipient': {'id': page_id},
                                'timestamp': now,
                                'read': {'watermark': now}}]}]})

    # -- webhooks -------------------------------------------------------------
    # -- a mail provider's inbound route (Mailgun's) ------------------------
    def email_inbound(self, sender, subject, text, message_id=None,
            timestamp=None, signing_key=None):
        """The mail provider posts an e-mail to the channel's address as a
        form, signed with the HMAC-SHA256 of timestamp and token"""
        url, secret = self.webhooks['email']
        if signing_key is not None:
            secret = signing_key
        timestamp = str(int(timestamp or time.time()))
        token = f'token-{next(self.ids)}'
        signature = hmac.new(
            (secret or '').encode(), (timestamp + token).encode(),
            hashlib.sha256).hexdigest()
        body = urlencode({
                'sender': parseaddr(sender)[1], 'from': sender,
                'recipient': 'care@operator.example.com',
                'subject': subject, 'body-plain': text + '\n\n> quoted',
                'stripped-text': text,
                'Message-Id': message_id or f'<mail-{next(self.ids)}@x>',
                'timestamp': timestamp, 'token': token,
                'signature': signature,
                }).encode()
        return _call('POST', url, body, {
                'Content-Type': 'application/x-www-form-urlencoded'})

    def _post_signed(self, url, secret, payload):
        body = json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if secret:
            headers['X-Hub-Signature-256'] = meta_signature(secret, body)
        return _call('POST', url, body, headers)


def _whatsapp_payload(value):
    return {
        'object': 'whatsapp_business_account',
        'entry': [{'id': '3000001', 'changes': [{
                        'value': value, 'field': 'messages'}]}]}


def _call(method, url, body=None, headers=None):
    "Call the CRM; return (status, text)"
    request = urllib.request.Request(
        url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
