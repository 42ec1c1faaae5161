# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from sql import Null
from sql.aggregate import Count

from trytond.model import fields
from trytond.modules.telco_dashboard.breakdown import Division
from trytond.modules.telco_dashboard.kpi import KPI, count, rate
from trytond.modules.telco_dashboard.segment import Measure, by_segment
from trytond.pool import Pool, PoolMeta


def lines_at(line, company_id, date):
    "Clause of the lines of the operator in service at the end of the date"
    return ((line.company == company_id)
        & (line.activation_date != Null) & (line.activation_date <= date)
        & ((line.termination_date == Null) | (line.termination_date > date)))


def lines_at_domain(company_id, date):
    return [
        ('company', '=', company_id),
        ('activation_date', '<=', date),
        ['OR',
            ('termination_date', '=', None),
            ('termination_date', '>', date),
            ],
        ]


class Figure(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def kpis(cls):
        return super().kpis() + [
            KPI('lines', 'telco_line.msg_kpi_lines',
                'telco_line.msg_kpi_lines_help',
                cls._kpi_lines, cls._records_lines, sequence=20),
            KPI('lines_new', 'telco_line.msg_kpi_lines_new',
                'telco_line.msg_kpi_lines_new_help',
                cls._kpi_lines_new, cls._records_lines_new, sequence=21),
            KPI('prepaid_share', 'telco_line.msg_kpi_prepaid_share',
                'telco_line.msg_kpi_prepaid_share_help',
                cls._kpi_prepaid_share, cls._records_mobile_lines,
                unit='percentage', better=None, sequence=22),
            ]

    @classmethod
    def _count_lines(cls, where):
        line = Pool().get('telco.line').__table__()
        return count(line, where(line))

    @classmethod
    def _kpi_lines(cls, company_id, start, end):
        return cls._count_lines(lambda l: lines_at(l, company_id, end))

    @classmethod
    def _records_lines(cls, company_id, start, end):
        return ('telco.line', lines_at_domain(company_id, end),
            'telco_line.act_line')

    @classmethod
    def _kpi_lines_new(cls, company_id, start, end):
        return cls._count_lines(lambda l: (l.company == company_id)
            & (l.activation_date >= start) & (l.activation_date <= end))

    @classmethod
    def _records_lines_new(cls, company_id, start, end):
        return 'telco.line', [
            ('company', '=', company_id),
            ('activation_date', '>=', start),
            ('activation_date', '<=', end),
            ], 'telco_line.act_line'

    @classmethod
    def _kpi_prepaid_share(cls, company_id, start, end):
        prepaid = cls._count_lines(lambda l: lines_at(l, company_id, end)
            & (l.kind == 'mobile_prepaid'))
        mobile = cls._count_lines(lambda l: lines_at(l, company_id, end)
            & l.kind.in_(['mobile_prepaid', 'mobile_postpaid']))
        return rate(prepaid, mobile)

    @classmethod
    def _records_mobile_lines(cls, company_id, start, end):
        return 'telco.line', lines_at_domain(company_id, end) + [
            ('kind', 'in', ['mobile_prepaid', 'mobile_postpaid']),
            ], 'telco_line.act_line'


class SegmentMeasuresMixin:
    __slots__ = ()
    lines = fields.Integer(
        "Lines", readonly=True,
        help="Lines of the customers in service at the end of the month "
        "(the last one of the statistic's months).")
    lines_prepaid = fields.Integer(
        "Prepaid Lines", readonly=True,
        help="Mobile prepaid lines among them.")


class Segment(SegmentMeasuresMixin, metaclass=PoolMeta):
    __name__ = 'telco.dashboard.segment'

    @classmethod
    def measures(cls):
        return super().measures() + [
            Measure('lines', cls._measure_lines, stock=True),
            Measure('lines_prepaid', cls._measure_lines_prepaid, stock=True),
            ]

    @classmethod
    def _measure_lines(cls, company_id, start, end, segments):
        line = Pool().get('telco.line').__table__()
        return by_segment(segments, line, line.customer, Count(line.id),
            lines_at(line, company_id, end))

    @classmethod
    def _measure_lines_prepaid(cls, company_id, start, end, segments):
        line = Pool().get('telco.line').__table__()
        return by_segment(segments, line, line.customer, Count(line.id),
            lines_at(line, company_id, end)
            & (line.kind == 'mobile_prepaid'))


class Statistic(SegmentMeasuresMixin, metaclass=PoolMeta):
    __name__ = 'telco.dashboard.statistic'


class Breakdown(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('lines_kind', 'telco_line.msg_division_lines_kind',
                'telco_line.msg_division_lines_kind_help',
                cls._division_lines_kind, cls._records_lines_kind,
                'telco.line', field='kind', stock=True, sequence=20),
            ]

    @classmethod
    def _division_lines_kind(cls, company_id, start, end):
        line = Pool().get('telco.line').__table__()
        return line.select(line.kind, Count(line.id),
            where=lines_at(line, company_id, end), group_by=[line.kind])

    @classmethod
    def _records_lines_kind(cls, company_id, start, end, kind):
        return 'telco.line', lines_at_domain(company_id, end) + [
            ('kind', '=', kind),
            ], 'telco_line.act_line'
