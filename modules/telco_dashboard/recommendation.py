# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Decision support: recommendations computed from the operator's data and
the churn-risk score of its customers.

A strategy is a class method returning ``Advice`` (modules add theirs by
extending ``Recommendation.strategies()``); each advice says with figures
why it is given, how it was computed (the help of its rule) and the one
action it leads to.  The churn-risk score adds the weights of the signals
of a customer; modules add signals by extending ``ChurnRisk.signals()``."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.telco_base.model import OperatorMixin
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import RecommendationError
from .kpi import rate
from .segment import SegmentKeysMixin

STRATEGIES = [
    ('sales', "Sales"),
    ('prospecting', "Prospecting"),
    ('claims', "Claim Reduction"),
    ('retention', "Retention"),
    ]
STATES = [
    ('open', "Open"),
    ('done', "Done"),
    ('dismissed', "Dismissed"),
    ]


def threshold(name, company_id):
    "The operator's threshold of the recommendations (configuration.py)"
    Configuration = Pool().get('telco.configuration')
    return Configuration.threshold(name, company_id)


class Advice:
    """What a strategy recommends.

    ``rule`` names the ir.message ids ``telco_dashboard.msg_rule_<rule>``
    (or of the module given as ``module``) and ``..._help`` (how it is
    computed); ``figures`` is the text of the figures that justify it;
    ``score`` ranks the advices of a strategy; ``values`` are the other
    fields of the recommendation (its segment, the records behind it)."""
    __slots__ = ('strategy', 'rule', 'module', 'title', 'figures', 'score',
        'values')

    def __init__(self, strategy, rule, title, figures, score,
            module='telco_dashboard', **values):
        self.strategy = strategy
        self.rule = rule
        self.module = module
        self.title = title
        self.figures = figures
        self.score = score
        self.values = values


class Signal:
    """A sign that a customer may leave: ``parties(company_id, date)``
    returns the ids of the customers who show it at the date; ``name`` is an
    ir.message id."""
    __slots__ = ('code', 'name', 'weight', 'parties')

    def __init__(self, code, name, weight, parties):
        self.code = code
        self.name = name
        self.weight = weight
        self.parties = parties


def percent(value):
    return f'{value:.0f} %' if value is not None else '-'


class Recommendation(
        SegmentKeysMixin, OperatorMixin, Workflow, ModelSQL, ModelView):
    "Recommendation"
    __name__ = 'telco.dashboard.recommendation'
    __string__ = "Recommendation"

    strategy = fields.Selection(
        STRATEGIES, "Strategy", required=True, readonly=True, sort=False)
    strategy_string = strategy.translated('strategy')
    rule = fields.Char(
        "Rule", required=True, readonly=True,
        help="The message id of the rule that gave the recommendation.")
    title = fields.Char("Recommendation", required=True, readonly=True)
    figures = fields.Text(
        "Figures", readonly=True,
        help="The operator's figures that justify the recommendation.")
    method = fields.Function(
        fields.Text("How it is computed"), 'get_method')
    score = fields.Numeric(
        "Score", digits=(16, 2), readonly=True,
        help="What ranks the recommendations of a strategy, the higher "
        "first: its rule says what it is.")
    records_model = fields.Char("Records Model", readonly=True)
    records_domain = fields.Text("Records Domain", readonly=True)
    action = fields.Selection([
            ('owner', "Assign an Owner"),
            ('promotion', "Draft a Promotion"),
            ('list', "Make a Target List"),
            ], "Action", required=True, readonly=True, sort=False,
        help="What the recommendation leads to.")
    owner = fields.Many2One(
        'res.user', "Owner", readonly=True,
        help="Who was asked to act on the recommendation.")
    result = fields.Reference(
        "Result", selection='get_results', readonly=True,
        help="What the action made: a promotion, a list.")
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    computed_at = fields.Timestamp("Computed at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t,
                (t.company, Index.Range(cardinality='low')),
                (t.state, Index.Equality(cardinality='low'))))
        # the open ones first
        cls._order = [
            ('state', 'DESC'), ('strategy', 'ASC'), ('score', 'DESC'),
            ('id', 'ASC')]
        cls._transitions |= {
            ('open', 'done'),
            ('open', 'dismissed'),
            ('dismissed', 'open'),
            }
        cls._buttons.update({
                'open_records': {
                    'invisible': ~Eval('records_model'),
                    'depends': ['records_model'],
                    },
                'assign': {
                    'invisible': ((Eval('state') != 'open')
                        | (Eval('action') != 'owner')),
                    'depends': ['state', 'action'],
                    },
                'dismiss': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'dismissed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def get_results(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        names = cls._result_models()
        return [(None, '')] + [
            (m.name, m.string) for m in Model.search([
                    ('name', 'in', names)])]

    @classmethod
    def _result_models(cls):
        "The models of the records the actions make: modules add theirs"
        return []

    def get_method(self, name):
        module, rule = self.rule.split('.')
        if rule != 'retention':
            return gettext(f'{module}.msg_rule_{rule}_help')
        ChurnRisk = Pool().get('telco.dashboard.churn_risk')
        at_risk = threshold('churn_risk_at_risk', self.company.id)
        return gettext(f'{module}.msg_rule_{rule}_help', at_risk=at_risk) + (
            '\n' + '\n'.join(
                gettext('telco_dashboard.msg_signal_weight',
                    signal=gettext(s.name), weight=s.weight)
                for s in ChurnRisk.signals()))

    # --- the strategies ----------------------------------------------

    @classmethod
    def strategies(cls):
        "The methods that give advices: modules add theirs"
        return [cls._strategy_prospecting, cls._strategy_retention]

    @classmethod
    def _strategy_prospecting(cls, company_id, date):
        """Zones and categories where prospects convert best while the
        customer base is thin"""
        pool = Pool()
        Party = pool.get('party.party')
        Category = pool.get('telco.customer.category')
        Subdivision = pool.get('country.subdivision')
        from .segment import party_segments
        party = Party.__table__()
        segments = party_segments(company_id, date)
        since = date - relativedelta(months=12)
        cursor = Transaction().connection.cursor()
        minimum = threshold('recommendation_min_prospects', company_id)
        advices = []
        for key, Model, rule, field in [
                ('subdivision', Subdivision, 'prospecting_zone',
                    'addresses.subdivision'),
                ('category', Category, 'prospecting_category',
                    'commercial_category_1'),
                ]:
            column = getattr(segments, key)
            prospected = ((party.prospect_date != Null)
                & (party.prospect_date > since)
                & (party.prospect_date <= date))
            converted = (prospected & (party.customer_date != Null)
                & (party.customer_date <= date))
            customer = ((party.customer_date != Null)
                & (party.customer_date <= date)
                & ((party.termination_date == Null)
                    | (party.termination_date > date)))
            cursor.execute(*party.join(
                    segments, condition=segments.party == party.id).select(
                    column,
                    Count(Literal(1), filter_=prospected),
                    Count(Literal(1), filter_=converted),
                    Count(Literal(1), filter_=customer),
                    where=column != Null,
                    group_by=[column]))
            rows = [
                (k, prospects, won, base)
                for k, prospects, won, base in cursor]
            all_prospects = sum(r[1] for r in rows)
            all_won = sum(r[2] for r in rows)
            all_base = sum(r[3] for r in rows)
            if not all_prospects or not all_base:
                continue
            average = rate(all_won, all_prospects)
            shares = sorted(rate(r[3], all_base) for r in rows)
            median = shares[len(shares) // 2]
            for k, prospects, won, base in rows:
                conversion = rate(won, prospects)
                share = rate(base, all_base)
                # enough prospects to speak of, converting at least as well
                # as the average, where the base is below the median
                if (prospects < minimum or conversion is None
                        or conversion < average or share >= median):
                    continue
                name = Model(k).rec_name
                advices.append(Advice(
                        'prospecting', rule,
                        gettext(f'telco_dashboard.msg_rule_{rule}_title',
                            name=name),
                        gettext('telco_dashboard.msg_prospecting_figures',
                            name=name, won=won, prospects=prospects,
                            conversion=percent(conversion),
                            average=percent(average), customers=base,
                            share=percent(share), median=percent(median)),
                        conversion, action='owner',
                        records_model='party.party',
                        records_domain=[
                            ('company', '=', company_id),
                            ('customer_base', '=', True),
                            ('customer_state', '=', 'prospect'),
                            (field, '=', k),
                            ],
                        **{key: k}))
        return advices

    @classmethod
    def _strategy_retention(cls, company_id, date):
        "The customers most at risk of leaving, from their signals"
        pool = Pool()
        ChurnRisk = pool.get('telco.dashboard.churn_risk')
        risks = ChurnRisk.compute(company_id, date)
        at_risk = [r for r in risks if r.at_risk]
        if not at_risk:
            return []
        names = ChurnRisk.signal_names()
        counts = defaultdict(int)
        for risk in at_risk:
            for code in risk.signal_codes.split(','):
                counts[code] += 1
        detail = ', '.join(
            gettext('telco_dashboard.msg_retention_signal',
                signal=names[c], count=n)
            for c, n in sorted(counts.items(), key=lambda x: -x[1]))
        return [Advice(
                'retention', 'retention',
                gettext('telco_dashboard.msg_rule_retention_title',
                    count=len(at_risk)),
                gettext('telco_dashboard.msg_retention_figures',
                    count=len(at_risk), customers=len(risks),
                    at_risk=threshold('churn_risk_at_risk', company_id),
                    detail=detail),
                Decimal(len(at_risk)), action='owner',
                records_model='telco.dashboard.churn_risk',
                records_domain=[
                    ('company', '=', company_id),
                    ('at_risk', '=', True),
                    ])]

    # --- computing -----------------------------------------------------

    @classmethod
    def compute(cls, companies, date=None):
        """Compute the recommendations of the companies at the date: the
        open ones are replaced, the others kept; an advice already done or
        dismissed is not given again"""
        pool = Pool()
        Date = pool.get('ir.date')
        date = date or Date.today()
        now = dt.datetime.now()
        encoder = PYSONEncoder()
        vlist = []
        with without_check_access():
            cls.delete(cls.search([
                        ('company', 'in', [c.id for c in companies]),
                        ('state', '=', 'open'),
                        ]))
            for company in companies:
                closed = {
                    (r.rule, r.title) for r in cls.search([
                            ('company', '=', company.id),
                            ('state', '!=', 'open'),
                            ])}
                for strategy in cls.strategies():
                    for advice in strategy(company.id, date):
                        rule = f'{advice.module}.{advice.rule}'
                        if (rule, advice.title) in closed:
                            continue
                        values = dict(advice.values)
                        if 'records_domain' in values:
                            values['records_domain'] = encoder.encode(
                                values['records_domain'])
                        values.update(
                            company=company.id, strategy=advice.strategy,
                            rule=rule, title=advice.title,
                            figures=advice.figures, score=advice.score,
                            computed_at=now)
                        vlist.append(values)
            return cls.create(vlist)

    @classmethod
    def compute_cron(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Feature = pool.get('telco.feature')
        today = pool.get('ir.date').today()
        companies = [
            c for c in Company.search([])
            if 'dashboard' in Feature.running_codes(c.id, today)]
        cls.compute(companies, today)

    # --- the actions ---------------------------------------------------

    @classmethod
    @ModelView.button_action('telco_dashboard.wizard_recommendation_open')
    def open_records(cls, recommendations):
        pass

    @classmethod
    @ModelView.button_action('telco_dashboard.wizard_recommendation_assign')
    def assign(cls, recommendations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('dismissed')
    def dismiss(cls, recommendations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, recommendations):
        pass

    @classmethod
    @Workflow.transition('done')
    def do(cls, recommendations, **values):
        "Mark the recommendations done with what their action set"
        if values:
            cls.write(recommendations, values)


class RecommendationOpen(Wizard):
    "Open the Records behind a Recommendation"
    __name__ = 'telco.dashboard.recommendation.open'
    start_state = 'open_'
    open_ = StateAction('telco_dashboard.act_recommendation_records')

    def do_open_(self, action):
        pool = Pool()
        Model = pool.get('ir.model')
        record = self.record
        if not record.records_model:
            raise RecommendationError(gettext(
                    'telco_dashboard.msg_recommendation_no_records',
                    recommendation=record.title))
        model, = Model.search([('name', '=', record.records_model)])
        action['res_model'] = record.records_model
        action['pyson_domain'] = record.records_domain
        action['name'] = f'{model.string} ({record.title})'
        return action, {}


class RecommendationAssignStart(ModelView):
    "Assign a Recommendation"
    __name__ = 'telco.dashboard.recommendation.assign.start'
    __string__ = "Assign a Recommendation"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    owner = fields.Many2One(
        'res.user', "Owner", required=True,
        domain=[('companies', '=', Eval('company', -1))],
        help="The member of the staff who acts on the recommendation; he "
        "is notified with its figures.")


class RecommendationAssign(Wizard):
    "Assign a Recommendation"
    __name__ = 'telco.dashboard.recommendation.assign'
    start = StateView(
        'telco.dashboard.recommendation.assign.start',
        'telco_dashboard.recommendation_assign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Assign", 'assign', 'tryton-ok', default=True),
            ])
    assign = StateTransition()

    def default_start(self, fields):
        return {'company': self.record.company.id}

    def transition_assign(self):
        pool = Pool()
        Recommendation = pool.get('telco.dashboard.recommendation')
        Notification = pool.get('telco.notification')
        User = pool.get('res.user')
        record = self.record
        owner = self.start.owner
        # the form's owner is checked again: one of the operator's staff
        if record.company.id not in User._granted_companies(owner.id):
            raise RecommendationError(gettext(
                    'telco_dashboard.msg_recommendation_owner_company',
                    owner=owner.rec_name))
        if record.state != 'open':
            raise RecommendationError(gettext(
                    'telco_dashboard.msg_recommendation_not_open',
                    recommendation=record.title))
        with without_check_access():
            Recommendation.do([record], owner=owner.id)
        Notification.notify(
            [owner], record.title,
            '\n\n'.join(filter(None, [record.figures, record.method])),
            resource=record, company=record.company)
        return 'end'


class ChurnRisk(OperatorMixin, ModelSQL, ModelView):
    "Churn Risk"
    __name__ = 'telco.dashboard.churn_risk'
    __string__ = "Churn Risk"

    party = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    score = fields.Integer(
        "Score", readonly=True,
        help="The sum of the weights of the customer's signals, at most "
        "100.")
    at_risk = fields.Boolean(
        "At Risk", readonly=True,
        help="The score reaches the operator's at-risk score.")
    signal_codes = fields.Char("Signal Codes", readonly=True)
    signals_string = fields.Function(
        fields.Char("Signals"), 'get_signals_string')
    computed_at = fields.Timestamp("Computed at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t,
                (t.company, Index.Range(cardinality='low')),
                (t.score, Index.Range())))
        cls._order = [('score', 'DESC'), ('id', 'ASC')]

    @classmethod
    def signals(cls):
        "The signs that a customer may leave: modules add theirs"
        return [
            Signal('suspended', 'telco_dashboard.msg_signal_suspended', 40,
                cls._signal_suspended),
            ]

    @classmethod
    def signal_names(cls):
        return {s.code: gettext(s.name) for s in cls.signals()}

    @classmethod
    def _signal_suspended(cls, company_id, date):
        party = Pool().get('party.party').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.select(party.id,
                where=(party.company == company_id)
                & (party.customer_state == 'suspended')))
        return {i for i, in cursor}

    def get_signals_string(self, name):
        names = self.signal_names()
        return ', '.join(
            names.get(c, c)
            for c in (self.signal_codes or '').split(',') if c)

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def compute(cls, company_id, date):
        "Replace the scores of the operator's customers at the date"
        signals = cls.signals()
        weights = {s.code: s.weight for s in signals}
        found = defaultdict(list)
        for signal in signals:
            for party in signal.parties(company_id, date):
                found[party].append(signal.code)
        now = dt.datetime.now()
        at_risk = threshold('churn_risk_at_risk', company_id)
        scores = {
            p: min(100, sum(weights[c] for c in codes))
            for p, codes in found.items()}
        with without_check_access():
            cls.delete(cls.search([('company', '=', company_id)]))
            return cls.create([{
                        'company': company_id,
                        'party': party,
                        'score': scores[party],
                        'at_risk': scores[party] >= at_risk,
                        'signal_codes': ','.join(sorted(codes)),
                        'computed_at': now,
                        } for party, codes in found.items()])


class RecommendationComputeStart(ModelView):
    "Compute Recommendations"
    __name__ = 'telco.dashboard.recommendation.compute.start'
    __string__ = "Compute Recommendations"

    date = fields.Date(
        "Date", required=True,
        help="The day the operator's data is read at.")

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class RecommendationCompute(Wizard):
    "Compute Recommendations"
    __name__ = 'telco.dashboard.recommendation.compute'
    start = StateView(
        'telco.dashboard.recommendation.compute.start',
        'telco_dashboard.recommendation_compute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateAction('telco_dashboard.act_recommendation')

    def do_compute(self, action):
        pool = Pool()
        Company = pool.get('company.company')
        Recommendation = pool.get('telco.dashboard.recommendation')
        company_id = Transaction().context.get('company')
        if not company_id:
            raise RecommendationError(
                gettext('telco_dashboard.msg_figure_no_company'))
        Recommendation.compute([Company(company_id)], self.start.date)
        return action, {}
