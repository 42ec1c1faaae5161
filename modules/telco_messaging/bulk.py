# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Bulk sends: one message to every customer of a segment."""
import datetime as dt
import json
import string
import uuid

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, same_operator)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
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
    progress = fields.Function(fields.Float("Progress"), 'get_counts')
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
        for sub in grouped_slice([b.id for b in bulks]):
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
        with without_check_access():
            ids = [p.id for p in Party.search(domain, order=[('id', 'ASC')])]
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
        """Write the messages of the parties, in bulk; return how many"""
        pool = Pool()
        Party = pool.get('party.party')
        Message = pool.get('telco.messaging.message')
        OptOut = pool.get('telco.messaging.opt_out')
        channel = self.channel
        medium = channel.medium
        company = self.company
        region = company.phone_country.code if getattr(
            company, 'phone_country', None) else None
        with without_check_access():
            parties = Party.browse(party_ids)
            addresses = {}
            for party in parties:
                address = Message._address_of(party, medium)
                if address:
                    addresses[party.id] = normalize_address(
                        medium, address, region)
            opted_out = OptOut.opted_out(
                company, medium, set(addresses.values()))
            quiet = channel.quiet_until() if (
                self.purpose == 'marketing') else None
            default_lang = company.party.lang.code if (
                company.party.lang) else 'fr'
            common = self._template_values()
            rendered = {}
            to_create = []
            for party in parties:
                lang = party.lang.code if party.lang else default_lang
                values = dict(common, name=party.rec_name)
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
                body = string.Template(body).safe_substitute(
                    name=values['name'])
                address = addresses.get(party.id)
                state, error = 'queued', None
                if not address:
                    state, error = 'blocked', gettext(
                        'telco_messaging.msg_no_address', medium=medium)
                elif address in opted_out:
                    state, error = 'blocked', gettext(
                        'telco_messaging.msg_opted_out')
                elif self.purpose == 'marketing' and not (
                        party.marketing_consent):
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
                to_create.append({
                        'company': company.id,
                        'channel': channel.id,
                        'medium': medium,
                        'direction': 'out',
                        'party': party.id,
                        'address': address or '-',
                        'bulk': self.id,
                        'template': self.template.id if self.template
                        else None,
                        'whatsapp_template': whatsapp_template,
                        'template_values': template_values,
                        'language': lang,
                        'purpose': self.purpose,
                        'subject': subject,
                        'body': body,
                        'origin': str(self),
                        'state': state,
                        'error': error,
                        'next_try': quiet,
                        'reference': uuid.uuid4().hex,
                        })
            Message.create(to_create)
        return len(to_create)

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

