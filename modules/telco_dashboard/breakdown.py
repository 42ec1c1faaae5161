# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Figures divided by product, shop, agent, claim type, ...

The statistics of the customer base (``segment``) divide the customers by
their own attributes.  A breakdown divides a figure by the records it is
about: the revenue by product, the claims by type or by agent, the sales by
shop.  ``telco.dashboard.breakdown`` keeps one row per operator, month,
division and key, refreshed with the key figures; its statistic adds the
months up and shows them as charts and lists, with the records behind each
value.

A module adds a division by extending ``Breakdown.divisions()`` (under
``[register telco_dashboard]`` in its ``tryton.cfg``)."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql.aggregate import Min, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import StateAction, Wizard

from .exceptions import FigureError
from .figure import records_action
from .kpi import UNITS, month_of, month_range
from .segment import MonthlySummaryMixin, summary_columns


class Division:
    """A figure of an operator for a month, divided by a key.

    ``name`` and ``help`` are ids of ``ir.message``.  The key is the id of a
    record of ``model`` or, with ``field``, a value of that selection field
    of ``model``.  ``compute(company_id, start, end)`` returns the query of
    (key, value); ``records(company_id, start, end, key)`` the model, the
    domain and the XML id of the window of the records behind a value.
    ``stock`` tells a figure at the end of the month (the statistic takes
    the last month), from a flow (the statistic adds the months up)."""
    __slots__ = (
        'code', 'name', 'help', 'compute', 'records', 'model', 'field',
        'feature', 'unit', 'stock', 'sequence')

    def __init__(
            self, code, name, help, compute, records, model, field=None,
            feature=None, unit='number', stock=False, sequence=100):
        self.code = code
        self.name = name
        self.help = help
        self.compute = compute
        self.records = records
        self.model = model
        self.field = field
        self.feature = feature
        self.unit = unit
        self.stock = stock
        self.sequence = sequence


class DivisionMixin:
    __slots__ = ()
    division = fields.Selection(
        'get_divisions', "Figure", readonly=True, sort=False)
    division_string = division.translated('division')
    key = fields.Integer("Key", readonly=True)
    code = fields.Char("Code", readonly=True)
    label = fields.Function(fields.Char("Divided by"), 'get_label')
    value = fields.Numeric("Value", digits=(16, 3), readonly=True)

    @classmethod
    def get_divisions(cls):
        Breakdown = Pool().get('telco.dashboard.breakdown')
        return [(None, '')] + [
            (d.code, gettext(d.name))
            for d in sorted(Breakdown.divisions(), key=lambda d: d.sequence)]

    @classmethod
    def get_label(cls, records, name):
        "The name of the record or of the value each row is about"
        pool = Pool()
        Breakdown = pool.get('telco.dashboard.breakdown')
        result = {}
        none = gettext('telco_dashboard.msg_segment_none')
        by_division = {}
        for record in records:
            by_division.setdefault(record.division, []).append(record)
        for code, rows in by_division.items():
            division = Breakdown.get_division(code)
            if not division:
                result.update((r.id, '') for r in rows)
                continue
            Model = pool.get(division.model)
            if division.field:
                selection = dict(Model.fields_get(
                        [division.field])[division.field]['selection'])
                for row in rows:
                    result[row.id] = selection.get(row.code, row.code or none)
                continue
            ids = {r.key for r in rows if r.key is not None}
            # the names of records the user may not read (another agent),
            # deleted ones left out
            with without_check_access(), Transaction().set_context(
                    active_test=False):
                names = {r.id: r.rec_name
                    for r in Model.search([('id', 'in', list(ids))])}
            for row in rows:
                result[row.id] = names.get(row.key, none)
        return result


class Breakdown(DivisionMixin, MonthlySummaryMixin, ModelSQL, ModelView):
    "Figure Breakdown per Month"
    __name__ = 'telco.dashboard.breakdown'
    __string__ = "Figure Breakdown per Month"

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t,
                (t.company, Index.Range(cardinality='low')),
                (t.division, Index.Equality(cardinality='low')),
                (t.period, Index.Range())))

    @classmethod
    def divisions(cls):
        "The divisions: modules add theirs by extending this method"
        return []

    @classmethod
    def get_division(cls, code):
        for division in cls.divisions():
            if division.code == code:
                return division

    @classmethod
    def context_division(cls):
        '''The division of the context or the first one of the features of
        the context's operator'''
        pool = Pool()
        Feature = pool.get('telco.feature')
        context = Transaction().context
        if context.get('division'):
            return cls.get_division(context['division'])
        features = (Feature.running_codes(context['company'])
            if context.get('company') else set())
        for division in sorted(cls.divisions(), key=lambda d: d.sequence):
            if not division.feature or division.feature in features:
                return division

    @classmethod
    def compute(cls, companies, period):
        "Compute and store the breakdowns of the month for the companies"
        pool = Pool()
        Feature = pool.get('telco.feature')
        period = month_of(period)
        start, end = month_range(period)
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        vlist = []
        for company in companies:
            features = Feature.running_codes(company.id)
            for division in cls.divisions():
                if division.feature and division.feature not in features:
                    continue
                cursor.execute(*division.compute(company.id, start, end))
                for key, value in cursor:
                    if not value:
                        continue
                    vlist.append({
                            'company': company.id,
                            'period': period,
                            'division': division.code,
                            'key': None if division.field else key,
                            'code': key if division.field else None,
                            'value': Decimal(str(value)).quantize(
                                Decimal('0.001')),
                            'computed_at': now,
                            })
        return cls.replace_month(companies, period, vlist)


class BreakdownContext(ModelView):
    "Breakdown Context"
    __name__ = 'telco.dashboard.breakdown.context'
    __string__ = "Breakdown Context"

    division = fields.Selection(
        'get_divisions', "Figure", required=True, sort=False,
        help="The figure and what it is divided by.")
    from_period = fields.Date(
        "From Month", required=True,
        domain=[
            If(Eval('to_period'),
                ('from_period', '<=', Eval('to_period')), ()),
            ],
        help="Any day of the first month.")
    to_period = fields.Date(
        "To Month", required=True,
        help="Any day of the last month: stocks are taken at its end.")
    definition = fields.Function(
        fields.Text("Definition"), 'on_change_with_definition')

    @classmethod
    def get_divisions(cls):
        return DivisionMixin.get_divisions()

    @classmethod
    def default_division(cls):
        Breakdown = Pool().get('telco.dashboard.breakdown')
        division = Breakdown.context_division()
        return division.code if division else None

    @classmethod
    def default_from_period(cls):
        context = Transaction().context
        if context.get('from_period'):
            return context['from_period']
        today = Pool().get('ir.date').today()
        return month_of(today) - relativedelta(months=2)

    @classmethod
    def default_to_period(cls):
        context = Transaction().context
        if context.get('to_period'):
            return context['to_period']
        return month_of(Pool().get('ir.date').today())

    @fields.depends('division')
    def on_change_with_definition(self, name=None):
        Breakdown = Pool().get('telco.dashboard.breakdown')
        division = Breakdown.get_division(self.division)
        return gettext(division.help) if division else None


class BreakdownStatistic(DivisionMixin, ModelSQL, ModelView):
    "Figure Breakdown"
    __name__ = 'telco.dashboard.breakdown.statistic'
    __string__ = "Figure Breakdown"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    unit = fields.Function(
        fields.Selection(UNITS, "Unit"), 'get_unit')
    computed_at = fields.Timestamp(
        "Computed at", readonly=True,
        help="When the oldest month of the statistic was last computed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('value', 'DESC'), ('id', 'ASC')]
        cls._buttons.update({
                'open_records': {},
                })

    @classmethod
    def filters(cls):
        "The division and the first and last months of the context"
        pool = Pool()
        Breakdown = pool.get('telco.dashboard.breakdown')
        context = Transaction().context
        today = pool.get('ir.date').today()
        end = month_of(context.get('to_period') or today)
        start = month_of(
            context.get('from_period') or end - relativedelta(months=2))
        return Breakdown.context_division(), start, end

    @classmethod
    def table_query(cls):
        pool = Pool()
        Breakdown = pool.get('telco.dashboard.breakdown')
        breakdown = Breakdown.__table__()
        division, start, end = cls.filters()
        company = Transaction().context.get('company')
        where = ((breakdown.company == company)
            & (breakdown.division == (division.code if division else None))
            & (breakdown.period >= start) & (breakdown.period <= end))
        value = breakdown.value
        if division and division.stock:
            value = Case((breakdown.period == end, value), else_=0)
        return breakdown.select(
            Min(breakdown.id).as_('id'),
            breakdown.company.as_('company'),
            breakdown.division.as_('division'),
            breakdown.key.as_('key'),
            breakdown.code.as_('code'),
            Sum(value).as_('value'),
            Min(breakdown.computed_at).as_('computed_at'),
            *summary_columns(breakdown),
            where=where,
            group_by=[breakdown.company, breakdown.division,
                breakdown.key, breakdown.code])

    def get_unit(self, name):
        Breakdown = Pool().get('telco.dashboard.breakdown')
        division = Breakdown.get_division(self.division)
        return division.unit if division else None

    def records_domain(self):
        "The model, domain and window of the records behind the value"
        division, start, end = self.filters()
        if not division or division.code != self.division:
            raise FigureError(gettext(
                    'telco_dashboard.msg_breakdown_no_records',
                    label=self.label))
        key = self.code if division.field else self.key
        return division.records(
            self.company.id, start, month_range(end)[1], key)

    @classmethod
    @ModelView.button_action('telco_dashboard.wizard_breakdown_open')
    def open_records(cls, statistics):
        pass


class BreakdownOpen(Wizard):
    "Open the Records of a Breakdown"
    __name__ = 'telco.dashboard.breakdown.open'
    start_state = 'open_'
    open_ = StateAction('telco_dashboard.act_figure_records')

    def do_open_(self, action):
        return records_action(
            *self.record.records_domain(),
            '%s (%s)' % (self.record.division_string, self.record.label)), {}
