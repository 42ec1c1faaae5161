# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Bulk sends: one message to every customer of a segment."""
import datetime as dt
import json
import string
import uuid

from sql import Literal, Null
from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, same_operator)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from .message import PURPOSES, normalize_address

STATES = [
    ('draft', "Draft"),
    ('queuing', "Queuing"),
    ('running', "Sending"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]
CHUNK = 2000
COUNTED = ['queued', 'sent', 'delivered', 'read', 'failed', 'blocked']


class Bulk(OperatorMixin, ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    """Bulk send

    A message sent to every customer of a segment on one channel: queued
    by chunks (a server stopped midway takes up where it was, nothing is
    queued twice), sent at the channel's rate, counted as the reports
    come."""
    __name__ = 'telco.messaging.bulk'
    __string__ = "Bulk Send"
    _button_fields = {
        'state': 'draft',
        'queued_up_to': None,
        'total': 0,
        }
    _states = {'readonly': Eval('state') != 'draft'}

    name = fields.Char("Name", required=True, states=_states)
    channel = fields.Many2One(
        'telco.messaging.channel', "Channel", required=True,
        ondelete='RESTRICT', states=_states)
    template = fields.Many2One(
        'telco.messaging.template', "Template", ondelete='RESTRICT',
        states=_states)
    body = fields.Text(
        "Text", states={
            'readonly': Eval('state') != 'draft',
            'required': ~Eval('template'),
            },
        help="Used when no template is set; $name is the customer's name.")
    purpose = fields.Selection(
        PURPOSES, "Purpose", required=True, states=_states)
    category = fields.Many2One(
        'telco.customer.category', "Segment", ondelete='RESTRICT',
        states=_states, help="Leave empty for all the customers.")
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True)
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    total = fields.Integer("Messages", readonly=True)
    queued_up_to = fields.Integer("Queued up to", readonly=True)
    counts = fields.Function(fields.Char("Progress Detail"), 'get_counts')
    progress = fields.Function(
        fields.Float("Progress", digits=(1, 2)), 'get_counts')
    started_at = fields.DateTime("Started at", readonly=True)
    messages = fields.One2Many(
        'telco.messaging.message', 'bulk', "Messages", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.channel)
        same_operator(cls.template)
        same_operator(cls.category)
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'queuing'),
            ('queuing', 'running'),
            ('running', 'done'),
            ('draft', 'cancelled'),
            ('queuing', 'cancelled'),
            ('running', 'cancelled'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'queuing', 'running']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_purpose(cls):
        return 'marketing'

    @classmethod
    def default_total(cls):
        return 0

    @classmethod
    def _get_origins(cls):
        return []

    @classmethod
    def get_origins(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origins()]

    @classmethod
    def get_counts(cls, bulks, names):
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        table = Message.__table__()
        cursor = Transaction().connection.cursor()
        counts = {b.id: {} for b in bulks}
        for sub in grouped_slice([b.id for b in bulks], 1000):
            cursor.execute(*table.select(
                    table.bulk, table.state, Count(table.id),
                    where=table.bulk.in_(list(sub)),
                    group_by=[table.bulk, table.state]))
            for bulk, state, count in cursor:
                counts[bulk][state] = count
        result = {'counts': {}, 'progress': {}}
        states = dict(pool.get('telco.messaging.message').state.selection)
        for bulk in bulks:
            count = counts[bulk.id]
            if 'counts' in names:
                result['counts'][bulk.id] = ', '.join(
                    f'{states[s]}: {count[s]}' for s in COUNTED
                    if count.get(s))
            if 'progress' in names:
                done = sum(v for s, v in count.items()
                    if s not in {'queued', 'sending'})
                result['progress'][bulk.id] = (
                    done / bulk.total if bulk.total else 0.0)
        return result

    @classmethod
    @ModelView.button
    @Workflow.transition('queuing')
    def start(cls, bulks):
        cls.write(bulks, {'started_at': dt.datetime.now()})
        cls.__queue__.queue_messages(bulks)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, bulks):
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        with without_check_access():
            messages = Message.search([
                    ('bulk', 'in', [b.id for b in bulks]),
                    ('state', '=', 'queued'),
                    ])
            Message.write(messages, {
                    'state': 'blocked',
                    'error': gettext('telco_messaging.msg_bulk_cancelled'),
                    })

    def recipients(self):
        "The ids of the parties the send is for, in increasing order"
        pool = Pool()
        Party = pool.get('party.party')
        domain = [('company', '=', self.company.id)]
        if 'customer_state' in Party._fields:
            domain.append(('customer_state', 'in', ['prospect', 'active']))
        if self.category:
            domain.append(['OR',
                    ('commercial_category_1', '=', self.category.id),
                    ('commercial_category_2', '=', self.category.id),
                    ])
        cursor = Transaction().connection.cursor()
        with without_check_access():
            # the ids alone: a hundred thousand records instantiated each
            # with all the others to prefetch is quadratic
            cursor.execute(*Party.search(
                    domain, order=[('id', 'ASC')], query=True))
            ids = [i for i, in cursor]
        origin = self.origin
        if origin is not None and hasattr(origin, 'eligible_parties'):
            eligible = origin.eligible_parties(self.company.id, ids)
            ids = [i for i in ids if i in eligible]
        return ids

    @classmethod
    def queue_messages(cls, bulks, commit=True):
        """Queue task: write the messages of the bulk sends chunk by chunk,
        each chunk committed with the last party it reached"""
        transaction = Transaction()
        for bulk in bulks:
            bulk = cls(bulk.id)
            if bulk.state != 'queuing':
                continue
            ids = bulk.recipients()
            if bulk.queued_up_to:
                ids = [i for i in ids if i > bulk.queued_up_to]
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i:i + CHUNK]
                created = bulk._queue_chunk(chunk)
                with without_check_access():
                    cls.write([bulk], {
                            'queued_up_to': chunk[-1],
                            'total': (bulk.total or 0) + created,
                            })
                if commit:
                    transaction.commit()
                bulk = cls(bulk.id)
            with without_check_access():
                cls.run([bulk])
            if commit:
                transaction.commit()

    @classmethod
    @Workflow.transition('running')
    def run(cls, bulks):
        pass

    def _queue_chunk(self, party_ids):
        """Write the messages of the parties; return how many.  In SQL: the
        ORM would instantiate each party and message of a chunk with the
        whole chunk (thousands) to prefetch, and read each party's
        language (a multi-value) one by one."""
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        OptOut = pool.get('telco.messaging.opt_out')
        channel = self.channel
        medium = channel.medium
        company = self.company
        region = company.phone_country.code if getattr(
            company, 'phone_country', None) else None
        default_lang = company.party.lang.code if (
            company.party.lang) else 'fr'
        names, consents, langs, addresses = self._recipients_data(
            party_ids, medium)
        for party_id, address in addresses.items():
            if not address.startswith('+'):
                # the mechanisms' compact values are E.164 already
                addresses[party_id] = normalize_address(
                    medium, address, region)
        opted_out = OptOut.opted_out(
            company, medium, set(addresses.values()))
        quiet = channel.quiet_until() if (
            self.purpose == 'marketing') else None
        common = self._template_values()
        rendered = {}
        rows = []
        now = dt.datetime.now()
        # as the ORM writes a DateTime: to the second, cut (PostgreSQL would
        # round it, after what is written in the same second by the ORM)
        date = now.replace(microsecond=0)
        user = Transaction().user
        for party_id in party_ids:
            lang = langs.get(party_id) or default_lang
            values = dict(common, name=names[party_id])
            if lang not in rendered:
                # once per language, the customer's name left to fill
                if self.template:
                    rendered[lang] = self.template.render(
                        dict(common, name='${name}'), lang)
                else:
                    rendered[lang] = None, string.Template(
                        self.body or '').safe_substitute(
                        dict(common, name='${name}'))
            subject, body = rendered[lang]
            body = string.Template(body).safe_substitute(name=values['name'])
            address = addresses.get(party_id)
            state, error = 'queued', None
            if not address:
                state, error = 'blocked', gettext(
                    'telco_messaging.msg_no_address', medium=medium)
            elif address in opted_out:
                state, error = 'blocked', gettext(
                    'telco_messaging.msg_opted_out')
            elif self.purpose == 'marketing' and not consents[party_id]:
                state, error = 'blocked', gettext(
                    'telco_messaging.msg_no_consent')
            whatsapp_template = template_values = None
            if state == 'queued' and medium == 'whatsapp':
                if self.template and self.template.whatsapp_name:
                    whatsapp_template = self.template.whatsapp_name
                    template_values = json.dumps([
                            values.get(n, '')
                            for n in self.template.placeholders()])
                else:
                    state, error = 'blocked', gettext(
                        'telco_messaging.msg_whatsapp_window')
            elif state == 'queued' and medium == 'messenger' and (
                    self.purpose == 'marketing'):
                state, error = 'blocked', gettext(
                    'telco_messaging.msg_messenger_window')
            rows.append([
                    company.id, channel.id, medium, 'out', party_id,
                    address or '-', self.id,
                    self.template.id if self.template else None,
                    whatsapp_template, template_values, lang, self.purpose,
                    subject, body, str(self), state, error, 0, quiet,
                    uuid.uuid4().hex, date, user, now])
        table = Message.__table__()
        cursor = Transaction().connection.cursor()
        columns = [
            table.company, table.channel, table.medium, table.direction,
            table.party, table.address, table.bulk, table.template,
            table.whatsapp_template, table.template_values, table.language,
            table.purpose, table.subject, table.body, table.origin,
            table.state, table.error, table.attempts, table.next_try,
            table.reference, table.date, table.create_uid,
            table.create_date]
        for i in range(0, len(rows), 500):
            cursor.execute(*table.insert(columns, rows[i:i + 500]))
        return len(rows)

    def _recipients_data(self, party_ids, medium):
        """The name, consent, language and address on the medium of the
        parties, by id"""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        PartyLang = pool.get('party.party.lang')
        Lang = pool.get('ir.lang')
        Message = pool.get('telco.messaging.message')
        party = Party.__table__()
        mechanism = Mechanism.__table__()
        party_lang = PartyLang.__table__()
        lang = Lang.__table__()
        cursor = Transaction().connection.cursor()
        types = Message.address_types(medium)
        names, consents, langs, best = {}, {}, {}, {}
        for sub in grouped_slice(party_ids, 1000):
            sub = list(sub)
            cursor.execute(*party.select(
                    party.id, party.name, party.marketing_consent,
                    where=reduce_ids(party.id, sub)))
            for party_id, name, consent in cursor:
                names[party_id] = name
                consents[party_id] = bool(consent)
            # the operator's row first, then the default of all
            cursor.execute(*party_lang.join(
                    lang, condition=party_lang.lang == lang.id).select(
                    party_lang.party, lang.code, party_lang.company,
                    where=reduce_ids(party_lang.party, sub)
                    & ((party_lang.company == self.company.id)
                        | (party_lang.company == Null))))
            for party_id, code, company in cursor:
                if company or party_id not in langs:
                    langs[party_id] = code
            cursor.execute(*mechanism.select(
                    mechanism.party, mechanism.type, mechanism.value,
                    mechanism.value_compact, mechanism.sequence,
                    mechanism.id,
                    where=reduce_ids(mechanism.party, sub)
                    & mechanism.type.in_(types)
                    & (mechanism.active == Literal(True))))
            for party_id, type_, value, compact, sequence, id_ in cursor:
                key = (types.index(type_), sequence or 0, id_)
                if party_id not in best or key < best[party_id][0]:
                    address = value
                    if medium in {'sms', 'whatsapp'}:
                        address = compact or value
                    best[party_id] = (key, address)
        addresses = {p: a for p, (_, a) in best.items()}
        return names, consents, langs, addresses

    def _template_values(self):
        "The values of the placeholders the same for every customer"
        values = {'operator': self.company.rec_name}
        if self.origin is not None:
            values['offer'] = (
                getattr(self.origin, 'name', None) or self.origin.rec_name)
        return values

    @classmethod
    def check_done(cls):
        "Cron: the sends whose messages all left are done"
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        with without_check_access():
            running = cls.search([('state', '=', 'running')])
            done = [b for b in running if not Message.search([
                        ('bulk', '=', b.id),
                        ('state', 'in', ['queued', 'sending']),
                        ], limit=1)]
            if done:
                cls.finish(done)

    @classmethod
    @Workflow.transition('done')
    def finish(cls, bulks):
        pass

