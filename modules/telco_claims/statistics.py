# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .configuration import BRANCHES


class ClaimMonth(ModelSQL, ModelView):
    "Claims opened per month and branch"
    __name__ = 'telco.claim.month'
    __string__ = "Claims per Month"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    year = fields.Integer("Year", readonly=True)
    month = fields.Integer("Month", readonly=True)
    period = fields.Function(fields.Char("Period"), 'get_period')
    branch = fields.Selection(BRANCHES, "Branch", readonly=True, sort=False)
    claims = fields.Integer("Opened", readonly=True)
    resolved = fields.Integer("Resolved", readonly=True)
    breached = fields.Integer("Breached", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('year', 'ASC'), ('month', 'ASC'), ('branch', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Claim = pool.get('telco.claim')
        claim = Claim.__table__()
        year = Extract('YEAR', claim.opened_at)
        month = Extract('MONTH', claim.opened_at)
        return claim.select(
            Min(claim.id).as_('id'),
            Literal(0).as_('create_uid'),
            Min(claim.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            claim.company.as_('company'),
            year.as_('year'),
            month.as_('month'),
            claim.branch.as_('branch'),
            Count(claim.id).as_('claims'),
            Sum(Case((claim.state == 'resolved', 1), else_=0)).as_(
                'resolved'),
            Sum(Case((claim.breached == Literal(True), 1), else_=0)).as_(
                'breached'),
            where=claim.state != 'cancelled',
            group_by=[claim.company, year, month, claim.branch])

    def get_period(self, name):
        return f'{int(self.year):04d}-{int(self.month):02d}'
