# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal, Null
from sql.aggregate import Count, Min
from sql.conditionals import Coalesce
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool


class PartyMonth(ModelSQL, ModelView):
    "Customers and prospects registered per month"
    __name__ = 'telco.statistics.party_month'
    __string__ = "Registrations per Month"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    year = fields.Integer("Year", readonly=True)
    month = fields.Integer("Month", readonly=True)
    period = fields.Function(fields.Char("Period"), 'get_period')
    parties = fields.Integer("Registered", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'ASC'), ('month', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        party = Party.__table__()
        # the day the party became a prospect, which an import or a
        # migration keeps, not the day its record was created
        registered = Coalesce(party.prospect_date, party.create_date)
        year = Extract('YEAR', registered)
        month = Extract('MONTH', registered)
        return party.select(
            Min(party.id).as_('id'),
            Literal(0).as_('create_uid'),
            Min(party.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            party.company.as_('company'),
            year.as_('year'),
            month.as_('month'),
            Count(party.id).as_('parties'),
            where=(party.company != Null)
            & (party.customer_base == Literal(True)),
            group_by=[party.company, year, month])

    def get_period(self, name):
        return f'{int(self.year):04d}-{int(self.month):02d}'
