# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The contact figures of the manager's dashboard, read off the timeline
(every module's interactions with the customers) and the messages."""
import datetime as dt
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Min

from trytond.modules.telco_dashboard.breakdown import Division
from trytond.modules.telco_dashboard.kpi import (
    KPI, count, day_end, day_start, fetch_one, rate)
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# the time within which a conversation counts as answered quickly
ANSWER_WITHIN = dt.timedelta(hours=1)


def _in(column, start, end):
    return (column >= day_start(start)) & (column <= day_end(end))


def _datetime(value):
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _interactions(company_id, start, end, direction):
    "The timeline's query and the clause of its rows of the month"
    Interaction = Pool().get('telco.messaging.interaction')
    interaction = Interaction.__table__()
    return interaction, ((interaction.company == company_id)
        & (interaction.direction == direction)
        & _in(interaction.date, start, end))


def _interaction_records(company_id, start, end, direction):
    return 'telco.messaging.interaction', [
        ('company', '=', company_id),
        ('direction', '=', direction),
        ('date', '>=', day_start(start)),
        ('date', '<=', day_end(end)),
        ], 'telco_messaging.act_interaction'


class Figure(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def kpis(cls):
        return super().kpis() + [
            KPI('contacts_in', 'telco_messaging.msg_kpi_contacts_in',
                'telco_messaging.msg_kpi_contacts_in_help',
                cls._kpi_contacts_in, cls._records_contacts_in,
                feature='messaging', better=None, sequence=70),
            KPI('contacts_customers',
                'telco_messaging.msg_kpi_contacts_customers',
                'telco_messaging.msg_kpi_contacts_customers_help',
                cls._kpi_contacts_customers, cls._records_contacts_in,
                feature='messaging', better=None, sequence=71),
            KPI('contacts_out', 'telco_messaging.msg_kpi_contacts_out',
                'telco_messaging.msg_kpi_contacts_out_help',
                cls._kpi_contacts_out, cls._records_contacts_out,
                feature='messaging', better=None, sequence=72),
            KPI('messages_delivered',
                'telco_messaging.msg_kpi_messages_delivered',
                'telco_messaging.msg_kpi_messages_delivered_help',
                cls._kpi_messages_delivered, cls._records_messages_left,
                feature='messaging', unit='percentage', sequence=73),
            KPI('conversations_answered',
                'telco_messaging.msg_kpi_conversations_answered',
                'telco_messaging.msg_kpi_conversations_answered_help',
                cls._kpi_conversations_answered,
                cls._records_conversations_started,
                feature='messaging', unit='percentage', sequence=74),
            ]

    @classmethod
    def _kpi_contacts_in(cls, company_id, start, end):
        return count(*_interactions(company_id, start, end, 'in'))

    @classmethod
    def _records_contacts_in(cls, company_id, start, end):
        return _interaction_records(company_id, start, end, 'in')

    @classmethod
    def _kpi_contacts_customers(cls, company_id, start, end):
        interaction, where = _interactions(company_id, start, end, 'in')
        return Decimal(fetch_one(interaction.select(
                Count(interaction.party, distinct=True),
                where=where & (interaction.party != Null))))

    @classmethod
    def _kpi_contacts_out(cls, company_id, start, end):
        return count(*_interactions(company_id, start, end, 'out'))

    @classmethod
    def _records_contacts_out(cls, company_id, start, end):
        return _interaction_records(company_id, start, end, 'out')

    @classmethod
    def _left(cls, message, company_id, start, end):
        "Clause of the messages that left in the dates, whatever became"
        return ((message.company == company_id)
            & (message.direction == 'out')
            & message.state.in_(['sent', 'delivered', 'read', 'failed'])
            & _in(message.date, start, end))

    @classmethod
    def _kpi_messages_delivered(cls, company_id, start, end):
        message = Pool().get('telco.messaging.message').__table__()
        left = count(message, cls._left(message, company_id, start, end))
        delivered = count(message, cls._left(message, company_id, start, end)
            & message.state.in_(['delivered', 'read']))
        return rate(delivered, left)

    @classmethod
    def _records_messages_left(cls, company_id, start, end):
        return 'telco.messaging.message', [
            ('company', '=', company_id),
            ('direction', '=', 'out'),
            ('state', 'in', ['sent', 'delivered', 'read', 'failed']),
            ('date', '>=', day_start(start)),
            ('date', '<=', day_end(end)),
            ], 'telco_messaging.act_message'

    @classmethod
    def _kpi_conversations_answered(cls, company_id, start, end):
        "The conversations started in the dates answered within an hour"
        pool = Pool()
        conversation = pool.get('telco.messaging.conversation').__table__()
        message = pool.get('telco.messaging.message').__table__()
        started = ((conversation.company == company_id)
            & _in(conversation.started_at, start, end))
        first_answers = message.select(
            message.conversation.as_('conversation'),
            Min(message.date).as_('answered_at'),
            where=(message.company == company_id)
            & (message.direction == 'out') & (message.conversation != Null)
            & (message.agent != Null),
            group_by=[message.conversation])
        total = count(conversation, started)
        cursor = Transaction().connection.cursor()
        cursor.execute(*conversation.join(
                first_answers,
                condition=first_answers.conversation == conversation.id
                ).select(conversation.started_at, first_answers.answered_at,
                where=started))
        # compared here: SQLite keeps timestamps as text
        answered = sum(
            1 for started_at, answered_at in cursor
            if _datetime(answered_at) - _datetime(started_at)
            <= ANSWER_WITHIN)
        return rate(answered, total)

    @classmethod
    def _records_conversations_started(cls, company_id, start, end):
        return 'telco.messaging.conversation', [
            ('company', '=', company_id),
            ('started_at', '>=', day_start(start)),
            ('started_at', '<=', day_end(end)),
            ], 'telco_messaging.act_conversation'


class Breakdown(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('contacts_channel',
                'telco_messaging.msg_division_contacts_channel',
                'telco_messaging.msg_division_contacts_channel_help',
                cls._contacts_by_channel,
                cls._records_contacts_by_channel,
                'telco.messaging.interaction', field='kind',
                feature='messaging', sequence=70),
            ]

    @classmethod
    def _contacts_by_channel(cls, company_id, start, end):
        interaction, where = _interactions(company_id, start, end, 'in')
        return interaction.select(
            interaction.kind, Count(Literal(1)), where=where,
            group_by=[interaction.kind])

    @classmethod
    def _records_contacts_by_channel(cls, company_id, start, end, key):
        model, domain, action = _interaction_records(
            company_id, start, end, 'in')
        return model, domain + [('kind', '=', key)], action
