# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import Counter
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Avg, Count

from trytond.model import fields
from trytond.modules.telco_dashboard.breakdown import Division
from trytond.modules.telco_dashboard.kpi import (
    KPI, count, day_end, day_start, days_between, fetch_one, rate)
from trytond.i18n import gettext
from trytond.modules.telco_dashboard.recommendation import (
    Advice, Signal, percent, threshold)
from trytond.modules.telco_dashboard.segment import Measure, by_segment
from trytond.modules.telco_line.dashboard import lines_at
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


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
                feature='claims', better='down', sequence=45, digits=2),
            KPI('claims_first_contact',
                'telco_claims.msg_kpi_claims_first_contact',
                'telco_claims.msg_kpi_claims_first_contact_help',
                cls._kpi_claims_first_contact,
                cls._records_claims_first_contact,
                feature='claims', unit='percentage', sequence=46),
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
    def _first_contact(cls, claim, company_id, start, end):
        "Clause of the claims resolved in the dates never put in progress"
        history = Pool().get('telco.claim.history').__table__()
        handed_on = history.select(
            history.claim, where=history.to_state == 'in_progress')
        return (cls._resolved(claim, company_id, start, end)
            & ~claim.id.in_(handed_on))

    @classmethod
    def _kpi_claims_first_contact(cls, company_id, start, end):
        claim = cls._claim()
        resolved = count(claim, cls._resolved(claim, company_id, start, end))
        first = count(
            claim, cls._first_contact(claim, company_id, start, end))
        return rate(first, resolved)

    @classmethod
    def _records_claims_first_contact(cls, company_id, start, end):
        model, domain, action = cls._records_claims_resolved(
            company_id, start, end)
        return model, domain + [
            ('history', 'not where', [('to_state', '=', 'in_progress')]),
            ], action

    @classmethod
    def _kpi_claims_per_1000_lines(cls, company_id, start, end):
        line = Pool().get('telco.line').__table__()
        lines = count(line, lines_at(line, company_id, end))
        return rate(
            cls._kpi_claims_opened(company_id, start, end), lines,
            scale=1000)


class Breakdown(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('claims_type', 'telco_claims.msg_division_claims_type',
                'telco_claims.msg_division_claims_type_help',
                *cls._claims_by('type'), 'telco.claim.type',
                feature='claims', sequence=40),
            Division('claims_branch',
                'telco_claims.msg_division_claims_branch',
                'telco_claims.msg_division_claims_branch_help',
                *cls._claims_by('branch'), 'telco.claim', field='branch',
                feature='claims', sequence=41),
            Division('claims_agent', 'telco_claims.msg_division_claims_agent',
                'telco_claims.msg_division_claims_agent_help',
                *cls._claims_by('agent'), 'res.user',
                feature='claims', sequence=42),
            Division('claims_resolved_agent',
                'telco_claims.msg_division_claims_resolved_agent',
                'telco_claims.msg_division_claims_resolved_agent_help',
                *cls._claims_by('resolved_by', resolved=True), 'res.user',
                feature='claims', sequence=43),
            ]

    @classmethod
    def _claims_by(cls, name, resolved=False):
        """The query and the records of the claims opened (or resolved) in
        the dates, divided by the column"""
        Figure = Pool().get('telco.dashboard.figure')

        def compute(company_id, start, end):
            claim = Pool().get('telco.claim').__table__()
            if resolved:
                where = Figure._resolved(claim, company_id, start, end)
            else:
                where = ((claim.company == company_id)
                    & _in(claim.opened_at, start, end))
            column = getattr(claim, name)
            return claim.select(
                column, Count(claim.id), where=where, group_by=[column])

        def records(company_id, start, end, key):
            if resolved:
                records = Figure._records_claims_resolved
            else:
                records = Figure._records_claims_opened
            model, domain, action = records(company_id, start, end)
            return model, domain + [(name, '=', key)], action
        return compute, records


class SegmentMeasuresMixin:
    __slots__ = ()
    claims_opened = fields.Integer(
        "Claims Opened", readonly=True,
        help="Claims of the customers opened in the months.")


class Segment(SegmentMeasuresMixin, metaclass=PoolMeta):
    __name__ = 'telco.dashboard.segment'

    @classmethod
    def measures(cls):
        return super().measures() + [
            Measure('claims_opened', cls._measure_claims_opened),
            ]

    @classmethod
    def _measure_claims_opened(cls, company_id, start, end, segments):
        claim = Pool().get('telco.claim').__table__()
        return by_segment(segments, claim, claim.party, Count(claim.id),
            (claim.company == company_id) & _in(claim.opened_at, start, end))


class Statistic(SegmentMeasuresMixin, metaclass=PoolMeta):
    __name__ = 'telco.dashboard.statistic'


class Recommendation(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.recommendation'

    claim_type = fields.Many2One(
        'telco.claim.type', "Claim Type", readonly=True)

    @classmethod
    def strategies(cls):
        return super().strategies() + [cls._strategy_claims]

    @classmethod
    def _strategy_claims(cls, company_id, date):
        """The claim types that grow fastest, with the resolution that
        works best for them"""
        pool = Pool()
        ClaimType = pool.get('telco.claim.type')
        claim = pool.get('telco.claim').__table__()
        line = pool.get('telco.line').__table__()
        cursor = Transaction().connection.cursor()
        recent = date - relativedelta(months=3)
        before = date - relativedelta(months=6)
        cursor.execute(*claim.select(
                claim.type,
                Count(Literal(1), filter_=(claim.opened_at > day_end(recent))
                    & (claim.opened_at <= day_end(date))),
                Count(Literal(1), filter_=(claim.opened_at > day_end(before))
                    & (claim.opened_at <= day_end(recent))),
                where=(claim.company == company_id) & (claim.type != Null)
                & (claim.state != 'cancelled'),
                group_by=[claim.type]))
        rows = list(cursor)
        lines = count(line, lines_at(line, company_id, date))
        minimum = threshold('recommendation_min_claims', company_id)
        advices = []
        for type_id, last, previous in rows:
            # from no claim, as from one
            growth = rate(last - previous, max(previous, 1))
            if last < minimum or growth < 25:
                continue
            cursor.execute(*claim.select(claim.resolution,
                    where=(claim.company == company_id)
                    & (claim.type == type_id) & (claim.state == 'resolved')
                    & (claim.resolved_at > day_end(before))
                    & (claim.resolved_at <= day_end(date))
                    & (claim.resolution != Null)))
            resolutions = Counter(
                r.strip().splitlines()[0] for r, in cursor if r.strip())
            if resolutions:
                resolution, used = resolutions.most_common(1)[0]
                best = gettext('telco_claims.msg_claims_best_resolution',
                    resolution=resolution, used=used,
                    resolved=sum(resolutions.values()))
            else:
                best = gettext('telco_claims.msg_claims_no_resolution')
            name = ClaimType(type_id).rec_name
            advices.append(Advice(
                    'claims', 'claims_growth', module='telco_claims',
                    title=gettext('telco_claims.msg_rule_claims_growth_title',
                        type=name),
                    figures=gettext('telco_claims.msg_claims_growth_figures',
                        type=name, last=last, previous=previous,
                        growth=percent(growth),
                        per_1000=rate(last, lines, 1000) or 0, best=best),
                    score=growth, action='owner',
                    records_model='telco.claim',
                    records_domain=[
                        ('company', '=', company_id),
                        ('type', '=', type_id),
                        ('opened_at', '>', day_end(recent)),
                        ('opened_at', '<=', day_end(date)),
                        ],
                    claim_type=type_id))
        return advices


class ChurnRisk(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.churn_risk'

    @classmethod
    def signals(cls):
        return super().signals() + [
            Signal('claims', 'telco_claims.msg_signal_claims', 25,
                cls._signal_claims),
            ]

    @classmethod
    def _signal_claims(cls, company_id, date):
        "Two claims or more opened in the 90 days before the date"
        claim = Pool().get('telco.claim').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*claim.select(claim.party,
                where=(claim.company == company_id) & (claim.party != Null)
                & (claim.state != 'cancelled')
                & (claim.opened_at > day_end(date - dt.timedelta(days=90)))
                & (claim.opened_at <= day_end(date)),
                group_by=[claim.party],
                having=Count(Literal(1)) >= 2))
        return {p for p, in cursor}
