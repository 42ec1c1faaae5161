# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Advertising: send an offer or a promotion by e-mail to the customers it
is meant for, through marketing_email's lists, which keep the
unsubscriptions"""
import html

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, same_operator)
from trytond.modules.telco_base.template import forbidden_expression
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import ProposalError


class EmailList(OperatorMixin, metaclass=PoolMeta):
    __name__ = 'marketing.email.list'

    def add_segment(self, owner, date=None):
        """Subscribe the operator's customers with an e-mail that the rules
        of owner (an offer or a promotion) let in; an address that
        unsubscribed from the list is never subscribed again.
        Return the number of addresses added."""
        pool = Pool()
        Email = pool.get('marketing.email')
        ContactMechanism = pool.get('party.contact_mechanism')
        mechanisms = ContactMechanism.search([
                ('party.company', '=', self.company.id),
                ('party.customer_state', 'in', ['prospect', 'active']),
                ('type', '=', 'email'),
                ('active', '=', True),
                ], order=[('party', 'ASC'), ('sequence', 'ASC')])
        known = {e.email.lower() for e in Email.search([
                    ('list_', '=', self.id),
                    ('active', 'in', [True, False]),
                    ])}
        emails = {}
        for mechanism in mechanisms:
            emails.setdefault(mechanism.party.id, mechanism.value)
        eligible = owner.eligible_parties(
            self.company.id, list(emails), date)
        to_create = []
        for party_id in sorted(eligible):
            email = emails[party_id]
            if not email or email.lower() in known:
                continue
            known.add(email.lower())
            to_create.append({'list_': self.id, 'email': email})
        Email.create(to_create)
        return len(to_create)


class Email(metaclass=PoolMeta):
    __name__ = 'marketing.email'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('list_')


# what a marketing message may say of its recipient: the core sending
# renders the message with the e-mail record, whose relations lead
# everywhere, so only these exact expressions are accepted
MESSAGE_PLACEHOLDERS = (
    'email.party.rec_name',
    'email.email',
    'email.get_email_unsubscribe_url()',
    )


class Message(OperatorMixin, ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'marketing.email.message'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {'readonly': Eval('state') != 'draft'}
        same_operator(cls.list_)

    @classmethod
    def check_content(cls, messages, field_names=None):
        super().check_content(messages, field_names=field_names)
        if field_names and 'content' not in field_names:
            return
        for message in messages:
            if not message.content:
                continue
            expression = forbidden_expression(
                message.content, MESSAGE_PLACEHOLDERS)
            if expression is not None:
                raise ValidationError(gettext(
                        'telco_base.msg_template_expression',
                        expression=expression, record=message.rec_name,
                        allowed=', '.join(
                            '${%s}' % p for p in MESSAGE_PLACEHOLDERS)))


class AdvertiseStart(ModelView):
    "Advertise"
    __name__ = 'telco.offer.advertise.start'
    __string__ = "Advertise"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    list_ = fields.Many2One(
        'marketing.email.list', "List",
        domain=[('company', '=', Eval('company', -1))],
        help="Leave empty to make a new list named after the title.")
    title = fields.Char("Title", required=True)
    content = fields.Text("Content", required=True)


class Advertise(Wizard):
    "Advertise by e-mail to the customers an offer or promotion is meant for"
    __name__ = 'telco.offer.advertise'

    start = StateView(
        'telco.offer.advertise.start',
        'telco_offers.advertise_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Prepare", 'prepare', 'tryton-ok', default=True),
            ])
    prepare = StateTransition()
    open_ = StateAction('marketing_email.act_email_message_form')

    def default_start(self, fields):
        record = self.record
        title = record.rec_name
        content = (
            '<html xmlns:py="http://genshi.edgewall.org/"><body>'
            f'<h1>{html.escape(title)}</h1>'
            f'<p>{html.escape(getattr(record, "description", "") or "")}</p>'
            '<p><a href="${email.get_email_unsubscribe_url()}">'
            f'{html.escape(gettext("telco_offers.msg_unsubscribe"))}'
            '</a></p></body></html>')
        return {
            'company': record.company.id,
            'title': title,
            'content': content,
            }

    def transition_prepare(self):
        pool = Pool()
        EmailList = pool.get('marketing.email.list')
        Message = pool.get('marketing.email.message')
        record = self.record
        if record.company.id != Transaction().context.get('company'):
            raise ProposalError(gettext(
                    'telco_offers.msg_advertise_other_operator',
                    record=record.rec_name))
        list_ = self.start.list_
        if not list_:
            list_ = EmailList(
                name=self.start.title, company=record.company)
            list_.save()
        list_.add_segment(record)
        message = Message(
            company=record.company, list_=list_,
            title=self.start.title, content=self.start.content)
        message.save()
        self.start.list_ = list_
        return 'open_'

    def do_open_(self, action):
        pool = Pool()
        Message = pool.get('marketing.email.message')
        messages = Message.search([
                ('list_', '=', self.start.list_.id),
                ('state', '=', 'draft'),
                ], order=[('id', 'DESC')], limit=1)
        return action, {'res_id': [m.id for m in messages]}
