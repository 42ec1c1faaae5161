# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""With telco_offers: an offer or a promotion advertised by SMS, WhatsApp or
Messenger to the customers it is meant for (its eligibility rules), beside
telco_offers' e-mail advertising."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import MessagingError

ORIGINS = ['telco.offer', 'sale.promotion']


class Bulk(metaclass=PoolMeta):
    __name__ = 'telco.messaging.bulk'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ORIGINS


class Message(metaclass=PoolMeta):
    __name__ = 'telco.messaging.message'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ORIGINS


class AdvertiseStart(ModelView):
    "Advertise by Message"
    __name__ = 'telco.messaging.advertise.start'
    __string__ = "Advertise by Message"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    channels = fields.Many2Many(
        'telco.messaging.channel', None, None, "Channels", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('kind', '!=', 'email'),
            ])
    template = fields.Many2One(
        'telco.messaging.template', "Template",
        domain=[('company', '=', Eval('company', -1))],
        help="Needed for WhatsApp: its approved template leaves outside "
        "the 24 hours after the customer's last message.")
    body = fields.Text(
        "Text", states={'required': ~Eval('template')},
        help="$name is the customer's name.")


class Advertise(Wizard):
    "Advertise by SMS, WhatsApp or Messenger"
    __name__ = 'telco.messaging.advertise'

    start = StateView(
        'telco.messaging.advertise.start',
        'telco_messaging.advertise_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Prepare", 'prepare', 'tryton-ok', default=True),
            ])
    prepare = StateTransition()
    open_ = StateAction('telco_messaging.act_bulk')

    def default_start(self, fields):
        record = self.record
        return {
            'company': record.company.id,
            'body': f'$name, {record.rec_name}',
            }

    def transition_prepare(self):
        pool = Pool()
        Bulk = pool.get('telco.messaging.bulk')
        record = self.record
        if record.company.id != Transaction().context.get('company'):
            raise MessagingError(gettext(
                    'telco_messaging.msg_advertise_other_operator',
                    record=record.rec_name))
        self.bulks = Bulk.create([{
                    'company': record.company.id,
                    'name': f'{record.rec_name} ({channel.rec_name})',
                    'channel': channel.id,
                    'template': (self.start.template.id
                        if self.start.template else None),
                    'body': self.start.body,
                    'purpose': 'marketing',
                    'origin': str(record),
                    } for channel in self.start.channels])
        return 'open_'

    def do_open_(self, action):
        pool = Pool()
        Bulk = pool.get('telco.messaging.bulk')
        bulks = Bulk.search([
                ('origin', '=', str(self.record)),
                ('state', '=', 'draft'),
                ], order=[('id', 'DESC')], limit=len(self.start.channels))
        return action, {'res_id': [b.id for b in bulks]}
