# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the providers' webhooks say: their payloads read into delivery
reports (reference, state, date, error) and inbound messages (address,
text, provider's id, name, date), and the calls refused."""
import datetime as dt
import hashlib
import hmac
import time
from email.utils import parseaddr

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.telco_base.model import OperatorMixin

from .provider import INFOBIP_GROUPS, KANNEL_TYPES

# WhatsApp's statuses are our states
WHATSAPP_STATES = {
    'sent': 'sent', 'delivered': 'delivered', 'read': 'read',
    'failed': 'failed'}


def _from_timestamp(value):
    try:
        return dt.datetime.utcfromtimestamp(float(value))
    except (TypeError, ValueError):
        return None


def _from_iso(value):
    try:
        date = dt.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except (AttributeError, ValueError):
        return None
    if date.tzinfo:
        date = date.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return date


def kannel(args):
    """Kannel's calls of our URL: a report (event=dlr, our ref, its %d) or
    a customer's message (event=mo, %p, %a and %I)"""
    reports, inbound = [], []
    if args.get('event') == 'dlr':
        state = KANNEL_TYPES.get(args.get('type', ''))
        if state:
            reports.append((args.get('ref'), state, None, None))
    elif args.get('event') == 'mo':
        inbound.append((
                args.get('from'), args.get('text', ''), args.get('id'),
                None, _from_timestamp(args.get('time'))))
    return reports, inbound


def sms_json(payload):
    """The JSON gateway's posts (Infobip's shape): results with a status
    are reports, results with a text are customers' messages"""
    reports, inbound = [], []
    for result in payload.get('results', []) or []:
        if 'status' in result:
            group = (result.get('status') or {}).get('groupName')
            state = INFOBIP_GROUPS.get(group)
            error = (result.get('error') or {}).get('description')
            if state:
                reports.append((
                        result.get('messageId'), state,
                        _from_iso(result.get('doneAt')),
                        None if error in {None, 'No Error'} else error))
        elif 'text' in result or 'cleanText' in result:
            inbound.append((
                    result.get('from'),
                    result.get('cleanText') or result.get('text') or '',
                    result.get('messageId'), None,
                    _from_iso(result.get('receivedAt'))))
    return reports, inbound


def whatsapp(payload):
    "WhatsApp Cloud API's notifications: statuses and messages"
    reports, inbound = [], []
    for entry in payload.get('entry', []) or []:
        for change in entry.get('changes', []) or []:
            value = change.get('value') or {}
            names = {
                c.get('wa_id'): (c.get('profile') or {}).get('name')
                for c in value.get('contacts', []) or []}
            for status in value.get('statuses', []) or []:
                state = WHATSAPP_STATES.get(status.get('status'))
                errors = status.get('errors') or [{}]
                if state:
                    reports.append((
                            status.get('id'), state,
                            _from_timestamp(status.get('timestamp')),
                            errors[0].get('title')))
            for message in value.get('messages', []) or []:
                if message.get('type') == 'text':
                    text = (message.get('text') or {}).get('body', '')
                elif message.get('type') == 'button':
                    text = (message.get('button') or {}).get('text', '')
                else:
                    text = f"[{message.get('type')}]"
                inbound.append((
                        message.get('from'), text, message.get('id'),
                        names.get(message.get('from')),
                        _from_timestamp(message.get('timestamp'))))
    return reports, inbound


def messenger(payload):
    """Messenger's webhook: messages, deliveries (of message ids) and
    reads (a watermark, reported as the page's messages read before it)"""
    reports, inbound, reads = [], [], []
    if payload.get('object') != 'page':
        return reports, inbound, reads
    for entry in payload.get('entry', []) or []:
        for event in entry.get('messaging', []) or []:
            sender = (event.get('sender') or {}).get('id')
            if 'message' in event:
                message = event['message']
                if message.get('is_echo'):
                    continue
                inbound.append((
                        sender, message.get('text') or '[attachment]',
                        message.get('mid'), None,
                        _from_timestamp(
                            (event.get('timestamp') or 0) / 1000)))
            elif 'delivery' in event:
                for mid in event['delivery'].get('mids', []) or []:
                    reports.append((mid, 'delivered', None, None))
            elif 'read' in event:
                reads.append((sender, _from_timestamp(
                            event['read'].get('watermark', 0) / 1000)))
    return reports, inbound, reads


# an inbound e-mail's signature older than this is refused (a replay)
EMAIL_SIGNATURE_AGE = 15 * 60


def email_signed(secret, form, now=None):
    """Whether the inbound e-mail carries the mail provider's signature
    (Mailgun's: the HMAC-SHA256 of timestamp and token with the webhook
    signing key) made in the last 15 minutes"""
    timestamp = form.get('timestamp', '')
    token = form.get('token', '')
    signature = form.get('signature', '')
    if not (secret and timestamp and token and signature):
        return False
    try:
        age = abs((now or time.time()) - float(timestamp))
    except ValueError:
        return False
    expected = hmac.new(
        secret.encode('utf-8'), (timestamp + token).encode('utf-8'),
        hashlib.sha256).hexdigest()
    return (hmac.compare_digest(expected, signature)
        and age <= EMAIL_SIGNATURE_AGE)


def email(form):
    """An inbound e-mail as the mail providers' inbound routes post it
    (Mailgun's fields): the sender's address and name, the subject over
    the text without the quoted reply (or the whole plain body), its
    Message-Id"""
    name, address = parseaddr(form.get('from', ''))
    address = form.get('sender') or address
    text = (form.get('stripped-text') or form.get('body-plain') or '').strip()
    subject = (form.get('subject') or '').strip()
    if subject:
        text = f"{subject}\n\n{text}" if text else subject
    return [], [(
            address, text, form.get('Message-Id') or None, name or None,
            _from_timestamp(form.get('timestamp')))]


class Refusal(OperatorMixin, ModelSQL, ModelView):
    """Refused webhook call

    A call of a channel's webhook without the provider's signature or
    with a wrong one, kept with the reason."""
    __name__ = 'telco.messaging.refusal'
    __string__ = "Refused Webhook Call"

    channel = fields.Many2One(
        'telco.messaging.channel', "Channel", required=True, readonly=True,
        ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    reason = fields.Char("Reason", readonly=True)
    remote = fields.Char("From", readonly=True)
    body = fields.Text("Body", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.date, Index.Range(order='DESC'))))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def refuse(cls, channel, reason, remote, body):
        cls.create([{
                    'company': channel.company.id,
                    'channel': channel.id,
                    'date': dt.datetime.now(),
                    'reason': reason,
                    'remote': remote,
                    'body': (body or '')[:4000],
                    }])
