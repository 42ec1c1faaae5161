# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The customer base by segment and month, and the statistics read from it.

``telco.dashboard.segment`` is a summary table: one row per operator, month
and segment (customer category, governorate, customer type, age band) with
the measures of the segment for the month.  The hourly cron of the key
figures refreshes the current and the previous month; the statistics group
its rows by the dimension the user picks, with his filters, so that a
statistic reads a few thousand rows instead of the whole customer base.

A module adds a measure by declaring the field on both models and returning
one more ``Measure`` from ``Segment.measures()``."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.telco_base.model import OperatorMixin
from trytond.pool import Pool
from trytond.pyson import Eval, If, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import StateAction, Wizard

from .kpi import month_of, month_range

CUSTOMER_TYPES = [
    (None, ""),
    ('person', "Natural Person"),
    ('organization', "Legal Person"),
    ]
# the age bands of natural persons at the end of the month: code, from and
# to years (to excluded)
AGE_BANDS = [
    ('0-24', "Under 25", 0, 25),
    ('25-34', "25 to 34", 25, 35),
    ('35-44', "35 to 44", 35, 45),
    ('45-54', "45 to 54", 45, 55),
    ('55-64', "55 to 64", 55, 65),
    ('65+', "65 and over", 65, None),
    ]
AGE_BAND_SELECTION = [(None, "")] + [(c, s) for c, s, _, _ in AGE_BANDS]
DIMENSIONS = [
    ('category', "Customer Category"),
    ('subdivision', "Governorate"),
    ('customer_type', "Customer Type"),
    ('age_band', "Age Band"),
    ('period', "Month"),
    ]
KEYS = ['category', 'subdivision', 'customer_type', 'age_band']


class Measure:
    """A measure of a segment for a month.

    ``compute(company_id, start, end, segments)`` returns a query with the
    columns of ``KEYS`` then the value, grouped by them (``by_segment``
    builds it); ``stock`` tells a figure at the end of the month (customers,
    lines), which a statistic over months takes at its last month, from a
    flow (new customers, revenue), which it adds up."""
    __slots__ = ('name', 'compute', 'stock')

    def __init__(self, name, compute, stock=False):
        self.name = name
        self.compute = compute
        self.stock = stock


def age_band(birth_date, date):
    "The SQL expression of the age band at the date of a birth date column"
    whens = []
    for code, _, _, to in AGE_BANDS:
        if to is None:
            whens.append((birth_date != Null, code))
        else:
            # younger than `to` years at the date
            whens.append(
                (birth_date > date - relativedelta(years=to), code))
    return Case(*whens, else_=Null)


def party_segments(company_id, date):
    """The query of the segment of each customer or prospect of the operator
    at the date: party, then the columns of KEYS"""
    pool = Pool()
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    party = Party.__table__()
    address = Address.__table__()
    first = Address.__table__()
    # the governorate of the first address of the customer
    first_address = first.select(
        first.party, Min(first.id).as_('id'),
        where=first.active == Literal(True),
        group_by=[first.party])
    return (party
        .join(first_address, 'LEFT',
            condition=first_address.party == party.id)
        .join(address, 'LEFT', condition=address.id == first_address.id)
        .select(
            party.id.as_('party'),
            party.commercial_category_1.as_('category'),
            address.subdivision.as_('subdivision'),
            party.customer_type.as_('customer_type'),
            Case(
                (party.customer_type == 'person',
                    age_band(party.birth_date, date)),
                else_=Null).as_('age_band'),
            where=(party.company == company_id)
            & (party.customer_base == Literal(True))))


def by_segment(segments, table, party, value, where):
    """The query of value (an aggregate) over the rows of table that match
    where, grouped by the segment of their party"""
    keys = [getattr(segments, k) for k in KEYS]
    return (table
        .join(segments, condition=party == segments.party)
        .select(*keys, value, where=where, group_by=keys))


class SegmentMeasuresMixin:
    "The measures of the customer base, on the summary and its statistics"
    __slots__ = ()
    customers = fields.Integer(
        "Customers", readonly=True,
        help="Customers at the end of the month (the last one of the "
        "statistic's months).")
    customers_new = fields.Integer(
        "New Customers", readonly=True,
        help="Customers whose contract started in the months.")
    terminations = fields.Integer(
        "Terminations", readonly=True,
        help="Customers whose last contract ended in the months.")


class SegmentKeysMixin:
    __slots__ = ()
    category = fields.Many2One(
        'telco.customer.category', "Customer Category", readonly=True)
    subdivision = fields.Many2One(
        'country.subdivision', "Governorate", readonly=True,
        help="The subdivision of the customer's first address.")
    customer_type = fields.Selection(
        CUSTOMER_TYPES, "Customer Type", readonly=True)
    age_band = fields.Selection(
        AGE_BAND_SELECTION, "Age Band", readonly=True, sort=False,
        help="The age of natural persons at the end of the month.")
    customer_type_string = customer_type.translated('customer_type')
    age_band_string = age_band.translated('age_band')


class MonthlySummaryMixin(OperatorMixin):
    "Rows of an operator's month, replaced by the figures' cron and wizard"
    __slots__ = ()
    period = fields.Date(
        "Month", required=True, readonly=True,
        help="The first day of the month.")
    computed_at = fields.Timestamp("Computed at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        cls._order = [('period', 'DESC'), ('id', 'ASC')]

    @classmethod
    def replace_month(cls, companies, period, vlist):
        "Replace the rows of the month of the companies by those of vlist"
        with without_check_access():
            cls.delete(cls.search([
                        ('company', 'in', [c.id for c in companies]),
                        ('period', '=', period),
                        ]))
            return cls.create(vlist)


def summary_columns(summary):
    '''The columns of the fields of ModelSQL of a statistic grouped from the
    summary table'''
    return [
        Literal(0).as_('create_uid'),
        Max(summary.computed_at).as_('create_date'),
        Literal(Null).as_('write_uid'),
        Literal(Null).as_('write_date'),
        ]


class Segment(
        SegmentKeysMixin, SegmentMeasuresMixin, MonthlySummaryMixin, ModelSQL,
        ModelView):
    "Customer Segment per Month"
    __name__ = 'telco.dashboard.segment'
    __string__ = "Customer Segment per Month"

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t,
                (t.company, Index.Range(cardinality='low')),
                (t.period, Index.Range())))

    @classmethod
    def measures(cls):
        "The measures: modules add theirs by extending this method"
        return [
            Measure('customers', cls._measure_customers, stock=True),
            Measure('customers_new', cls._measure_customers_new),
            Measure('terminations', cls._measure_terminations),
            ]

    @classmethod
    def _measure_customers(cls, company_id, start, end, segments):
        party = Pool().get('party.party').__table__()
        return by_segment(segments, party, party.id, Count(party.id),
            (party.customer_date != Null) & (party.customer_date <= end)
            & ((party.termination_date == Null)
                | (party.termination_date > end)))

    @classmethod
    def _measure_customers_new(cls, company_id, start, end, segments):
        party = Pool().get('party.party').__table__()
        return by_segment(segments, party, party.id, Count(party.id),
            (party.customer_date >= start) & (party.customer_date <= end))

    @classmethod
    def _measure_terminations(cls, company_id, start, end, segments):
        party = Pool().get('party.party').__table__()
        return by_segment(segments, party, party.id, Count(party.id),
            (party.termination_date >= start)
            & (party.termination_date <= end))

    @classmethod
    def compute(cls, companies, period):
        "Compute and store the segments of the month for the companies"
        period = month_of(period)
        start, end = month_range(period)
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        measures = cls.measures()
        vlist = []
        for company in companies:
            segments = party_segments(company.id, end)
            rows = defaultdict(dict)
            for measure in measures:
                cursor.execute(*measure.compute(
                        company.id, start, end, segments))
                for *key, value in cursor:
                    rows[tuple(key)][measure.name] = value
            for key, values in rows.items():
                values.update(zip(KEYS, key))
                values.update(
                    company=company.id, period=period, computed_at=now)
                for measure in measures:
                    value = values.get(measure.name) or 0
                    field = cls._fields[measure.name]
                    if isinstance(field, fields.Numeric):
                        # a float quantity times a price adds up as a float
                        value = Decimal(str(value)).quantize(
                            Decimal(1).scaleb(-field.digits[1]))
                    values[measure.name] = value
                vlist.append(values)
        return cls.replace_month(companies, period, vlist)


class StatisticContext(ModelView):
    "Statistics Context"
    __name__ = 'telco.dashboard.statistic.context'
    __string__ = "Statistics Context"

    dimension = fields.Selection(
        DIMENSIONS, "By", required=True, sort=False,
        help="How the customer base is divided.")
    from_period = fields.Date(
        "From Month", required=True,
        domain=[
            If(Eval('to_period'),
                ('from_period', '<=', Eval('to_period')), ()),
            ],
        help="Any day of the first month.")
    to_period = fields.Date(
        "To Month", required=True,
        help="Any day of the last month: customers and lines are counted "
        "at its end.")
    category = fields.Many2One(
        'telco.customer.category', "Customer Category",
        domain=[
            ('kind', '=', 'commercial_1'),
            ('company', '=', Eval('company', -1)),
            ])
    subdivision = fields.Many2One(
        'country.subdivision', "Governorate")
    customer_type = fields.Selection(CUSTOMER_TYPES, "Customer Type")
    age_band = fields.Selection(AGE_BAND_SELECTION, "Age Band", sort=False)
    company = fields.Many2One('company.company', "Operator", readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_dimension(cls):
        return Transaction().context.get('dimension', 'category')

    @classmethod
    def default_from_period(cls):
        context = Transaction().context
        if context.get('from_period'):
            return context['from_period']
        today = Pool().get('ir.date').today()
        return month_of(today) - relativedelta(months=11)

    @classmethod
    def default_to_period(cls):
        context = Transaction().context
        if context.get('to_period'):
            return context['to_period']
        return month_of(Pool().get('ir.date').today())

    @classmethod
    def default_customer_type(cls):
        return Transaction().context.get('customer_type')

    @classmethod
    def default_age_band(cls):
        return Transaction().context.get('age_band')


class Statistic(
        SegmentKeysMixin, SegmentMeasuresMixin, ModelSQL, ModelView):
    "Statistic of the Customer Base"
    __name__ = 'telco.dashboard.statistic'
    __string__ = "Statistic of the Customer Base"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    period = fields.Date("Month", readonly=True)
    segment = fields.Function(fields.Char("Segment"), 'get_segment')
    computed_at = fields.Timestamp(
        "Computed at", readonly=True,
        help="When the oldest month of the statistic was last computed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'open_customers': {},
                })

    @classmethod
    def filters(cls):
        "The context's period and filters: start, end month and clauses"
        context = Transaction().context
        today = Pool().get('ir.date').today()
        end = month_of(context.get('to_period') or today)
        start = month_of(
            context.get('from_period') or end - relativedelta(months=11))
        filters = {
            k: context.get(k) for k in KEYS if context.get(k) is not None}
        return start, end, filters

    @classmethod
    def columns(cls):
        """The fields of the statistic's figures, as its spreadsheet writes
        them: the measures, then those modules compute from them"""
        Segment = Pool().get('telco.dashboard.segment')
        return [m.name for m in Segment.measures()]

    @classmethod
    def months(cls):
        "The number of months a row of the statistic covers"
        if cls.dimension() == 'period':
            return 1
        start, end, _ = cls.filters()
        return (end.year - start.year) * 12 + end.month - start.month + 1

    @classmethod
    def dimension(cls):
        dimension = Transaction().context.get('dimension', 'category')
        if dimension not in dict(DIMENSIONS):
            dimension = 'category'
        return dimension

    @classmethod
    def table_query(cls):
        pool = Pool()
        Segment = pool.get('telco.dashboard.segment')
        segment = Segment.__table__()
        start, end, filters = cls.filters()
        dimension = cls.dimension()
        company = Transaction().context.get('company')
        where = ((segment.company == company)
            & (segment.period >= start) & (segment.period <= end))
        for key, value in filters.items():
            where &= getattr(segment, key) == value
        columns = [
            Min(segment.id).as_('id'),
            segment.company.as_('company'),
            Min(segment.computed_at).as_('computed_at'),
            ]
        for name in KEYS + ['period']:
            column = getattr(segment, name)
            if name != dimension:
                column = Literal(Null)
            columns.append(column.as_(name))
        for measure in Segment.measures():
            column = getattr(segment, measure.name)
            if measure.stock and dimension != 'period':
                # a stock at the end of the last month, not their sum
                column = Case((segment.period == end, column), else_=0)
            columns.append(Sum(column).as_(measure.name))
        group_by = [segment.company, getattr(segment, dimension)]
        return segment.select(
            *columns, *summary_columns(segment),
            where=where, group_by=group_by)

    @classmethod
    def get_segment(cls, statistics, name):
        dimension = cls.dimension()
        result = {}
        for statistic in statistics:
            value = getattr(statistic, dimension)
            if dimension == 'period':
                label = value.strftime('%Y-%m') if value else ''
            elif dimension in {'category', 'subdivision'}:
                label = value.rec_name if value else gettext(
                    'telco_dashboard.msg_segment_none')
            else:
                label = getattr(statistic, f'{dimension}_string') or gettext(
                    'telco_dashboard.msg_segment_none')
            result[statistic.id] = label
        return result

    def customers_domain(self):
        """The domain of the customers of the segment at the end of the
        statistic's last month"""
        start, end, filters = self.filters()
        end = month_range(end)[1]
        keys = dict(filters)
        dimension = self.dimension()
        if dimension != 'period':
            value = getattr(self, dimension)
            keys[dimension] = getattr(value, 'id', value)
        else:
            end = month_range(self.period)[1]
        domain = [
            ('company', '=', self.company.id),
            ('customer_base', '=', True),
            ('customer_date', '<=', end),
            ['OR',
                ('termination_date', '=', None),
                ('termination_date', '>', end),
                ],
            ]
        if 'category' in keys:
            domain.append(('commercial_category_1', '=', keys['category']))
        if 'subdivision' in keys:
            domain.append(('addresses.subdivision', '=', keys['subdivision']))
        if 'customer_type' in keys:
            domain.append(('customer_type', '=', keys['customer_type']))
        if 'age_band' in keys:
            domain.append(('customer_type', '=', 'person'))
            for code, _, since, to in AGE_BANDS:
                if code != keys['age_band']:
                    continue
                if to is not None:
                    domain.append(('birth_date', '>',
                            end - relativedelta(years=to)))
                domain.append(('birth_date', '<=',
                        end - relativedelta(years=since)))
        return domain

    @classmethod
    @ModelView.button_action('telco_dashboard.wizard_statistic_open')
    def open_customers(cls, statistics):
        pass


class StatisticOpen(Wizard):
    "Open the Customers of a Statistic"
    __name__ = 'telco.dashboard.statistic.open'
    start_state = 'open_'
    open_ = StateAction('party.act_party_form')

    def do_open_(self, action):
        action['pyson_domain'] = PYSONEncoder().encode(
            self.record.customers_domain())
        action['name'] += f' ({self.record.segment})'
        return action, {}
