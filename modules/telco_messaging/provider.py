# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The providers' protocols: how a message leaves for each kind of channel
and what the provider's answer means.

Each provider takes a batch of messages and answers one Result per message:
*sent* with the provider's id, *retry* when the provider could not take it
now (down, busy, rate limited; the queue tries again later) or *failed*
when it refused it for good.  Nothing here reads or writes the database:
the queue (message.py) does."""
import hashlib
import hmac
import logging
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from urllib.parse import urlencode

import requests

from trytond import config
from trytond.sendmail import send_message
from trytond.tools.email_ import format_address

from . import smpp

logger = logging.getLogger(__name__)

TIMEOUT = config.getfloat('telco_messaging', 'timeout', default=10)

Result = namedtuple('Result', ['status', 'ref', 'error', 'retry_after'])
# What a provider is given: plain values read in the queue's transaction,
# since the requests of a batch run in threads that have none.
Settings = namedtuple('Settings', [
        'name', 'kind', 'url', 'api_version', 'sender', 'username',
        'password', 'rate', 'concurrency', 'company_name'])
Outgoing = namedtuple('Outgoing', [
        'reference', 'address', 'subject', 'body', 'language',
        'whatsapp_template', 'parameters', 'in_window'])


def sent(ref):
    return Result('sent', ref, None, None)


def retry(error, retry_after=None):
    return Result('retry', None, error, retry_after)


def failed(error):
    return Result('failed', None, error, None)


def sign(secret, body):
    "The X-Hub-Signature-256 of body: Meta's webhooks and the JSON gateway"
    if isinstance(body, str):
        body = body.encode('utf-8')
    digest = hmac.new(secret.encode('utf-8'), body, hashlib.sha256)
    return 'sha256=' + digest.hexdigest()


def signature_valid(secret, body, header):
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header)


def _retry_after(response):
    value = response.headers.get('Retry-After')
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RateLimiter:
    "At most rate calls per second, shared by the threads of a batch"

    def __init__(self, rate):
        self.interval = 1.0 / rate if rate else 0
        self.lock = threading.Lock()
        self.next_at = time.monotonic()

    def wait(self, count=1):
        "Wait until count more calls fit in the rate"
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(self.next_at, now)
            self.next_at = at + self.interval * count
        if at > now:
            time.sleep(at - now)


class Provider:
    "One channel's provider; ``send`` takes messages, answers Results"
    # how many messages one request carries
    batch = 1

    def __init__(self, channel, callback_url=None):
        self.channel = channel
        self.callback_url = callback_url
        self.limiter = RateLimiter(channel.rate)
        self._local = threading.local()

    @property
    def session(self):
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def send(self, messages):
        "Send the messages, answer their Results in the same order"
        if self.batch > 1:
            results = []
            for i in range(0, len(messages), self.batch):
                chunk = messages[i:i + self.batch]
                self.limiter.wait(len(chunk))
                results.extend(self._guarded(self.send_many, chunk))
            return results
        workers = max(1, min(self.channel.concurrency or 1, len(messages)))
        if workers == 1:
            return [self._one(m) for m in messages]
        with ThreadPoolExecutor(max_workers=workers) as executor:
            return list(executor.map(self._one, messages))

    def _one(self, message):
        self.limiter.wait()
        result, = self._guarded(lambda ms: [self.send_one(ms[0])], [message])
        return result

    def _guarded(self, func, messages):
        try:
            return func(messages)
        except requests.RequestException as exception:
            logger.info(
                "%s unreachable: %s", self.channel.name, exception)
            return [retry(str(exception))] * len(messages)

    def send_one(self, message):
        raise NotImplementedError

    def send_many(self, messages):
        raise NotImplementedError


class KannelSMS(Provider):
    """Kannel's smsbox ``sendsms`` HTTP interface: one GET per message, the
    delivery reports asked by dlr-mask and called back on dlr-url by
    Kannel (its %d escape is the report's type)."""

    def send_one(self, message):
        channel = self.channel
        params = {
            'username': channel.username or '',
            'password': channel.password or '',
            'to': message.address,
            'text': message.body,
            'charset': 'UTF-8',
            'coding': '0' if gsm7(message.body) else '2',
            }
        if channel.sender:
            params['from'] = channel.sender
        if self.callback_url:
            # 1 delivered, 2 undelivered, 4 buffered, 8 submitted, 16
            # rejected by the SMSC
            params['dlr-mask'] = '31'
            params['dlr-url'] = self.callback_url + '&' + urlencode({
                    'event': 'dlr', 'ref': message.reference}) + '&type=%d'
        response = self.session.get(
            channel.url.rstrip('/') + '/cgi-bin/sendsms', params=params,
            timeout=TIMEOUT)
        text = response.text.strip()
        if response.status_code in {200, 202}:
            # "0: Accepted for delivery", "3: Queued for later delivery";
            # Kannel has no id of its own: ours comes back in the reports
            return sent(message.reference)
        if response.status_code >= 500:
            return retry(
                f'HTTP {response.status_code}: {text}'[:200],
                _retry_after(response))
        return failed(text or f'HTTP {response.status_code}')


GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "^{}\\[~]|€")


def gsm7(text):
    "Whether text fits the GSM 03.38 alphabet (else it is sent in UCS-2)"
    return set(text or '') <= GSM7


class JsonSMS(Provider):
    """An HTTP/JSON SMS gateway in the shape of Infobip's SMS API v2
    (``POST /sms/2/text/advanced``, ``Authorization: App <key>``): many
    messages a request, our reference as the message id (the gateway
    takes a message id once), delivery reports posted to notifyUrl."""
    batch = 500

    def send_many(self, messages):
        channel = self.channel
        payload = {'messages': [{
                    'from': channel.sender or '',
                    'destinations': [{
                            'to': m.address.lstrip('+'),
                            'messageId': m.reference}],
                    'text': m.body,
                    **({'notifyUrl': self.callback_url,
                            'notifyContentType': 'application/json'}
                        if self.callback_url else {}),
                    } for m in messages]}
        response = self.session.post(
            channel.url.rstrip('/') + '/sms/2/text/advanced',
            json=payload, timeout=TIMEOUT,
            headers={'Authorization': f'App {channel.password or ""}'})
        if response.status_code == 429 or response.status_code >= 500:
            error = f'HTTP {response.status_code}: {response.text}'[:200]
            return [retry(error, _retry_after(response))] * len(messages)
        if response.status_code != 200:
            error = _infobip_error(response)
            return [failed(error)] * len(messages)
        answers = {
            a.get('messageId'): a
            for a in response.json().get('messages', [])}
        results = []
        for message in messages:
            answer = answers.get(message.reference)
            if not answer:
                results.append(retry("no answer for the message"))
                continue
            group = answer.get('status', {}).get('groupName')
            if group in {'PENDING', 'DELIVERED'}:
                results.append(sent(message.reference))
            else:
                results.append(failed(
                        answer.get('status', {}).get('description')
                        or group))
        return results


def _infobip_error(response):
    try:
        exception = response.json()['requestError']['serviceException']
        return exception.get('text') or exception.get('messageId')
    except (ValueError, KeyError, TypeError):
        return response.text or f'HTTP {response.status_code}'


# Infobip's status groups: 1 pending, 2 undeliverable, 3 delivered, 4
# expired, 5 rejected
INFOBIP_GROUPS = {
    'PENDING': 'sent', 'DELIVERED': 'delivered',
    'UNDELIVERABLE': 'failed', 'EXPIRED': 'failed', 'REJECTED': 'failed'}
# Kannel's report types (dlr-mask bits)
KANNEL_TYPES = {
    '1': 'delivered', '2': 'failed', '4': 'sent', '8': 'sent',
    '16': 'failed'}


class SmppSMS(Provider):
    """SMPP 3.4 to the operator's SMSC (smpp.py): one transmitter bind a
    batch, ``submit_sm`` with at most "parallel requests" unanswered; the
    SMSC's id of the message is the provider's id its delivery receipts
    name (they arrive on the listener's receiver bind, listener.py)."""
    batch = 1000

    def send(self, messages):
        channel = self.channel
        client = smpp.client(channel, TIMEOUT)
        try:
            smpp.bind(client, channel, 'transmitter')
        except smpp.ERRORS as exception:
            smpp.close(client)
            logger.info("%s: bind refused: %s", channel.name, exception)
            # a wrong password is the administrator's to mend: the
            # messages wait with the backoff meanwhile
            return [retry(f'SMPP bind: {exception}')] * len(messages)
        try:
            answers = smpp.submit(
                client, channel.sender, messages, self.limiter,
                max(1, channel.concurrency or 1))
        finally:
            smpp.close(client)
        results = []
        for answer in answers:
            if answer is None:
                results.append(retry("SMPP link broken"))
            elif answer[0] == 'ok':
                results.append(sent(answer[1]))
            elif answer[2] in smpp.RETRY_STATUSES:
                results.append(retry(smpp.status_text(answer[2])))
            else:
                results.append(failed(smpp.status_text(answer[2])))
        return results


class Graph(Provider):
    "Meta's Graph API: errors, rate limits"
    # Graph's error codes that say "later": throttling and temporary errors
    RETRY_CODES = {1, 2, 4, 17, 32, 613, 80007, 130429, 131016, 131048,
        131056}

    def url(self, path):
        base = (self.channel.url or 'https://graph.facebook.com').rstrip('/')
        version = self.channel.api_version or 'v21.0'
        return f'{base}/{version}/{path}'

    def answer(self, response, id_of):
        if response.status_code == 200:
            return sent(id_of(response.json()))
        try:
            error = response.json()['error']
        except (ValueError, KeyError, TypeError):
            error = {'message': response.text}
        code = error.get('code')
        message = error.get('message') or f'HTTP {response.status_code}'
        if code is not None:
            message = f'({code}) {message}'
        if (response.status_code == 429 or response.status_code >= 500
                or code in self.RETRY_CODES):
            return retry(message, _retry_after(response))
        return failed(message)


class WhatsApp(Graph):
    """The WhatsApp Cloud API: ``POST /<version>/<phone number id>/
    messages``; a template outside the 24-hour window of the customer's
    last message, free text within it."""

    def send_one(self, message):
        channel = self.channel
        payload = {
            'messaging_product': 'whatsapp',
            'recipient_type': 'individual',
            'to': message.address.lstrip('+'),
            }
        if message.whatsapp_template:
            payload['type'] = 'template'
            payload['template'] = {
                'name': message.whatsapp_template,
                'language': {'code': message.language or 'fr'},
                'components': [{
                        'type': 'body',
                        'parameters': [
                            {'type': 'text', 'text': str(v)}
                            for v in message.parameters],
                        }],
                }
        else:
            payload['type'] = 'text'
            payload['text'] = {'preview_url': False, 'body': message.body}
        response = self.session.post(
            self.url(f'{channel.sender}/messages'), json=payload,
            timeout=TIMEOUT,
            headers={'Authorization': f'Bearer {channel.password or ""}'})
        return self.answer(response, lambda d: d['messages'][0]['id'])


class Messenger(Graph):
    """Messenger's Send API: ``POST /<version>/me/messages`` with the
    page's token; a reply within 24 hours of the customer's message, else
    a tagged message (ACCOUNT_UPDATE) that only service messages may use."""

    def send_one(self, message):
        channel = self.channel
        payload = {
            'recipient': {'id': message.address},
            'message': {'text': message.body},
            }
        if message.in_window:
            payload['messaging_type'] = 'RESPONSE'
        else:
            payload['messaging_type'] = 'MESSAGE_TAG'
            payload['tag'] = 'ACCOUNT_UPDATE'
        response = self.session.post(
            self.url('me/messages'), json=payload, timeout=TIMEOUT,
            params={'access_token': channel.password or ''})
        return self.answer(response, lambda d: d['message_id'])


class Email(Provider):
    "Tryton's mail (the [email] uri of trytond.conf)"

    def send_one(self, message):
        channel = self.channel
        msg = EmailMessage()
        msg['From'] = format_address(
            channel.sender or config.get('email', 'from'),
            channel.company_name)
        msg['To'] = message.address
        msg['Subject'] = message.subject or channel.company_name
        msg['Message-ID'] = f'<{message.reference}@telco-crm>'
        msg.set_content(message.body)
        try:
            send_message(msg, strict=True)
        except Exception as exception:
            return retry(str(exception) or repr(exception))
        return sent(msg['Message-ID'])


PROVIDERS = {
    'kannel': KannelSMS,
    'sms_json': JsonSMS,
    'smpp': SmppSMS,
    'whatsapp': WhatsApp,
    'messenger': Messenger,
    'email': Email,
    }
