# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Messages in and out, their queue, templates and opt-outs.

``Message.send`` is the one way a module talks to a customer: it picks the
channel, the address and the language, checks consent, opt-outs and quiet
hours, renders the template and queues the message.  The queue
(``Message.process``) hands due messages to the providers in batches: a
batch is marked *sending* and committed before it leaves, so that a worker
killed midway leaves it to be taken again after its lease, with the same
reference (which the JSON gateway takes once); the providers' answers are
written in bulk.  Delivery reports and inbound messages come back through
the webhooks (routes.py)."""
import datetime as dt
import json
import logging
import string
import unicodedata
import uuid
from collections import defaultdict

from sql import Cast, Literal, Null, Values
from sql.functions import CurrentTimestamp

from trytond import backend, config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.model.exceptions import ValidationError
from trytond.modules.telco_base import phone
from trytond.modules.telco_base.model import (
    OperatorMixin, same_operator)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from .channel import MEDIA, MEDIUM
from .exceptions import MessagingError
from .provider import Outgoing
from .sources import row_id_index

logger = logging.getLogger(__name__)

STATES = [
    ('queued', "Queued"),
    ('sending', "Sending"),
    ('sent', "Sent"),
    ('delivered', "Delivered"),
    ('read', "Read"),
    ('failed', "Failed"),
    ('blocked', "Not Sent"),
    ('received', "Received"),
    ]
# a report never takes a message back: delivered does not become sent
RANK = {
    'queued': 0, 'sending': 1, 'sent': 2, 'delivered': 3, 'read': 4,
    'failed': 3, 'blocked': 9, 'received': 9}
PURPOSES = [
    ('service', "Service"),
    ('marketing', "Marketing"),
    ]
DIRECTIONS = [
    ('in', "In"),
    ('out', "Out"),
    ]
# the words that stop the messages, compared without case nor accents
STOP_WORDS = {
    'stop', 'arret', 'stopall', 'unsubscribe', 'desabonner', 'desinscrire',
    'quit', 'end', 'cancel', 'annuler', 'توقف'}
START_WORDS = {'start', 'demarrer', 'unstop', 'subscribe', 'ابدأ'}
# the queue: tries, the wait after each failure (doubled, at most a day)
# and the time a batch may stay with a worker before another takes it
MAX_ATTEMPTS = 8
FIRST_WAIT = dt.timedelta(seconds=30)
MAX_WAIT = dt.timedelta(days=1)
WINDOW = dt.timedelta(hours=24)
TIMESTAMP = 'TIMESTAMP'


def lease():
    "How long a worker holds the messages it took before others may"
    return dt.timedelta(
        seconds=config.getint('telco_messaging', 'lease', default=300))


def backoff(attempts):
    "The wait before the next try of a message that failed attempts times"
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), MAX_WAIT)


def _keyword(text):
    word = unicodedata.normalize('NFKD', (text or '').strip().lower())
    word = ''.join(c for c in word if not unicodedata.combining(c))
    return word.strip('.! ')


def is_stop(text):
    return _keyword(text) in STOP_WORDS


def is_start(text):
    return _keyword(text) in START_WORDS


def normalize_address(medium, address, region=None):
    "The address as stored: E.164 for SMS and WhatsApp, as is otherwise"
    address = (address or '').strip()
    if medium in {'sms', 'whatsapp'} and address:
        # the gateways and WhatsApp give international numbers without +
        return (phone.to_e164(address, region)
            or phone.to_e164('+' + address.lstrip('0'), region)
            or address)
    if medium == 'email':
        return address.lower()
    return address


class Template(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    """Message template

    A text an operator sends again and again, in each language of its
    customers (translated as Tryton translates), with placeholders
    ($name, ${amount}) filled by the module that sends it."""
    __name__ = 'telco.messaging.template'
    __string__ = "Message Template"

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char(
        "Code", required=True, strip=True,
        help="How the modules find the template (e.g. dunning_reminder).")
    purpose = fields.Selection(PURPOSES, "Purpose", required=True)
    quick_reply = fields.Boolean(
        "Quick Reply", help="Offered to the agents when they answer.")
    subject = fields.Char("Subject", translate=True, help="For e-mails.")
    body = fields.Text("Body", required=True, translate=True)
    whatsapp_name = fields.Char(
        "WhatsApp Template",
        help="The name of the template approved by Meta, sent outside the "
        "24 hours after the customer's last message; its parameters are the "
        "placeholders of the body in their order.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'telco_messaging.msg_template_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_purpose(cls):
        return 'service'

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if field_names and not field_names & {'body', 'subject'}:
            return
        for template in templates:
            for text in [template.body, template.subject]:
                if text and not string.Template(text).is_valid():
                    raise ValidationError(gettext(
                            'telco_messaging.msg_template_invalid',
                            template=template.rec_name))

    def placeholders(self):
        return string.Template(self.body or '').get_identifiers()

    def render(self, values, language=None):
        """Return (subject, body) in the language with the values; a
        placeholder without value stays as written"""
        with Transaction().set_context(language=language):
            template = self.__class__(self.id)
            subject, body = template.subject, template.body
        values = {k: '' if v is None else str(v) for k, v in values.items()}
        subject = string.Template(subject).safe_substitute(values) if (
            subject) else None
        return subject, string.Template(body).safe_substitute(values)

    @classmethod
    def find(cls, company, code):
        templates = cls.search([
                ('company', '=', company.id),
                ('code', '=', code),
                ], limit=1)
        if not templates:
            raise MessagingError(gettext(
                    'telco_messaging.msg_template_missing', code=code))
        return templates[0]


class OptOut(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    """Opt-out

    An address that asked to receive nothing more, on one medium or on all
    (a STOP answered to any message, or an agent's entry).  Deactivated
    when the customer opts in again."""
    __name__ = 'telco.messaging.opt_out'
    __string__ = "Opt-out"
    _rec_name = 'address'

    address = fields.Char("Address", required=True, strip=True)
    medium = fields.Selection(
        [(None, "All")] + MEDIA, "Medium",
        help="Leave empty to stop every medium.")
    party = fields.Many2One(
        'party.party', "Customer", ondelete='SET NULL',
        context={'company': Eval('company', -1)}, depends={'company'})
    date = fields.DateTime("Date", required=True)
    source = fields.Selection([
            ('keyword', "Keyword from the Customer"),
            ('agent', "Agent"),
            ], "Source", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party)
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.company, Index.Equality()),
                (t.address, Index.Equality(cardinality='high')),
                where=t.active == Literal(True)))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def default_source(cls):
        return 'agent'

    @classmethod
    def opted_out(cls, company, medium, addresses):
        "The addresses among addresses that refuse the medium"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        found = set()
        for sub in grouped_slice(list(addresses), 1000):
            cursor.execute(*table.select(
                    table.address,
                    where=(table.company == company.id)
                    & (table.active == Literal(True))
                    & table.address.in_(list(sub))
                    & ((table.medium == Null) | (table.medium == medium))))
            found.update(a for a, in cursor)
        return found


class Message(OperatorMixin, ModelSQL, ModelView):
    """Message

    One message to or from a customer on one channel, with its way through
    the provider: queued, sent, delivered, read or failed, and why.  Only
    the server writes messages (no group may create or write them): the
    modules through send, the queue, the webhooks."""
    __name__ = 'telco.messaging.message'
    __string__ = "Message"
    _rec_name = 'reference'

    channel = fields.Many2One(
        'telco.messaging.channel', "Channel", required=True, readonly=True,
        ondelete='RESTRICT')
    medium = fields.Selection(MEDIA, "Medium", readonly=True)
    direction = fields.Selection(
        DIRECTIONS, "Direction", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Customer", readonly=True, ondelete='SET NULL',
        context={'company': Eval('company', -1)}, depends={'company'})
    address = fields.Char("Address", required=True, readonly=True)
    conversation = fields.Many2One(
        'telco.messaging.conversation', "Conversation", readonly=True,
        ondelete='CASCADE')
    bulk = fields.Many2One(
        'telco.messaging.bulk', "Bulk Send", readonly=True,
        ondelete='CASCADE')
    template = fields.Many2One(
        'telco.messaging.template', "Template", readonly=True,
        ondelete='SET NULL')
    whatsapp_template = fields.Char("WhatsApp Template", readonly=True)
    template_values = fields.Text("Template Values", readonly=True)
    language = fields.Char("Language", readonly=True)
    purpose = fields.Selection(
        PURPOSES, "Purpose", required=True, readonly=True)
    subject = fields.Char("Subject", readonly=True)
    body = fields.Text("Body", readonly=True)
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True)
    agent = fields.Many2One('res.user', "Agent", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    error = fields.Char("Error", readonly=True)
    attempts = fields.Integer("Attempts", readonly=True)
    next_try = fields.DateTime("Next Try", readonly=True)
    reference = fields.Char("Reference", required=True, readonly=True)
    provider_ref = fields.Char("Provider's Reference", readonly=True)
    sent_at = fields.DateTime("Sent at", readonly=True)
    delivered_at = fields.DateTime("Delivered at", readonly=True)
    read_at = fields.DateTime("Read at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        same_operator(cls.channel)
        same_operator(cls.party)
        same_operator(cls.conversation)
        same_operator(cls.bulk)
        same_operator(cls.template)
        t = cls.__table__()
        cls._sql_constraints += [
            ('reference_unique', Unique(t, t.reference),
                'telco_messaging.msg_message_reference_unique'),
            ]
        cls._sql_indexes.update({
                # the queue
                Index(t,
                    (t.next_try, Index.Range()),
                    where=t.state.in_(['queued', 'sending'])),
                # the reports and the inbound messages, by provider's id
                Index(t,
                    (t.channel, Index.Equality()),
                    (t.provider_ref, Index.Equality(cardinality='high'))),
                # the customer's timeline
                Index(t,
                    (t.party, Index.Equality()),
                    (t.date, Index.Range(order='DESC'))),
                # the 24 hours of the last inbound message of an address
                Index(t,
                    (t.channel, Index.Equality()),
                    (t.address, Index.Equality(cardinality='high')),
                    (t.date, Index.Range(order='DESC')),
                    where=t.direction == 'in'),
                Index(t, (t.bulk, Index.Equality()), (t.state, Index.Equality(
                            cardinality='low'))),
                row_id_index(t, cls.__name__),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'retry': {
                    'invisible': Eval('state') != 'failed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def default_direction(cls):
        return 'out'

    @classmethod
    def default_purpose(cls):
        return 'service'

    @classmethod
    def default_reference(cls):
        return uuid.uuid4().hex

    @classmethod
    def _get_origins(cls):
        "The models a message may come from"
        return ['telco.messaging.bulk', 'telco.messaging.conversation']

    @classmethod
    def get_origins(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origins()]

    def get_rec_name(self, name):
        return f'{self.address} ({self.date:%Y-%m-%d %H:%M})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('address',) + tuple(clause[1:])]

    @classmethod
    def copy(cls, messages, default=None):
        if messages:
            raise MessagingError(gettext('telco_messaging.msg_message_copy'))
        return super().copy(messages, default=default)

    @classmethod
    def last_inbound(cls, channel, address, at=None):
        at = at or dt.datetime.now()
        with without_check_access():
            messages = cls.search([
                    ('channel', '=', channel.id),
                    ('address', '=', address),
                    ('direction', '=', 'in'),
                    ('date', '>=', at - WINDOW),
                    ], order=[('date', 'DESC')], limit=1)
        return messages[0] if messages else None

    # Sending

    @classmethod
    def address_types(cls, medium):
        "The types of contact mechanism of the medium, preferred first"
        return {
            'sms': ['mobile', 'phone'],
            'whatsapp': ['mobile', 'phone'],
            'messenger': ['messenger'],
            'email': ['email'],
            }[medium]

    @classmethod
    def _address_of(cls, party, medium):
        "The party's address on the medium, or None"
        types = cls.address_types(medium)
        mechanisms = sorted(
            (m for m in party.contact_mechanisms if m.type in types),
            key=lambda m: (types.index(m.type), m.sequence or 0, m.id))
        for mechanism in mechanisms:
            if medium in {'sms', 'whatsapp'}:
                return mechanism.value_compact or mechanism.value
            return mechanism.value
        return None

    @classmethod
    def _channel_for(cls, company, party, channel, address):
        """The channel to use: the one given (a record or a medium), else
        the party's preferred medium if it has an address on it, else the
        first channel the party can be reached on"""
        pool = Pool()
        Channel = pool.get('telco.messaging.channel')
        if isinstance(channel, Channel):
            return channel
        media = [channel] if channel else []
        if not channel and party is not None:
            if party.messaging_medium:
                media.append(party.messaging_medium)
            media.extend(m for m, _ in MEDIA if m not in media)
        with without_check_access():
            channels = Channel.of_operator(company)
        for medium in media or [m for m, _ in MEDIA]:
            for candidate in channels:
                if candidate.medium != medium:
                    continue
                if party is None and address:
                    return candidate
                if party is not None and (
                        address or cls._address_of(party, medium)):
                    return candidate
        return None

    @classmethod
    def prepare(cls, recipient, channel=None, template=None, values=None,
            language=None, body=None, subject=None, purpose=None,
            origin=None, conversation=None, agent=None, company=None):
        """Return the unsaved message to recipient (a party or an address),
        queued or, when it must not leave, 'blocked' with the reason.

        channel is a channel or a medium (sms, whatsapp, messenger, email);
        by default the customer's preferred medium.  template is a template
        or its code, rendered with values in language (by default the
        customer's).  purpose (service or marketing, by default the
        template's) decides consent and quiet hours."""
        pool = Pool()
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        Template = pool.get('telco.messaging.template')
        OptOut = pool.get('telco.messaging.opt_out')
        party = recipient if isinstance(recipient, Party) else None
        address = None if party is not None else recipient
        if company is None:
            company = party.company if party else Company(
                Transaction().context['company'])
        if party is not None and party.company != company:
            raise MessagingError(gettext(
                    'telco_messaging.msg_send_other_operator',
                    party=party.rec_name))
        channel = cls._channel_for(company, party, channel, address)
        if channel is None:
            raise MessagingError(gettext(
                    'telco_messaging.msg_send_no_channel',
                    recipient=party.rec_name if party else address))
        if channel.company != company:
            raise MessagingError(gettext(
                    'telco_messaging.msg_send_other_operator',
                    party=channel.rec_name))
        medium = MEDIUM[channel.kind]
        region = company.phone_country.code if getattr(
            company, 'phone_country', None) else None
        if party is not None and not address:
            address = cls._address_of(party, medium)
        address = normalize_address(medium, address, region)
        if isinstance(template, str):
            template = Template.find(company, template)
        if language is None:
            lang = party.lang if party else None
            language = lang.code if lang else (
                company.party.lang.code if company.party.lang else 'fr')
        purpose = purpose or (template.purpose if template else 'service')
        values = dict(values or {})
        if party is not None:
            values.setdefault('name', party.rec_name)
        values.setdefault('operator', company.rec_name)
        if template:
            subject, body = template.render(values, language)
        message = cls(
            company=company, channel=channel, medium=medium,
            direction='out', party=party, address=address,
            conversation=conversation, template=template, language=language,
            purpose=purpose, subject=subject, body=body, origin=origin,
            agent=agent, state='queued', attempts=0, date=dt.datetime.now(),
            reference=uuid.uuid4().hex)
        if not body:
            raise MessagingError(gettext('telco_messaging.msg_send_empty'))
        reason = None
        if not address:
            reason = gettext('telco_messaging.msg_no_address', medium=medium)
        elif OptOut.opted_out(company, medium, [address]):
            reason = gettext('telco_messaging.msg_opted_out')
        elif purpose == 'marketing' and not (
                party and party.marketing_consent):
            reason = gettext('telco_messaging.msg_no_consent')
        elif medium == 'whatsapp' and not cls.last_inbound(channel, address):
            # outside the 24 hours, WhatsApp takes only approved templates
            if template and template.whatsapp_name:
                message.whatsapp_template = template.whatsapp_name
                message.template_values = json.dumps([
                        values.get(n, '') for n in template.placeholders()])
            else:
                reason = gettext('telco_messaging.msg_whatsapp_window')
        elif medium == 'messenger' and purpose == 'marketing' and not (
                cls.last_inbound(channel, address)):
            reason = gettext('telco_messaging.msg_messenger_window')
        if reason:
            message.state = 'blocked'
            message.error = reason
        elif purpose == 'marketing':
            message.next_try = channel.quiet_until()
        return message

    @classmethod
    def send(cls, recipient, **kwargs):
        """Queue a message to recipient (see prepare) and return it; one
        that must not leave is kept 'blocked' with the reason"""
        message = cls.prepare(recipient, **kwargs)
        with without_check_access():
            message.save()
            if message.state == 'queued':
                cls.__queue__.deliver([message])
        return message

    @classmethod
    def deliver(cls, messages):
        "Queue task: hand the messages to their providers now"
        cls.process(ids=[m.id for m in messages])

    @classmethod
    @ModelView.button
    def retry(cls, messages):
        "Queue the failed messages again"
        with without_check_access():
            failed = [m for m in messages if m.state == 'failed']
            cls.write(failed, {
                    'state': 'queued', 'error': None, 'attempts': 0,
                    'next_try': None})
        if failed:
            cls.__queue__.deliver(failed)

    @classmethod
    def _take(cls, limit, ids=None, channels=None):
        """Lock and lease the due messages, at most limit: mark them
        sending until the lease ends; return their ids"""
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        now = CurrentTimestamp()
        where = (table.state.in_(['queued', 'sending'])
            & ((table.next_try == None) | (table.next_try <= now)))
        if ids is not None:
            where &= reduce_ids(table.id, ids)
        if channels:
            where &= table.channel.in_([c.id for c in channels])
        query = table.select(
            table.id, where=where, order_by=[table.id.asc], limit=limit)
        if database.has_select_for():
            For = database.get_select_for_skip_locked()
            query.for_ = For('UPDATE')
        cursor.execute(*query)
        taken = [r[0] for r in cursor]
        if taken:
            lease_end = dt.datetime.now() + lease()
            for sub in grouped_slice(taken, 1000):
                cursor.execute(*table.update(
                        [table.state, table.next_try, table.attempts,
                            table.write_date],
                        ['sending', lease_end, table.attempts + 1,
                            CurrentTimestamp()],
                        where=reduce_ids(table.id, list(sub))))
            transaction.cache.clear()
        return taken

    @classmethod
    def process(cls, ids=None, channels=None, batch=1000, limit=None,
            commit=False, progress=None):
        """Hand the due messages to their providers, batch by batch, until
        none is due (or limit messages were taken); return the number
        taken.  With commit, each batch is committed once leased and once
        answered, so that a worker stopped midway loses nothing: the
        messages it held are taken again when their lease ends."""
        transaction = Transaction()
        count = 0
        while limit is None or count < limit:
            size = batch if limit is None else min(batch, limit - count)
            with without_check_access():
                taken = cls._take(size, ids=ids, channels=channels)
            if not taken:
                break
            if commit:
                transaction.commit()
            count += len(taken)
            answers = cls._hand_over(taken)
            cls._write_answers(answers, commit)
            if progress:
                progress(count)
            if ids is not None:
                break
        return count

    @classmethod
    def send_queued(cls):
        "Cron: send the due messages, each batch committed"
        cls.process(commit=True)

    @classmethod
    def _hand_over(cls, ids):
        """Hand the messages to their channels' providers.  Read in SQL:
        a batch is thousands of messages, which the ORM would instantiate
        each with the whole batch to prefetch."""
        pool = Pool()
        Channel = pool.get('telco.messaging.channel')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        rows = []
        for sub in grouped_slice(ids, 1000):
            cursor.execute(*table.select(
                    table.id, table.attempts, table.channel,
                    table.reference, table.address, table.subject,
                    table.body, table.language, table.whatsapp_template,
                    table.template_values, table.medium,
                    where=reduce_ids(table.id, list(sub))))
            rows.extend(cursor)
        by_channel = defaultdict(list)
        for row in sorted(rows):
            by_channel[row[2]].append(row)
        answers = []
        with without_check_access():
            for channel_id, rows in by_channel.items():
                channel = Channel(channel_id)
                outgoing = [Outgoing(
                        reference=reference, address=address,
                        subject=subject, body=body or '', language=language,
                        whatsapp_template=whatsapp_template,
                        parameters=json.loads(values or '[]'),
                        in_window=medium == 'messenger' and bool(
                            cls.last_inbound(channel, address)))
                    for (_, _, _, reference, address, subject, body,
                        language, whatsapp_template, values, medium)
                    in rows]
                results = channel.provider().send(outgoing)
                answers.append(([(r[0], r[1]) for r in rows], results))
        return answers

    @classmethod
    def _write_answers(cls, answers, commit):
        """Write what the providers answered.  With commit, in a snapshot
        taken after the hand-over, tried again when a delivery report
        wrote one of the messages meanwhile (its state then wins)"""
        transaction = Transaction()
        if commit:
            transaction.commit()
        for attempt in range(5):
            try:
                for messages, results in answers:
                    cls._answered(messages, results)
                if commit:
                    transaction.commit()
                return
            except backend.DatabaseOperationalError:
                if not commit or attempt == 4:
                    raise
                transaction.rollback()

    @classmethod
    def _answered(cls, messages, results):
        """Write the providers' results in bulk; messages are (id, attempts)
        in the order of results"""
        # cut to the second as the ORM writes a DateTime
        now = dt.datetime.now().replace(microsecond=0)
        sent, retried, failed = [], [], []
        for (message_id, attempts), result in zip(messages, results):
            if result.status == 'sent':
                sent.append((message_id, result.ref))
            elif (result.status == 'retry'
                    and attempts < MAX_ATTEMPTS):
                wait = backoff(attempts)
                if result.retry_after:
                    wait = max(wait, dt.timedelta(seconds=result.retry_after))
                retried.append((message_id, now + wait, result.error))
            else:
                failed.append((message_id, result.error))
                logger.info("message %s failed: %s", message_id, result.error)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for chunk in _chunks(sent):
            values = Values(chunk)
            cursor.execute(*table.update(
                    [table.state, table.provider_ref, table.sent_at,
                        table.error, table.next_try, table.write_date],
                    ['sent', values.column2, now, None, None,
                        CurrentTimestamp()],
                    from_=[values],
                    where=(table.id == values.column1)
                    & (table.state == 'sending')))
        for chunk in _chunks(retried):
            values = Values(chunk)
            cursor.execute(*table.update(
                    [table.state, table.next_try, table.error,
                        table.write_date],
                    ['queued', Cast(values.column2, TIMESTAMP), values.column3,
                        CurrentTimestamp()],
                    from_=[values],
                    where=(table.id == values.column1)
                    & (table.state == 'sending')))
        for chunk in _chunks(failed):
            values = Values(chunk)
            cursor.execute(*table.update(
                    [table.state, table.error, table.next_try,
                        table.write_date],
                    ['failed', values.column2, None, CurrentTimestamp()],
                    from_=[values],
                    where=(table.id == values.column1)
                    & (table.state == 'sending')))
        # the records read before hold the states of before
        Transaction().cache.clear()
        if failed:
            cls._failed([i for i, _ in failed])

    @classmethod
    def _failed(cls, ids):
        "Tell the modules that sent them that messages failed for good"
        pass

    # Reports and inbound messages

    @classmethod
    def report(cls, channel, reports):
        """Record the providers' delivery reports on channel: reports is a
        list of (reference, state, date, error); a report never takes a
        message back (delivered does not become sent) and a message of
        another channel is never touched.  Return the number applied."""
        by_ref = {}
        for ref, state, date, error in reports:
            if ref:
                by_ref.setdefault(ref, []).append((state, date, error))
        applied = 0
        rows = []
        # the gateways report our reference (they took it as the message's
        # id), Meta its own id
        key = 'reference' if channel.kind in {'kannel', 'sms_json'} else (
            'provider_ref')
        with without_check_access():
            for sub in grouped_slice(list(by_ref), 1000):
                messages = cls.search([
                        (key, 'in', list(sub)),
                        ('channel', '=', channel.id),
                        ('direction', '=', 'out'),
                        ])
                for message in messages:
                    ref = getattr(message, key)
                    state = message.state
                    sent_at, delivered_at, read_at = (
                        message.sent_at, message.delivered_at,
                        message.read_at)
                    error = message.error
                    for new, date, new_error in sorted(
                            by_ref[ref], key=lambda r: RANK[r[0]]):
                        if RANK.get(new, -1) <= RANK[state]:
                            continue
                        if state in {'delivered', 'read'} and new == 'failed':
                            continue
                        state = new
                        date = date or dt.datetime.now()
                        if new == 'sent':
                            sent_at = sent_at or date
                        elif new == 'delivered':
                            delivered_at = date
                        elif new == 'read':
                            read_at = date
                            delivered_at = delivered_at or date
                        elif new == 'failed':
                            error = new_error or error
                    if state != message.state:
                        applied += 1
                        rows.append((
                                message.id, state, sent_at, delivered_at,
                                read_at, error))
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for chunk in _chunks(rows):
            values = Values(chunk)
            cursor.execute(*table.update(
                    [table.state, table.sent_at, table.delivered_at,
                        table.read_at, table.error, table.next_try,
                        table.write_date],
                    [values.column2, Cast(values.column3, TIMESTAMP),
                        Cast(values.column4, TIMESTAMP),
                        Cast(values.column5, TIMESTAMP), values.column6, None,
                        CurrentTimestamp()],
                    from_=[values],
                    where=table.id == values.column1))
        Transaction().cache.clear()
        failed = [r[0] for r in rows if r[1] == 'failed']
        if failed:
            cls._failed(failed)
        return applied

    @classmethod
    def read_up_to(cls, channel, address, watermark):
        "The messages to address on channel until watermark were read"
        with without_check_access():
            messages = cls.search([
                    ('channel', '=', channel.id),
                    ('address', '=', address),
                    ('direction', '=', 'out'),
                    ('state', 'in', ['sent', 'delivered']),
                    ('date', '<=', watermark),
                    ])
        return cls.report(
            channel, [(m.provider_ref, 'read', watermark, None)
                for m in messages if m.provider_ref])

    @classmethod
    def receive(cls, channel, address, body, provider_ref=None, name=None,
            date=None):
        """Record a customer's message on channel and open or continue its
        conversation; a message already received (same provider's id) is
        returned as it was.  'STOP' opts the address out of the medium."""
        pool = Pool()
        Conversation = pool.get('telco.messaging.conversation')
        OptOut = pool.get('telco.messaging.opt_out')
        company = channel.company
        medium = MEDIUM[channel.kind]
        region = company.phone_country.code if getattr(
            company, 'phone_country', None) else None
        address = normalize_address(medium, address, region)
        with without_check_access(), Transaction().set_context(
                company=company.id):
            if provider_ref:
                known = cls.search([
                        ('channel', '=', channel.id),
                        ('direction', '=', 'in'),
                        ('provider_ref', '=', provider_ref),
                        ], limit=1)
                if known:
                    return known[0]
            now = dt.datetime.now()
            if date is None:
                date = now
            elif not date.microsecond:
                # dated to the second by the provider, it was written within
                # that second: at its end (when not after now), after what
                # we sent earlier in the same second, even when the call
                # comes late
                date = min(
                    date + dt.timedelta(microseconds=999999), now)
            party = cls.find_party(company, medium, address)
            consumed = cls._consume(channel, address, party, body, date)
            if consumed:
                # an answer to what we asked (a survey): no conversation
                message = cls(
                    company=company, channel=channel, medium=medium,
                    direction='in', party=party, address=address,
                    body=body, state='received', purpose='service',
                    provider_ref=provider_ref, origin=consumed,
                    date=date,
                    reference=uuid.uuid4().hex)
                message.save()
                return message
            conversation = Conversation.current(
                channel, address, party, name)
            message = cls(
                company=company, channel=channel, medium=medium,
                direction='in', party=party, address=address,
                conversation=conversation, body=body, state='received',
                purpose='service', provider_ref=provider_ref,
                date=date, reference=uuid.uuid4().hex,
                language=conversation.language)
            message.save()
            Conversation.received(conversation, message)
            if is_stop(body):
                # the confirmation is the last message the address gets
                cls.send(
                    party or address, channel=channel,
                    body=gettext('telco_messaging.msg_stop_confirmed'),
                    conversation=conversation, company=company)
                OptOut.create([{
                            'company': company.id, 'address': address,
                            'medium': medium, 'party': party,
                            'source': 'keyword', 'date': message.date,
                            }])
            elif is_start(body):
                OptOut.write(OptOut.search([
                            ('company', '=', company.id),
                            ('address', '=', address),
                            ['OR',
                                ('medium', '=', None),
                                ('medium', '=', medium)],
                            ]), {'active': False})
        return message

    @classmethod
    def _consume(cls, channel, address, party, body, date):
        """Return the record a customer's message answers (a survey), or
        None when the message opens or continues a conversation"""
        return None

    @classmethod
    def find_party(cls, company, medium, address):
        "The operator's customer of the address, or None"
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        if not address:
            return None
        if medium in {'sms', 'whatsapp'}:
            domain = [
                ('type', 'in', ['mobile', 'phone']),
                ('value_compact', '=', address)]
        elif medium == 'messenger':
            domain = [('type', '=', 'messenger'), ('value', '=', address)]
        else:
            domain = [('type', '=', 'email'), ('value', 'ilike', address)]
        mechanisms = Mechanism.search(domain + [
                ('party.company', '=', company.id),
                ], order=[('id', 'ASC')], limit=1)
        return mechanisms[0].party if mechanisms else None


def _chunks(rows, size=1000):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]

