# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Conversations with customers and the agents who answer them."""
import datetime as dt

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, same_operator)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .channel import MEDIA
from .exceptions import MessagingError

STATES = [
    ('waiting', "Waiting"),
    ('assigned', "Assigned"),
    ('callback', "Call Back"),
    ('closed', "Closed"),
    ]
OPEN = ['waiting', 'assigned', 'callback']


def languages():
    pool = Pool()
    Lang = pool.get('ir.lang')
    with Transaction().set_context(active_test=False):
        return [(l.code, l.name) for l in Lang.search(
                [], order=[('name', 'ASC')])]


class Conversation(
        OperatorMixin, ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    """Conversation

    The messages exchanged with one customer (or one address not yet known)
    on one channel, from the customer's first message until an agent
    closes it; a new message after that opens a new conversation."""
    __name__ = 'telco.messaging.conversation'
    __string__ = "Conversation"
    # what the routing, the messages and the buttons set, never a client
    _button_fields = {
        'state': 'waiting',
        'agent': None,
        'answered': True,
        'last_message_at': None,
        'last_inbound_at': None,
        'closed_at': None,
        }

    channel = fields.Many2One(
        'telco.messaging.channel', "Channel", required=True, readonly=True,
        ondelete='RESTRICT')
    medium = fields.Function(
        fields.Selection(MEDIA, "Medium"), 'get_medium')
    party = fields.Many2One(
        'party.party', "Customer", ondelete='SET NULL',
        states={'readonly': Eval('state') == 'closed'},
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Set it when the agent recognizes an unknown sender.")
    address = fields.Char("Address", required=True, readonly=True)
    contact_name = fields.Char(
        "Contact Name", readonly=True,
        help="The name the sender gave the provider.")
    language = fields.Selection(
        'get_languages', "Language",
        states={'readonly': Eval('state') == 'closed'})
    category = fields.Many2One(
        'telco.customer.category', "Segment", readonly=True,
        ondelete='SET NULL')
    agent = fields.Many2One(
        'res.user', "Agent", readonly=True, ondelete='SET NULL')
    state = fields.Selection(STATES, "State", required=True, readonly=True,
        sort=False)
    started_at = fields.DateTime("Started at", required=True, readonly=True)
    last_message_at = fields.DateTime("Last Message", readonly=True)
    last_inbound_at = fields.DateTime("Customer's Last Message",
        readonly=True)
    answered = fields.Boolean(
        "Answered", readonly=True,
        help="Whether the customer's last message has been answered.")
    callback_at = fields.DateTime(
        "Call Back at",
        states={'readonly': Eval('state') == 'closed'})
    closed_at = fields.DateTime("Closed at", readonly=True)
    messages = fields.One2Many(
        'telco.messaging.message', 'conversation', "Messages",
        readonly=True, order=[('date', 'ASC'), ('id', 'ASC')])
    last_text = fields.Function(
        fields.Char("Last Message Text"), 'get_last_text')
    customer_card = fields.Function(
        fields.Text("Customer"), 'get_customer_card')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        same_operator(cls.channel)
        same_operator(cls.party)
        same_operator(cls.category)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.channel, Index.Equality()),
                    (t.address, Index.Equality(cardinality='high')),
                    where=t.state.in_(OPEN)),
                Index(t,
                    (t.agent, Index.Equality()),
                    where=t.state.in_(OPEN)),
                Index(t, (t.party, Index.Equality())),
                })
        cls._order = [('last_message_at', 'DESC NULLS LAST'), ('id', 'DESC')]
        cls._transitions |= {
            ('waiting', 'assigned'),
            ('assigned', 'waiting'),
            ('callback', 'assigned'),
            ('assigned', 'callback'),
            ('waiting', 'callback'),
            ('waiting', 'closed'),
            ('assigned', 'closed'),
            ('callback', 'closed'),
            ('closed', 'waiting'),
            }
        cls._buttons.update({
                'take': {
                    'invisible': ~Eval('state').in_(['waiting', 'callback']),
                    'depends': ['state'],
                    },
                'release': {
                    'invisible': Eval('state') != 'assigned',
                    'depends': ['state'],
                    },
                'answer': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                'call_back': {
                    'invisible': Eval('state') == 'closed',
                    'readonly': ~Eval('callback_at'),
                    'depends': ['state', 'callback_at'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'waiting'

    @classmethod
    def default_started_at(cls):
        return dt.datetime.now()

    @classmethod
    def default_answered(cls):
        return True

    @classmethod
    def get_languages(cls):
        return [(None, '')] + languages()

    @classmethod
    def view_attributes(cls):
        # waiting for an answer in bold: the agent's next to do
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(~Eval('answered', True) & (Eval('state') != 'closed'),
                    'warning', '')),
            ]

    def get_rec_name(self, name):
        who = self.party.rec_name if self.party else (
            self.contact_name or self.address)
        return f'{who} ({self.channel.rec_name})'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('party.rec_name', operator, value),
            ('address', operator, value),
            ('contact_name', operator, value),
            ]

    def get_medium(self, name):
        return self.channel.medium

    @classmethod
    def get_last_text(cls, conversations, name):
        "The start of each conversation's last message, one query a slice"
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        message = Message.__table__()
        cursor = Transaction().connection.cursor()
        result = {c.id: None for c in conversations}
        for sub in grouped_slice(list(result), 1000):
            cursor.execute(*message.select(
                    message.conversation, message.body,
                    where=reduce_ids(message.conversation, list(sub)),
                    order_by=[message.date.asc, message.id.asc]))
            for conversation, body in cursor:
                text = (body or '').replace('\n', ' ')
                result[conversation] = text[:120]
        return result

    def get_customer_card(self, name):
        return '\n'.join(self._customer_card())

    def _customer_card(self):
        "The lines of what the agent sees of the customer beside the chat"
        party = self.party
        if not party:
            yield gettext('telco_messaging.msg_card_unknown',
                address=self.address)
            return
        yield party.rec_name
        if getattr(party, 'code', None):
            yield party.code
        if getattr(party, 'customer_state', None):
            yield party.customer_state_string
        for fname in ['commercial_category_1', 'commercial_category_2']:
            category = getattr(party, fname, None)
            if category:
                yield category.rec_name
        for mechanism in party.contact_mechanisms:
            yield f'{mechanism.type_string}: {mechanism.value}'
        if party.lang:
            yield party.lang.name

    @classmethod
    def current(cls, channel, address, party=None, name=None):
        """The open conversation of the address on channel, or a new one
        routed to an agent"""
        conversations = cls.search([
                ('channel', '=', channel.id),
                ('address', '=', address),
                ('state', 'in', OPEN),
                ], order=[('id', 'DESC')], limit=1)
        if conversations:
            conversation, = conversations
            if party and not conversation.party:
                conversation.party = party
                conversation.save()
            return conversation
        language = None
        if party and party.lang:
            language = party.lang.code
        elif party and channel.company.party.lang:
            # a customer without language: the operator's
            language = channel.company.party.lang.code
        category = getattr(party, 'commercial_category_1', None)
        conversation = cls(
            company=channel.company, channel=channel, address=address,
            party=party, contact_name=name, language=language,
            category=category, state='waiting', answered=False,
            started_at=dt.datetime.now())
        conversation.save()
        return conversation

    @classmethod
    def received(cls, conversation, message):
        "Keep the conversation in step with a customer's message"
        pool = Pool()
        Notification = pool.get('telco.notification')
        conversation.last_message_at = message.date
        conversation.last_inbound_at = message.date
        conversation.answered = False
        new = conversation.agent is None
        if conversation.state == 'waiting' and new:
            cls.route([conversation])
        else:
            conversation.save()
        if conversation.agent:
            Notification.notify(
                [conversation.agent],
                gettext('telco_messaging.msg_notify_message',
                    conversation=conversation.rec_name),
                body=message.body, resource=conversation,
                company=conversation.company)

    @classmethod
    def route(cls, conversations):
        """Give each waiting conversation to the agent who fits: the
        customer's segment and language in his skills, the channel's
        medium, the fewest open conversations under his capacity"""
        pool = Pool()
        Agent = pool.get('telco.messaging.agent')
        to_assign = []
        for conversation in conversations:
            agent = Agent.pick(conversation)
            if agent:
                conversation.agent = agent.user
                to_assign.append(conversation)
        cls.save(conversations)
        if to_assign:
            cls.assign(to_assign)

    @classmethod
    @Workflow.transition('assigned')
    def assign(cls, conversations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('assigned')
    def take(cls, conversations):
        "The user takes the conversations"
        user = Transaction().user
        for conversation in conversations:
            conversation.agent = user
        cls.save(conversations)

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def release(cls, conversations):
        "Give the conversations back to the queue"
        for conversation in conversations:
            conversation.agent = None
        cls.save(conversations)

    @classmethod
    @ModelView.button_action('telco_messaging.wizard_answer')
    def answer(cls, conversations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('callback')
    def call_back(cls, conversations):
        for conversation in conversations:
            if not conversation.callback_at:
                raise MessagingError(gettext(
                        'telco_messaging.msg_callback_date',
                        conversation=conversation.rec_name))
            if not conversation.agent:
                conversation.agent = Transaction().user
        cls.save(conversations)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, conversations):
        cls.write(conversations, {'closed_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def reopen(cls, conversations):
        cls.write(conversations, {'closed_at': None})

    def reply(self, body=None, template=None, values=None):
        "Send an answer on the conversation's channel as the user"
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        if self.state == 'closed':
            raise MessagingError(gettext(
                    'telco_messaging.msg_answer_closed',
                    conversation=self.rec_name))
        user = Transaction().user
        message = Message.send(
            self.party or self.address, channel=self.channel,
            template=template, values=values, body=body,
            language=self.language, conversation=self, agent=user,
            company=self.company, purpose='service')
        with without_check_access():
            self.last_message_at = message.date
            self.answered = True
            if self.state == 'waiting':
                self.agent = user
                self.save()
                self.__class__.assign([self])
            else:
                self.save()
        return message


class Agent(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    """Messaging agent

    Who answers which conversations: the languages he writes, the
    customer segments and media he handles and how many conversations he
    keeps open at once."""
    __name__ = 'telco.messaging.agent'
    __string__ = "Messaging Agent"

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE',
        domain=[('companies', '=', Eval('company', -1))])
    languages = fields.MultiSelection(
        'get_languages', "Languages",
        help="Leave empty for every language.")
    media = fields.MultiSelection(
        MEDIA, "Media", help="Leave empty for every medium.")
    categories = fields.Many2Many(
        'telco.messaging.agent.category', 'agent', 'category', "Segments",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('kind', 'in', ['commercial_1', 'commercial_2']),
            ],
        help="Leave empty for every segment.")
    capacity = fields.Integer(
        "Capacity", required=True, domain=[('capacity', '>', 0)],
        help="The most conversations open at once.")
    open_count = fields.Function(
        fields.Integer("Open Conversations"), 'get_open_count')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('user', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_capacity(cls):
        return 10

    @classmethod
    def get_languages(cls):
        return languages()

    def get_rec_name(self, name):
        return self.user.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('user.rec_name',) + tuple(clause[1:])]

    @classmethod
    def get_open_count(cls, agents, name):
        counts = cls._open_counts({a.user.id for a in agents})
        return {a.id: counts.get(a.user.id, 0) for a in agents}

    @classmethod
    def _open_counts(cls, user_ids):
        pool = Pool()
        Conversation = pool.get('telco.messaging.conversation')
        table = Conversation.__table__()
        cursor = Transaction().connection.cursor()
        if not user_ids:
            return {}
        cursor.execute(*table.select(
                table.agent, Count(table.id),
                where=table.state.in_(['assigned', 'callback'])
                & table.agent.in_(list(user_ids)),
                group_by=[table.agent]))
        return dict(cursor)

    def fits(self, conversation):
        if self.languages and conversation.language and (
                conversation.language not in self.languages):
            return False
        if self.media and conversation.channel.medium not in self.media:
            return False
        if self.categories and (
                conversation.category not in self.categories):
            return False
        return True

    @classmethod
    def pick(cls, conversation):
        """The agent who gets the conversation: among those who fit, the
        most specific (a segment named), then the least busy, under their
        capacity; None when none is free"""
        with without_check_access():
            agents = [a for a in cls.search([
                        ('company', '=', conversation.company.id),
                        ]) if a.fits(conversation)]
        counts = cls._open_counts({a.user.id for a in agents})
        free = [a for a in agents if counts.get(a.user.id, 0) < a.capacity]
        if not free:
            return None
        return min(free, key=lambda a: (
                not a.categories, not a.languages,
                counts.get(a.user.id, 0) / a.capacity, a.id))


class AgentCategory(ModelSQL):
    "Messaging agent's segment"
    __name__ = 'telco.messaging.agent.category'
    __string__ = "Messaging Agent's Segment"

    agent = fields.Many2One(
        'telco.messaging.agent', "Agent", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'telco.customer.category', "Segment", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('agent')
        same_operator(cls.category, company='_parent_agent.company')


class AnswerStart(ModelView):
    "Answer"
    __name__ = 'telco.messaging.conversation.answer.start'
    __string__ = "Answer"

    conversation = fields.Many2One(
        'telco.messaging.conversation', "Conversation", readonly=True)
    company = fields.Many2One('company.company', "Operator", readonly=True)
    language = fields.Char("Language", readonly=True)
    template = fields.Many2One(
        'telco.messaging.template', "Quick Reply",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('quick_reply', '=', True),
            ])
    body = fields.Text("Message", required=True)

    @fields.depends('template', 'conversation', 'language')
    def on_change_template(self):
        if self.template:
            values = {}
            if self.conversation and self.conversation.party:
                values['name'] = self.conversation.party.rec_name
            if self.conversation:
                values['operator'] = self.conversation.company.rec_name
            _, self.body = self.template.render(values, self.language)


class Answer(Wizard):
    "Answer the customer on the conversation's channel"
    __name__ = 'telco.messaging.conversation.answer'

    start = StateView(
        'telco.messaging.conversation.answer.start',
        'telco_messaging.answer_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()

    def default_start(self, fields):
        conversation = self.record
        return {
            'conversation': conversation.id,
            'company': conversation.company.id,
            'language': conversation.language,
            }

    def transition_send(self):
        conversation = self.record
        if conversation.company.id != Transaction().context.get('company'):
            raise MessagingError(gettext(
                    'telco_messaging.msg_answer_other_operator',
                    conversation=conversation.rec_name))
        conversation.reply(body=self.start.body)
        return 'end'
