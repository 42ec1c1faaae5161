# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""With telco_claims: a conversation becomes a claim, the claims join the
timeline and the customer's card."""
import datetime as dt

from sql import Cast, Literal, Null
from sql.conditionals import Coalesce
from sql.operators import Concat

from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.modules.telco_base.model import same_operator
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import without_check_access

from .exceptions import MessagingError
from .sources import row_id_index

# the claim's channel of a conversation's medium
CLAIM_CHANNELS = {
    'sms': 'sms', 'whatsapp': 'whatsapp', 'messenger': 'social',
    'email': 'email'}


# how long a customer may answer the satisfaction survey of a claim
SURVEY_DAYS = 7
SURVEY_TEMPLATE = 'satisfaction'


class Claim(metaclass=PoolMeta):
    __name__ = 'telco.claim'

    conversations = fields.One2Many(
        'telco.messaging.conversation', 'claim', "Conversations",
        readonly=True)
    satisfaction = fields.Integer(
        "Satisfaction", readonly=True,
        domain=[If(Bool(Eval('satisfaction')),
                [('satisfaction', '>=', 1), ('satisfaction', '<=', 5)],
                [])],
        help="The customer's answer, from 1 to 5, to the survey sent when "
        "the claim was resolved.")

    @classmethod
    def resolve(cls, claims):
        super().resolve(claims)
        cls.send_survey(claims)

    @classmethod
    def send_survey(cls, claims):
        """Ask the customers of the resolved claims how satisfied they are,
        when their operator has a 'satisfaction' template"""
        pool = Pool()
        Template = pool.get('telco.messaging.template')
        Message = pool.get('telco.messaging.message')
        for claim in claims:
            if not claim.party:
                continue
            with without_check_access():
                templates = Template.search([
                        ('company', '=', claim.company.id),
                        ('code', '=', SURVEY_TEMPLATE),
                        ], limit=1)
            if not templates:
                continue
            try:
                Message.send(
                    claim.party, template=templates[0], origin=claim,
                    values={'claim': claim.number or ''},
                    company=claim.company, purpose='service')
            except MessagingError:
                # no channel reaches the customer: no survey
                continue

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                row_id_index(t, cls.__name__),
                Index(t,
                    (t.party, Index.Equality()),
                    (Coalesce(t.opened_at, t.create_date),
                        Index.Range(order='DESC'))),
                })
        for value, string in [('sms', "SMS"), ('whatsapp', "WhatsApp")]:
            if value not in dict(cls.channel.selection):
                cls.channel.selection.append((value, string))


class Message(metaclass=PoolMeta):
    __name__ = 'telco.messaging.message'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['telco.claim']

    @classmethod
    def _consume(cls, channel, address, party, body, date):
        """A digit from 1 to 5 from an address asked for its satisfaction
        with a claim in the last days answers the survey"""
        pool = Pool()
        Claim = pool.get('telco.claim')
        text = (body or '').strip().rstrip('.!')
        if text not in {'1', '2', '3', '4', '5'}:
            return super()._consume(channel, address, party, body, date)
        surveys = cls.search([
                ('channel', '=', channel.id),
                ('address', '=', address),
                ('direction', '=', 'out'),
                ('origin', 'like', 'telco.claim,%'),
                ('date', '>=', (date or dt.datetime.now())
                    - dt.timedelta(days=SURVEY_DAYS)),
                ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
        if surveys:
            claim = surveys[0].origin
            if isinstance(claim, Claim) and claim.satisfaction is None:
                Claim.write([claim], {'satisfaction': int(text)})
                return claim
        return super()._consume(channel, address, party, body, date)


class Conversation(metaclass=PoolMeta):
    __name__ = 'telco.messaging.conversation'

    claim = fields.Many2One(
        'telco.claim', "Claim", readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.claim)
        cls._buttons.update({
                'to_claim': {
                    'invisible': Bool(Eval('claim')),
                    'readonly': ~Eval('party'),
                    'depends': ['claim', 'party'],
                    },
                })

    @classmethod
    def copy(cls, conversations, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('claim', None)
        return super().copy(conversations, default=default)

    def _customer_card(self):
        pool = Pool()
        Claim = pool.get('telco.claim')
        yield from super()._customer_card()
        if self.party:
            claims = Claim.search([
                    ('party', '=', self.party.id),
                    ('state', 'in', ['draft', 'open', 'in_progress']),
                    ])
            if claims:
                yield gettext('telco_messaging.msg_card_claims',
                    claims=', '.join(c.rec_name for c in claims))

    @classmethod
    @ModelView.button_action('telco_messaging.act_conversation_claim')
    def to_claim(cls, conversations):
        "Open a draft claim of each conversation, its messages as text"
        pool = Pool()
        Claim = pool.get('telco.claim')
        claims = []
        for conversation in conversations:
            if conversation.claim:
                continue
            if not conversation.party:
                raise MessagingError(gettext(
                        'telco_messaging.msg_claim_party',
                        conversation=conversation.rec_name))
            inbound = [m for m in conversation.messages if m.direction == 'in']
            first = (inbound[0].body if inbound else '') or ''
            claim = Claim(
                company=conversation.company, party=conversation.party,
                channel=CLAIM_CHANNELS[conversation.channel.medium],
                subject=(first.splitlines() or [conversation.rec_name])[0][
                    :100] or conversation.rec_name,
                description=conversation.transcript())
            if conversation.agent:
                claim.agent = conversation.agent
            claims.append(claim)
            conversation.claim = claim
        Claim.save(claims)
        with without_check_access():
            cls.save(conversations)
        return {'res_id': [c.claim.id for c in conversations if c.claim]}

    def transcript(self):
        "The conversation as text"
        return '\n'.join(
            f'{m.date:%Y-%m-%d %H:%M} '
            f'{"<" if m.direction == "in" else ">"} {m.body or ""}'
            for m in self.messages)


class Interaction(metaclass=PoolMeta):
    __name__ = 'telco.messaging.interaction'

    @classmethod
    def _queries(cls):
        pool = Pool()
        Claim = pool.get('telco.claim')
        claim = Claim.__table__()
        return super()._queries() + [claim.select(
                cls._row_id(claim, Claim.__name__).as_('id'),
                *cls._common(claim),
                claim.company.as_('company'),
                claim.party.as_('party'),
                Coalesce(claim.opened_at, claim.create_date).as_('date'),
                Literal('claim').as_('kind'),
                Cast(Null, 'VARCHAR').as_('direction'),
                Concat(Concat(Coalesce(claim.number, ''), ' '),
                    claim.subject).as_('summary'),
                claim.agent.as_('agent'),
                claim.state.as_('outcome'),
                cls._reference(Claim, claim).as_('resource'),
                where=claim.party != Null)]
