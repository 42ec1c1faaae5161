# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Avg

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.telco_base.model import OperatorMixin
from trytond.pool import Pool
from trytond.pyson import Eval, If, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import FigureError
from .kpi import (
    KPI, UNITS, count, days_between, fetch_one, month_of, month_range,
    previous_month, rate)


def customers_at(party, company_id, date):
    "Clause of the customers of the operator at the end of the date"
    return ((party.company == company_id)
        & (party.customer_base == Literal(True))
        & (party.customer_date != Null) & (party.customer_date <= date)
        & ((party.termination_date == Null)
            | (party.termination_date > date)))


def records_action(model, domain, window, name):
    "The values of the window (its XML id) on the records of the domain"
    pool = Pool()
    Action = pool.get('ir.action')
    ModelData = pool.get('ir.model.data')
    action, = Action.get_action_values(
        'ir.action.act_window', [ModelData.get_id(*window.split('.'))])
    action['pyson_domain'] = PYSONEncoder().encode(domain)
    action['domains'] = []
    action['name'] = name
    action['res_model'] = model
    return action


class Figure(OperatorMixin, ModelSQL, ModelView):
    "Key Figure"
    __name__ = 'telco.dashboard.figure'
    __string__ = "Key Figure"

    kpi = fields.Selection(
        'get_kpi_selection', "Figure", required=True, readonly=True,
        sort=False)
    kpi_string = kpi.translated('kpi')
    sequence = fields.Integer("Sequence", readonly=True)
    period = fields.Date(
        "Month", required=True, readonly=True,
        help="The first day of the month of the figure.")
    value = fields.Numeric(
        "Value", digits=(16, Eval('value_digits', 2)), readonly=True,
        help="Empty when the figure has no meaning for the month, like a "
        "rate of an empty base.")
    previous = fields.Numeric(
        "Previous Month", digits=(16, Eval('value_digits', 2)),
        readonly=True)
    value_digits = fields.Function(
        fields.Integer("Value Digits"), 'get_definition')
    change = fields.Function(fields.Numeric(
            "Change (%)", digits=(16, 1),
            help="The change from the previous month, in per cent of it."),
        'get_change')
    trend = fields.Function(fields.Selection([
                (None, ""),
                ('up', "▲"),
                ('down', "▼"),
                ('flat', "="),
                ], "Trend"), 'get_change')
    trend_string = trend.translated('trend')
    judgement = fields.Function(fields.Selection([
                (None, ""),
                ('good', "Good"),
                ('bad', "Bad"),
                ], "Judgement"), 'get_change')
    unit = fields.Function(fields.Selection(UNITS, "Unit"), 'get_definition')
    unit_string = unit.translated('unit')
    definition = fields.Function(
        fields.Text("Definition"), 'get_definition')
    computed_at = fields.Timestamp("Computed at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('figure_unique', Unique(t, t.company, t.kpi, t.period),
                'telco_dashboard.msg_figure_unique'),
            ]
        cls._order = [
            ('period', 'DESC'), ('sequence', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'open_records': {
                    'invisible': ~Eval('value'),
                    'depends': ['value'],
                    },
                'open_history': {},
                })

    @classmethod
    def view_attributes(cls):
        # good news in green, bad news in red
        visual = If(Eval('judgement') == 'good', 'success',
            If(Eval('judgement') == 'bad', 'danger', ''))
        return super().view_attributes() + [
            ('/tree/field[@name="trend"]', 'visual', visual),
            ('/tree/field[@name="change"]', 'visual', visual),
            ]

    # --- the key figures -------------------------------------------------

    @classmethod
    def kpis(cls):
        "The key figures: modules add theirs by extending this method"
        return [
            KPI('customers', 'telco_dashboard.msg_kpi_customers',
                'telco_dashboard.msg_kpi_customers_help',
                cls._kpi_customers, cls._records_customers,
                sequence=10),
            KPI('customers_new', 'telco_dashboard.msg_kpi_customers_new',
                'telco_dashboard.msg_kpi_customers_new_help',
                cls._kpi_customers_new, cls._records_customers_new,
                sequence=11),
            KPI('terminations', 'telco_dashboard.msg_kpi_terminations',
                'telco_dashboard.msg_kpi_terminations_help',
                cls._kpi_terminations, cls._records_terminations,
                better='down', sequence=12),
            KPI('churn_rate', 'telco_dashboard.msg_kpi_churn_rate',
                'telco_dashboard.msg_kpi_churn_rate_help',
                cls._kpi_churn_rate, cls._records_terminations,
                unit='percentage', better='down', sequence=13),
            KPI('prospects_new', 'telco_dashboard.msg_kpi_prospects_new',
                'telco_dashboard.msg_kpi_prospects_new_help',
                cls._kpi_prospects_new, cls._records_prospects_new,
                sequence=14),
            KPI('conversion_rate',
                'telco_dashboard.msg_kpi_conversion_rate',
                'telco_dashboard.msg_kpi_conversion_rate_help',
                cls._kpi_conversion_rate, cls._records_conversions,
                unit='percentage', sequence=15),
            KPI('conversion_delay',
                'telco_dashboard.msg_kpi_conversion_delay',
                'telco_dashboard.msg_kpi_conversion_delay_help',
                cls._kpi_conversion_delay, cls._records_conversions,
                unit='days', better='down', sequence=16),
            ]

    @classmethod
    def get_kpi(cls, code):
        "The definition of the key figure of the code"
        for kpi in cls.kpis():
            if kpi.code == code:
                return kpi

    @classmethod
    def get_kpi_selection(cls):
        return [(None, '')] + [
            (k.code, gettext(k.name))
            for k in sorted(cls.kpis(), key=lambda k: k.sequence)]

    @classmethod
    def _party(cls):
        return Pool().get('party.party').__table__()

    @classmethod
    def _kpi_customers(cls, company_id, start, end):
        party = cls._party()
        return count(party, customers_at(party, company_id, end))

    @classmethod
    def _records_customers(cls, company_id, start, end):
        return 'party.party', [
            ('company', '=', company_id),
            ('customer_base', '=', True),
            ('customer_date', '<=', end),
            ['OR',
                ('termination_date', '=', None),
                ('termination_date', '>', end),
                ],
            ], 'party.act_party_form'

    @classmethod
    def _kpi_customers_new(cls, company_id, start, end):
        party = cls._party()
        return count(party, (party.company == company_id)
                    & (party.customer_base == Literal(True))
                    & (party.customer_date >= start)
                    & (party.customer_date <= end))

    @classmethod
    def _records_customers_new(cls, company_id, start, end):
        return 'party.party', [
            ('company', '=', company_id),
            ('customer_base', '=', True),
            ('customer_date', '>=', start),
            ('customer_date', '<=', end),
            ], 'party.act_party_form'

    @classmethod
    def _kpi_terminations(cls, company_id, start, end):
        party = cls._party()
        return count(party, (party.company == company_id)
                    & (party.customer_base == Literal(True))
                    & (party.termination_date >= start)
                    & (party.termination_date <= end))

    @classmethod
    def _records_terminations(cls, company_id, start, end):
        return 'party.party', [
            ('company', '=', company_id),
            ('customer_base', '=', True),
            ('termination_date', '>=', start),
            ('termination_date', '<=', end),
            ], 'party.act_party_form'

    @classmethod
    def _kpi_churn_rate(cls, company_id, start, end):
        base = cls._kpi_customers(
            company_id, None, start - dt.timedelta(days=1))
        return rate(cls._kpi_terminations(company_id, start, end), base)

    @classmethod
    def _kpi_prospects_new(cls, company_id, start, end):
        party = cls._party()
        return count(party, (party.company == company_id)
                    & (party.customer_base == Literal(True))
                    & (party.prospect_date >= start)
                    & (party.prospect_date <= end))

    @classmethod
    def _records_prospects_new(cls, company_id, start, end):
        return 'party.party', [
            ('company', '=', company_id),
            ('customer_base', '=', True),
            ('prospect_date', '>=', start),
            ('prospect_date', '<=', end),
            ], 'party.act_party_form'

    @classmethod
    def _conversions(cls, party, company_id, start, end):
        return ((party.company == company_id)
            & (party.customer_base == Literal(True))
            & (party.prospect_date != Null)
            & (party.prospect_date < party.customer_date)
            & (party.customer_date >= start)
            & (party.customer_date <= end))

    @classmethod
    def _kpi_conversion_rate(cls, company_id, start, end):
        party = cls._party()
        converted = count(
            party, cls._conversions(party, company_id, start, end))
        # the prospects of the month: those still prospects at its start
        # and those who became one during it
        prospects = count(party, (party.company == company_id)
                & (party.customer_base == Literal(True))
                & (party.prospect_date != Null)
                & (party.prospect_date <= end)
                & ((party.customer_date == Null)
                    | (party.customer_date >= start))
                & ((party.termination_date == Null)
                    | (party.termination_date >= start)))
        return rate(converted, prospects)

    @classmethod
    def _kpi_conversion_delay(cls, company_id, start, end):
        party = cls._party()
        delay = fetch_one(party.select(
                Avg(days_between(party.prospect_date, party.customer_date)),
                where=cls._conversions(party, company_id, start, end)))
        if delay is None:
            return None
        return Decimal(delay).quantize(Decimal('0.1'))

    @classmethod
    def _records_conversions(cls, company_id, start, end):
        return 'party.party', [
            ('company', '=', company_id),
            ('customer_base', '=', True),
            ('prospect_date', '!=', None),
            ('customer_date', '>=', start),
            ('customer_date', '<=', end),
            ], 'party.act_party_form'

    # --- computing and storing ---------------------------------------

    @classmethod
    def compute(cls, companies, period):
        """Compute and store the figures of the month that starts on period
        for the companies, with the ones of the previous month beside"""
        pool = Pool()
        Feature = pool.get('telco.feature')
        period = month_of(period)
        start, end = month_range(period)
        previous_start, previous_end = month_range(previous_month(period))
        now = dt.datetime.now()
        vlist = []
        for company in companies:
            # the figures of the features the operator pays for now
            features = Feature.running_codes(company.id)
            for kpi in cls.kpis():
                if kpi.feature and kpi.feature not in features:
                    continue
                vlist.append({
                        'company': company.id,
                        'kpi': kpi.code,
                        'sequence': kpi.sequence,
                        'period': period,
                        'value': kpi.compute(company.id, start, end),
                        'previous': kpi.compute(
                            company.id, previous_start, previous_end),
                        'computed_at': now,
                        })
        with without_check_access():
            cls.delete(cls.search([
                        ('company', 'in', [c.id for c in companies]),
                        ('period', '=', period),
                        ]))
            return cls.create(vlist)

    @classmethod
    def refresh_cron(cls):
        "Compute the figures of this month and the previous one"
        pool = Pool()
        Company = pool.get('company.company')
        Feature = pool.get('telco.feature')
        today = dt.date.today()
        companies = [
            c for c in Company.search([])
            if 'dashboard' in Feature.running_codes(c.id, today)]
        Segment = pool.get('telco.dashboard.segment')
        Breakdown = pool.get('telco.dashboard.breakdown')
        for period in [previous_month(month_of(today)), month_of(today)]:
            cls.compute(companies, period)
            Segment.compute(companies, period)
            Breakdown.compute(companies, period)

    @classmethod
    def send_digest(cls):
        """Cron: e-mail the figures of the month so far to the users of each
        operator with the dashboard who read them, in their language, with
        the workbook attached"""
        pool = Pool()
        Company = pool.get('company.company')
        Feature = pool.get('telco.feature')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        Notification = pool.get('telco.notification')
        Spreadsheet = pool.get('telco.dashboard.figure.xlsx', type='report')
        today = pool.get('ir.date').today()
        group_id = ModelData.get_id('telco_dashboard', 'group_dashboard')
        for company in Company.search([]):
            if 'dashboard' not in Feature.running_codes(company.id, today):
                continue
            users = User.search([
                    ('companies', '=', company.id),
                    ('groups', '=', group_id),
                    ])
            if not users:
                continue
            ids = [f.id for f in cls.compute([company], today)]
            by_language = defaultdict(list)
            for user in users:
                by_language[user.language.code if user.language
                    else Transaction().language].append(user)
            for language, recipients in by_language.items():
                with Transaction().set_context(language=language):
                    figures = cls.browse(ids)
                    month = figures[0].period.strftime('%Y-%m')
                    subject = gettext(
                        'telco_dashboard.msg_digest_subject',
                        operator=company.rec_name, month=month)
                    body = '\n'.join(f.digest_line() for f in figures)
                    Notification.notify(
                        recipients, subject, body, company=company,
                        attachment=Spreadsheet.spreadsheet(figures),
                        attachment_name=(
                            f'key-figures-{company.code}-{month}.xlsx'))

    def digest_line(self):
        "The figure in one line of the digest"
        def number(value):
            if value is None:
                return '-'
            return f'{value:,}'
        change = ''
        if self.change is not None and self.trend != 'flat':
            change = f' {self.trend_string} {self.change:+}%'
        return gettext(
            'telco_dashboard.msg_digest_line',
            figure=self.kpi_string, value=number(self.value),
            unit='' if self.value is None or self.unit in {None, 'number'}
            else ' ' + (
                self.unit_string if self.unit != 'amount'
                else self.company.currency.code),
            previous=number(self.previous), change=change)

    # --- what the figures say ----------------------------------------

    @classmethod
    def get_change(cls, figures, names):
        result = {n: {} for n in names}
        for figure in figures:
            change = trend = judgement = None
            if figure.value is not None and figure.previous is not None:
                if figure.previous:
                    change = ((figure.value - figure.previous) * 100
                        / abs(figure.previous)).quantize(Decimal('0.1'))
                if figure.value > figure.previous:
                    trend = 'up'
                elif figure.value < figure.previous:
                    trend = 'down'
                else:
                    trend = 'flat'
                kpi = cls.get_kpi(figure.kpi)
                if kpi and kpi.better and trend in {'up', 'down'}:
                    judgement = 'good' if trend == kpi.better else 'bad'
            for name, value in [
                    ('change', change), ('trend', trend),
                    ('judgement', judgement)]:
                if name in result:
                    result[name][figure.id] = value
        return result

    def get_definition(self, name):
        kpi = self.get_kpi(self.kpi) if self.kpi else None
        if not kpi:
            return None
        if name == 'unit':
            return kpi.unit
        elif name == 'value_digits':
            # amounts in the operator's currency (3 decimals for the dinar)
            if kpi.unit == 'amount':
                return self.company.currency.digits
            return kpi.digits
        return gettext(kpi.help)

    def get_rec_name(self, name):
        return '%s (%s)' % (
            self.kpi_string if self.kpi else '', self.period.strftime('%Y-%m'))

    def records_domain(self):
        "The model, domain and window of the records behind the figure"
        kpi = self.get_kpi(self.kpi)
        if not kpi or not kpi.records:
            raise FigureError(gettext(
                    'telco_dashboard.msg_figure_no_records',
                    figure=self.rec_name))
        start, end = month_range(self.period)
        return kpi.records(self.company.id, start, end)

    @classmethod
    @ModelView.button_action('telco_dashboard.wizard_figure_open')
    def open_records(cls, figures):
        pass

    @classmethod
    @ModelView.button_action('telco_dashboard.wizard_figure_history')
    def open_history(cls, figures):
        pass


class FigureContext(ModelView):
    "Key Figures Context"
    __name__ = 'telco.dashboard.figure.context'
    __string__ = "Key Figures Context"

    period = fields.Date(
        "Month", required=True,
        help="Any day of the month whose figures are shown.")

    @classmethod
    def default_period(cls):
        return month_of(Pool().get('ir.date').today())


class FigureOpen(Wizard):
    "Open the Records of a Key Figure"
    __name__ = 'telco.dashboard.figure.open'
    start_state = 'open_'
    open_ = StateAction('telco_dashboard.act_figure_records')

    def do_open_(self, action):
        return records_action(
            *self.record.records_domain(), self.record.rec_name), {}


class FigureHistory(Wizard):
    "Key Figure over the Months"
    __name__ = 'telco.dashboard.figure.history'
    start_state = 'open_'
    open_ = StateAction('telco_dashboard.act_figure_history')

    def do_open_(self, action):
        figure = self.record
        action['pyson_domain'] = PYSONEncoder().encode([
                ('company', '=', figure.company.id),
                ('kpi', '=', figure.kpi),
                ])
        action['name'] = figure.kpi_string
        return action, {}


class FigureRefreshStart(ModelView):
    "Compute Key Figures"
    __name__ = 'telco.dashboard.figure.refresh.start'
    __string__ = "Compute Key Figures"

    period = fields.Date(
        "Month", required=True,
        help="Any day of the month whose figures are computed, with the "
        "ones of the month before.")

    @classmethod
    def default_period(cls):
        return Pool().get('ir.date').today()


class FigureRefresh(Wizard):
    "Compute Key Figures"
    __name__ = 'telco.dashboard.figure.refresh'
    start = StateView(
        'telco.dashboard.figure.refresh.start',
        'telco_dashboard.figure_refresh_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateTransition()

    def transition_compute(self):
        pool = Pool()
        Company = pool.get('company.company')
        Figure = pool.get('telco.dashboard.figure')
        company_id = Transaction().context.get('company')
        if not company_id:
            raise FigureError(gettext('telco_dashboard.msg_figure_no_company'))
        Segment = pool.get('telco.dashboard.segment')
        Breakdown = pool.get('telco.dashboard.breakdown')
        companies = [Company(company_id)]
        Figure.compute(companies, self.start.period)
        Segment.compute(companies, self.start.period)
        Breakdown.compute(companies, self.start.period)
        return 'end'
