# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Avg

from trytond.modules.telco_dashboard.kpi import (
    KPI, count, day_end, day_start, days_between, fetch_one, rate)
from trytond.modules.telco_line.dashboard import lines_at
from trytond.pool import Pool, PoolMeta


def _in(column, start, end):
    return (column >= day_start(start)) & (column <= day_end(end))


class Figure(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def kpis(cls):
        return super().kpis() + [
            KPI('claims_opened', 'telco_claims.msg_kpi_claims_opened',
                'telco_claims.msg_kpi_claims_opened_help',
                cls._kpi_claims_opened, cls._records_claims_opened,
                feature='claims', better='down', sequence=40),
            KPI('claims_resolved', 'telco_claims.msg_kpi_claims_resolved',
                'telco_claims.msg_kpi_claims_resolved_help',
                cls._kpi_claims_resolved, cls._records_claims_resolved,
                feature='claims', sequence=41),
            KPI('claims_backlog', 'telco_claims.msg_kpi_claims_backlog',
                'telco_claims.msg_kpi_claims_backlog_help',
                cls._kpi_claims_backlog, cls._records_claims_backlog,
                feature='claims', better='down', sequence=42),
            KPI('claims_sla_breach',
                'telco_claims.msg_kpi_claims_sla_breach',
                'telco_claims.msg_kpi_claims_sla_breach_help',
                cls._kpi_claims_sla_breach, cls._records_claims_resolved,
                feature='claims', unit='percentage', better='down',
                sequence=43),
            KPI('claims_time_to_resolve',
                'telco_claims.msg_kpi_claims_time_to_resolve',
                'telco_claims.msg_kpi_claims_time_to_resolve_help',
                cls._kpi_claims_time_to_resolve,
                cls._records_claims_resolved,
                feature='claims', unit='days', better='down', sequence=44),
            KPI('claims_per_1000_lines',
                'telco_claims.msg_kpi_claims_per_1000_lines',
                'telco_claims.msg_kpi_claims_per_1000_lines_help',
                cls._kpi_claims_per_1000_lines, cls._records_claims_opened,
                feature='claims', better='down', sequence=45),
            ]

    @classmethod
    def _claim(cls):
        return Pool().get('telco.claim').__table__()

    @classmethod
    def _kpi_claims_opened(cls, company_id, start, end):
        claim = cls._claim()
        return count(claim, (claim.company == company_id)
                    & _in(claim.opened_at, start, end))

    @classmethod
    def _records_claims_opened(cls, company_id, start, end):
        return 'telco.claim', [
            ('company', '=', company_id),
            ('opened_at', '>=', day_start(start)),
            ('opened_at', '<=', day_end(end)),
            ], 'telco_claims.act_claim'

    @classmethod
    def _resolved(cls, claim, company_id, start, end):
        return ((claim.company == company_id)
            & (claim.state == 'resolved')
            & _in(claim.resolved_at, start, end))

    @classmethod
    def _kpi_claims_resolved(cls, company_id, start, end):
        claim = cls._claim()
        return count(claim, cls._resolved(claim, company_id, start, end))

    @classmethod
    def _records_claims_resolved(cls, company_id, start, end):
        return 'telco.claim', [
            ('company', '=', company_id),
            ('state', '=', 'resolved'),
            ('resolved_at', '>=', day_start(start)),
            ('resolved_at', '<=', day_end(end)),
            ], 'telco_claims.act_claim'

    @classmethod
    def _kpi_claims_backlog(cls, company_id, start, end):
        claim = cls._claim()
        until = day_end(end)
        return count(claim, (claim.company == company_id)
                    & (claim.state != 'cancelled')
                    & (claim.opened_at <= until)
                    & ((claim.resolved_at == Null)
                        | (claim.resolved_at > until))
                    & ((claim.closed_at == Null)
                        | (claim.closed_at > until)))

    @classmethod
    def _records_claims_backlog(cls, company_id, start, end):
        until = day_end(end)
        return 'telco.claim', [
            ('company', '=', company_id),
            ('state', '!=', 'cancelled'),
            ('opened_at', '<=', until),
            ['OR', ('resolved_at', '=', None), ('resolved_at', '>', until)],
            ['OR', ('closed_at', '=', None), ('closed_at', '>', until)],
            ], 'telco_claims.act_claim'

    @classmethod
    def _kpi_claims_sla_breach(cls, company_id, start, end):
        claim = cls._claim()
        resolved = count(claim, cls._resolved(claim, company_id, start, end))
        breached = count(claim, cls._resolved(claim, company_id, start, end)
                & (claim.breached == Literal(True)))
        return rate(breached, resolved)

    @classmethod
    def _kpi_claims_time_to_resolve(cls, company_id, start, end):
        claim = cls._claim()
        days = fetch_one(claim.select(
                Avg(days_between(
                        claim.opened_at, claim.resolved_at, timestamps=True)),
                where=cls._resolved(claim, company_id, start, end)))
        if days is None:
            return None
        return Decimal(days).quantize(Decimal('0.01'))

    @classmethod
    def _kpi_claims_per_1000_lines(cls, company_id, start, end):
        line = Pool().get('telco.line').__table__()
        lines = count(line, lines_at(line, company_id, end))
        return rate(
            cls._kpi_claims_opened(company_id, start, end), lines,
            scale=1000)
