# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The omnichannel timeline: every interaction with a customer in one
chronological list, whatever module recorded it.

A module adds its interactions by extending ``Interaction._queries`` with
a query of the columns of ``Interaction.columns()`` and its own index in
``SOURCES`` (sources.py: the ids of the timeline are the source's id times
``STRIDE`` plus that index)."""
from sql import Cast, Literal, Null, Union
from sql.conditionals import Coalesce
from sql.operators import Concat
from sql.functions import Substring

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta

from .message import DIRECTIONS
from .sources import SOURCES, RowId, row_id_index

KINDS = [
    ('sms', "SMS"),
    ('whatsapp', "WhatsApp"),
    ('messenger', "Messenger"),
    ('email', "E-mail"),
    ('call', "Call"),
    ('claim', "Claim"),
    ('quote', "Quote"),
    ('invoice', "Invoice"),
    ('portal', "Portal Visit"),
    ('forum', "Forum Post"),
    ]
class Interaction(ModelSQL, ModelView):
    """Interaction

    One thing that happened between the operator and a customer: a message
    in or out on any channel, an e-mail, a call, a claim, a quote, an
    invoice sent."""
    __name__ = 'telco.messaging.interaction'
    __string__ = "Interaction"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    party = fields.Many2One('party.party', "Customer", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    kind = fields.Selection(KINDS, "Channel", readonly=True, sort=False)
    direction = fields.Selection(
        [(None, '')] + DIRECTIONS, "Direction", readonly=True)
    summary = fields.Char("Summary", readonly=True)
    agent = fields.Many2One('res.user', "Agent", readonly=True)
    outcome = fields.Selection('get_outcomes', "Outcome", readonly=True)
    resource = fields.Reference(
        "Resource", selection='get_resources', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_outcomes(cls):
        """The states of every source, message states first, as their
        models name them in the user's language"""
        outcomes = [(None, '')]
        known = {None}
        for name in cls._outcome_models():
            for value, string in cls._states_of(name):
                if value not in known:
                    known.add(value)
                    outcomes.append((value, string))
        return outcomes

    @classmethod
    def _outcome_models(cls):
        "The models whose states are outcomes of the timeline"
        pool = Pool()
        models = []
        for name in ['telco.messaging.message', 'telco.claim']:
            try:
                pool.get(name)
            except KeyError:
                continue
            models.append(name)
        return models

    @classmethod
    def _states_of(cls, name):
        Model = Pool().get(name)
        return Model.fields_get(['state'])['state']['selection']

    @classmethod
    def get_resources(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        models = []
        for name in SOURCES:
            try:
                pool.get(name)
            except KeyError:
                continue
            models.append(name)
        return [(None, '')] + [(m, IrModel.get_name(m)) for m in models]

    @classmethod
    def table_query(cls):
        return Union(*cls._queries(), all_=True)

    @classmethod
    def _row_id(cls, table, model):
        return RowId(table.id, SOURCES.index(model))

    @classmethod
    def _common(cls, table):
        "The audit columns of a row of the timeline"
        return [
            table.create_uid.as_('create_uid'),
            table.create_date.as_('create_date'),
            Cast(Null, 'INTEGER').as_('write_uid'),
            Cast(Null, 'TIMESTAMP').as_('write_date'),
            ]

    @classmethod
    def _queries(cls):
        pool = Pool()
        Message = pool.get('telco.messaging.message')
        message = Message.__table__()
        queries = [message.select(
                cls._row_id(message, Message.__name__).as_('id'),
                *cls._common(message),
                message.company.as_('company'),
                message.party.as_('party'),
                message.date.as_('date'),
                message.medium.as_('kind'),
                message.direction.as_('direction'),
                Substring(message.body, 1, 200).as_('summary'),
                message.agent.as_('agent'),
                message.state.as_('outcome'),
                cls._reference(Message, message).as_('resource'),
                where=message.party != Null)]
        try:
            Email = pool.get('telco.customer.email')
        except KeyError:
            Email = None
        if Email is not None:
            email = Email.__table__()
            queries.append(email.select(
                    cls._row_id(email, Email.__name__).as_('id'),
                    *cls._common(email),
                    email.company.as_('company'),
                    email.party.as_('party'),
                    Coalesce(email.sent_at, email.create_date).as_('date'),
                    Literal('email').as_('kind'),
                    Literal('out').as_('direction'),
                    email.subject.as_('summary'),
                    email.create_uid.as_('agent'),
                    Literal(None).as_('outcome'),
                    cls._reference(Email, email).as_('resource')))
        return queries

    @classmethod
    def _datetime(cls, column):
        """A date column as the timeline's date: cast on PostgreSQL (the
        branches of the union have one type); as is on SQLite, which casts
        '2026-12-06' to the number 2026 and keeps dates as ISO text"""
        if backend.name == 'sqlite':
            return column
        return Cast(column, 'TIMESTAMP')

    @classmethod
    def _reference(cls, Model, table):
        "The column of the Reference to the table's records"
        return Concat(Model.__name__ + ',', Cast(table.id, 'VARCHAR'))


class CustomerEmail(metaclass=PoolMeta):
    __name__ = 'telco.customer.email'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                row_id_index(t, cls.__name__),
                Index(t,
                    (t.party, Index.Equality()),
                    (Coalesce(t.sent_at, t.create_date),
                        Index.Range(order='DESC'))),
                })
