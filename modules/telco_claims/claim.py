# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import heapq
from collections import Counter

from sql import Union

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.telco_base import phone
from trytond.modules.telco_base.input import MAX_AMOUNT
from trytond.modules.telco_line.line import LINE_KINDS
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, same_operator, state_history)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import similarity
from .configuration import BRANCHES, PRIORITIES
from .exceptions import ClaimError, ClaimValidationError

CHANNELS = [
    ('shop', "Shop"),
    ('call_centre', "Call Centre"),
    ('ivr', "IVR"),
    ('portal', "Portal"),
    ('email', "E-mail"),
    ('social', "Social Network"),
    ]
STATES = [
    ('draft', "Draft"),
    ('open', "Open"),
    ('in_progress', "In Progress"),
    ('resolved', "Resolved"),
    ('closed', "Closed without Solution"),
    ('cancelled', "Cancelled"),
    ]
RUNNING = ['open', 'in_progress']
# the claims whose resolution is final, the first to reuse
SOLVED = {'resolved', 'closed'}
# the most recent claims read of each text key, and the candidates that
# share the most keys with the claim ranked by their text
SIMILAR_PER_KEY = 400
SIMILAR_CANDIDATES = 700
SIMILAR_SAME_LINE = 200


class Claim(OperatorMixin, ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    "Customer claim"
    __name__ = 'telco.claim'
    __string__ = "Claim"
    _rec_name = 'number'
    _button_fields = {
        'state': 'draft',
        'warned': False,
        'breached': False,
        'resolved_at': None,
        'resolved_by': None,
        'closed_at': None,
        'credit_state': None,
        'reused_from': None,
        }
    # set by the code at creation, never by the users
    _computed_fields = {
        'number', 'opened_at', 'due_date', 'warning_date', 'keywords'}

    _states = {
        'readonly': ~Eval('state').in_(['draft', 'open', 'in_progress']),
        }

    number = fields.Char("Number", readonly=True)
    party = fields.Many2One(
        'party.party', "Customer", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'},
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The customer or prospect; leave empty for an unidentified "
        "caller.")
    caller_phone = fields.Char(
        "Caller Phone",
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The number the claim came from when the caller is unknown.")
    line = fields.Many2One(
        'telco.line', "Line", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Bool(Eval('party')),
                ['OR',
                    ('customer', '=', Eval('party', -1)),
                    ('user', '=', Eval('party', -1)),
                    ],
                []),
            ],
        states=_states)
    line_kind = fields.Function(
        fields.Selection([(None, '')] + LINE_KINDS, "Line Kind"),
        'on_change_with_line_kind')
    branch = fields.Selection(
        BRANCHES, "Branch", required=True, sort=False, states=_states)
    type = fields.Many2One(
        'telco.claim.type', "Type", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('branch', '=', Eval('branch')),
            ],
        states=_states)
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, sort=False,
        states={'readonly': Eval('state') != 'draft'})
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, sort=False, states=_states)
    subject = fields.Char("Subject", required=True, states=_states)
    description = fields.Text("Description", states=_states)
    team = fields.Many2One(
        'telco.claim.team', "Team", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_states)
    agent = fields.Many2One(
        'res.user', "Agent", ondelete='RESTRICT',
        domain=[
            ('companies', '=', Eval('company', -1)),
            If(Bool(Eval('team')),
                ('claim_teams', '=', Eval('team', -1)),
                ()),
            ],
        states=_states)

    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    history = fields.One2Many(
        'telco.claim.history', 'claim', "History", readonly=True)
    opened_at = fields.DateTime("Opened at", readonly=True)
    due_date = fields.DateTime(
        "Due Date", readonly=True,
        help="Computed from the service level of the branch and priority "
        "in the operator's business hours.")
    warning_date = fields.DateTime("Warning Date", readonly=True)
    warned = fields.Boolean("Warned", readonly=True)
    breached = fields.Boolean(
        "Breached", readonly=True,
        help="The claim was not resolved by its due date.")
    resolution = fields.Text(
        "Resolution",
        states={
            'readonly': ~Eval('state').in_(RUNNING),
            },
        help="What was done; required to resolve or close the claim.")
    credit_amount = fields.Numeric(
        "Amount to Credit", digits=(16, Eval('currency_digits', 3)),
        domain=['OR',
            ('credit_amount', '=', None),
            [('credit_amount', '>=', 0),
                ('credit_amount', '<=', MAX_AMOUNT)],
            ],
        states={
            'invisible': Eval('branch') != 'financial',
            'readonly': ~Eval('state').in_(RUNNING),
            },
        help="Credited to the customer by billing.")
    currency_digits = fields.Function(
        fields.Integer("Currency Digits"), 'get_currency_digits')
    credit_state = fields.Selection([
            (None, ''),
            ('to_credit', "To Credit"),
            ('credited', "Credited"),
            ], "Credit State", readonly=True,
        states={'invisible': Eval('branch') != 'financial'})
    resolved_at = fields.DateTime("Resolved at", readonly=True)
    resolved_by = fields.Many2One('res.user', "Resolved by", readonly=True)
    closed_at = fields.DateTime("Closed at", readonly=True)
    reused_from = fields.Many2One(
        'telco.claim', "Resolution Reused from", readonly=True,
        ondelete='SET NULL',
        domain=[('company', '=', Eval('company', -1))])
    similar_claims = fields.Function(
        fields.Many2Many(
            'telco.claim', None, None, "Similar Claims", readonly=True,
            help="The most similar earlier claims of the operator: those "
            "resolved first, then by text, branch, type, line and kind of "
            "line."),
        'get_similar_claims')
    keywords = fields.Text("Keywords", readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {'readonly': Eval('state') != 'draft'}
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(t, (t.subject, Index.Similarity())),
                Index(t, (t.company, Index.Range()), (t.id, Index.Range())),
                Index(t, (t.line, Index.Range())),
                Index(t, (t.party, Index.Range())),
                Index(t,
                    (t.state, Index.Equality(cardinality='low')),
                    (t.due_date, Index.Range()),
                    where=t.state.in_(RUNNING)),
                })
        cls._order = [('opened_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'open'),
            ('open', 'in_progress'),
            ('open', 'resolved'),
            ('in_progress', 'resolved'),
            ('open', 'closed'),
            ('in_progress', 'closed'),
            ('draft', 'cancelled'),
            ('open', 'cancelled'),
            ('in_progress', 'cancelled'),
            ('resolved', 'in_progress'),
            }
        cls._buttons.update({
                'open': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'start': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'resolve': {
                    'invisible': ~Eval('state').in_(RUNNING),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': ~Eval('state').in_(RUNNING),
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft'] + RUNNING),
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'resolved',
                    'depends': ['state'],
                    },
                'reuse_resolution': {
                    'invisible': ~Eval('state').in_(RUNNING),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        # breached claims in red, those about to breach in orange
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('breached', False), 'danger',
                    If(Eval('warned', False), 'warning', ''))),
            ]

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_branch(cls):
        return 'technical'

    @classmethod
    def default_channel(cls):
        return 'call_centre'

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_warned(cls):
        return False

    @classmethod
    def default_breached(cls):
        return False

    @fields.depends('line')
    def on_change_with_line_kind(self, name=None):
        if self.line:
            return self.line.kind

    @fields.depends('party', 'line')
    def on_change_party(self):
        if self.line and self.party and self.party not in {
                self.line.customer, self.line.user}:
            self.line = None

    @fields.depends('line', 'party', '_parent_line.customer')
    def on_change_line(self):
        if self.line and not self.party:
            self.party = self.line.customer

    @fields.depends('branch', 'type')
    def on_change_branch(self):
        if self.type and self.type.branch != self.branch:
            self.type = None

    def get_currency_digits(self, name):
        return self.company.currency.digits

    def get_rec_name(self, name):
        return f'{self.number} {self.subject}' if self.number else (
            self.subject)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('subject', operator, operand, *extra),
            ]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Company = pool.get('company.company')
        values = super().preprocess_values(mode, values)
        if values.get('caller_phone'):
            company_id = values.get('company') or (
                Transaction().context.get('company'))
            number = phone.to_e164(
                values['caller_phone'], Company.phone_region(company_id))
            if number is None:
                raise ClaimValidationError(gettext(
                        'telco_claims.msg_claim_invalid_phone',
                        phone=values['caller_phone']))
            values['caller_phone'] = number
        if mode == 'create':
            company_id = values.get('company') or (
                Transaction().context.get('company'))
            values['number'] = Company.next_claim_number(company_id)
            values['opened_at'] = dt.datetime.now()
            values.update(cls._service_level_dates(
                    company_id,
                    values.get('branch') or cls.default_branch(),
                    values.get('priority') or cls.default_priority(),
                    values['opened_at']))
        return values

    @classmethod
    def _service_level_dates(cls, company_id, branch, priority, start):
        pool = Pool()
        ServiceLevel = pool.get('telco.claim.service_level')
        Company = pool.get('company.company')
        level = ServiceLevel.find(company_id, branch, priority)
        if not level:
            return {'due_date': None, 'warning_date': None}
        return {
            'due_date': Company.add_business_hours(
                company_id, start, level.resolution_hours),
            'warning_date': Company.add_business_hours(
                company_id, start,
                level.resolution_hours - level.warning_hours),
            }

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external and mode == 'write':
            names = cls._computed_fields & set(values or {})
            if names:
                raise AccessError(gettext(
                        'telco_base.msg_field_by_button',
                        field=getattr(cls, sorted(names)[0]).string,
                        model=cls.__names__()['model']))
        if mode == 'delete':
            for claim in records:
                if claim.state not in {'draft', 'cancelled'}:
                    raise AccessError(gettext(
                            'telco_claims.msg_claim_delete_running',
                            claim=claim.rec_name))

    @classmethod
    def on_modification(cls, mode, claims, field_names=None):
        super().on_modification(mode, claims, field_names=field_names)
        if mode == 'delete':
            return
        if mode == 'create' or {'subject', 'description'} & field_names:
            cls._index_text(claims)
        if mode == 'write' and {'branch', 'priority'} & field_names:
            running = [c for c in claims if c.state in ['draft'] + RUNNING]
            for claim in running:
                dates = cls._service_level_dates(
                    claim.company.id, claim.branch, claim.priority,
                    claim.opened_at)
                with without_check_access():
                    cls.write([claim], dates)

    @classmethod
    def create(cls, vlist):
        claims = super().create(vlist)
        cls._notify_assigned([c for c in claims if c.agent])
        return claims

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        assigned = []
        for claims, values in zip(actions, actions):
            if values.get('agent'):
                assigned.extend(c for c in claims
                    if not c.agent or c.agent.id != values['agent'])
        super().write(*args)
        if assigned:
            cls._notify_assigned(cls.browse(assigned))

    @classmethod
    def validate_fields(cls, claims, field_names):
        super().validate_fields(claims, field_names)
        if field_names is None or {'party', 'caller_phone'} & field_names:
            cls.check_caller(claims)
        # the line's operator is the claim's by the domain of the field
        for claim in claims:
            if (claim.credit_amount and claim.branch != 'financial'):
                raise ClaimValidationError(gettext(
                        'telco_claims.msg_claim_credit_financial',
                        claim=claim.rec_name))

    @classmethod
    def check_caller(cls, claims):
        "A claim comes from a customer or, when unknown, from a phone"
        for claim in claims:
            if not claim.party and not claim.caller_phone:
                raise ClaimValidationError(gettext(
                        'telco_claims.msg_claim_caller_required'))

    # text index for similar claims

    @classmethod
    def _index_text(cls, claims):
        pool = Pool()
        Band = pool.get('telco.claim.band')
        table = cls.__table__()
        band = Band.__table__()
        cursor = Transaction().connection.cursor()
        in_ = fields.SQL_OPERATORS['in']
        for sub_claims in grouped_slice(
                claims, backend.MAX_QUERY_PARAMS):
            sub_claims = list(sub_claims)
            cursor.execute(*band.delete(
                    where=in_(band.claim, [c.id for c in sub_claims])))
            rows = []
            for claim in sub_claims:
                words = similarity.keywords(claim.subject, claim.description)
                cursor.execute(*table.update(
                        [table.keywords], [' '.join(words)],
                        where=table.id == claim.id))
                rows.extend(
                    [claim.id, claim.company.id, key]
                    for key in similarity.band_keys(words))
            if rows:
                cursor.execute(*band.insert(
                        [band.claim, band.company, band.key], rows))

    def get_similar_claims(self, name):
        return [c.id for c, _ in self.find_similar()]

    def find_similar(self, limit=10, exact=None):
        """Return the most similar earlier claims of the operator with their
        score, best first: the resolved claims, and the closed ones with a
        resolution, whose resolution the agent reuses, before the others,
        then by score.

        On PostgreSQL, the candidates are the claims sharing a text key or
        the line; elsewhere, or when exact is True, every earlier claim is
        ranked."""
        words = similarity.keywords(self.subject, self.description)
        if self.id is None or self.id < 0 or not words:
            return []
        if exact is None:
            exact = backend.name != 'postgresql'
        rows = self._similar_rows(words, exact)
        branch_ = self.branch
        type_id = self.type.id if self.type else None
        line_id = self.line.id if self.line else None
        line_kind = self.line.kind if self.line else None
        words = set(words)
        scored = []
        for (id_, keywords, branch, type_, line, kind, state,
                resolution) in rows:
            value = similarity.score(
                words, (keywords or '').split(),
                same_branch=branch == branch_,
                same_type=bool(type_) and type_ == type_id,
                same_line=bool(line) and line == line_id,
                same_line_kind=bool(kind) and kind == line_kind)
            if value > 0:
                solved = (state in SOLVED) and bool((resolution or '').strip())
                scored.append((solved, value, -id_, id_))
        best = heapq.nlargest(limit, scored)
        return [(self.__class__(id_), value) for _, value, _, id_ in best]

    def _similar_rows(self, words, exact):
        pool = Pool()
        Band = pool.get('telco.claim.band')
        Line = pool.get('telco.line')
        claim = self.__table__()
        band = Band.__table__()
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        where = ((claim.company == self.company.id)
            & (claim.id < self.id)
            & (claim.state != 'cancelled'))
        if not exact:
            # the most recent claims of each key, a bounded work however
            # common the key (index on operator, key, claim); those sharing
            # the most keys are the likeliest similar
            shared = Counter()
            recent = []
            for key in sorted(set(similarity.band_keys(words))):
                of_key = band.select(band.claim,
                    where=(band.company == self.company.id)
                    & (band.key == key)
                    & (band.claim < self.id),
                    order_by=[band.claim.desc], limit=SIMILAR_PER_KEY)
                recent.append(of_key.select(of_key.claim))
            if recent:
                cursor.execute(*Union(*recent, all_=True))
                shared.update(r[0] for r in cursor.fetchall())
            ids = {i for i, _ in heapq.nlargest(
                    SIMILAR_CANDIDATES, shared.items(),
                    key=lambda c: (c[1], c[0]))}
            if self.line:
                cursor.execute(*claim.select(claim.id,
                        where=where & (claim.line == self.line.id),
                        order_by=[claim.id.desc], limit=SIMILAR_SAME_LINE))
                ids.update(i for i, in cursor)
            if not ids:
                return []
            where &= fields.SQL_OPERATORS['in'](claim.id, list(ids))
        cursor.execute(*claim.join(
                line, 'LEFT', condition=claim.line == line.id
                ).select(
                claim.id, claim.keywords, claim.branch, claim.type,
                claim.line, line.kind, claim.state, claim.resolution,
                where=where))
        return cursor.fetchall()

    # workflow

    @classmethod
    def _log_state(cls, claims, state):
        Pool().get('telco.claim.history').log_change(claims, state)

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, claims):
        cls._log_state(claims, 'open')
        cls.email_customer(claims, 'opened')

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def start(cls, claims):
        cls._log_state(claims, 'in_progress')

    @classmethod
    @ModelView.button
    @Workflow.transition('resolved')
    def resolve(cls, claims):
        now = dt.datetime.now()
        for claim in claims:
            if not (claim.resolution or '').strip():
                raise ClaimValidationError(gettext(
                        'telco_claims.msg_claim_resolution_required',
                        claim=claim.rec_name))
        cls._log_state(claims, 'resolved')
        for claim in claims:
            claim.resolved_at = now
            claim.resolved_by = Transaction().user
            claim.closed_at = None
            if claim.due_date and now > claim.due_date:
                claim.breached = True
            if claim.branch == 'financial' and claim.credit_amount:
                claim.credit_state = 'to_credit'
        cls.save(claims)
        cls.email_customer(claims, 'resolved')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, claims):
        "Close without solution: the resolution says why"
        for claim in claims:
            if not (claim.resolution or '').strip():
                raise ClaimValidationError(gettext(
                        'telco_claims.msg_claim_close_reason_required',
                        claim=claim.rec_name))
        cls._log_state(claims, 'closed')
        cls.write(claims, {'closed_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, claims):
        cls._log_state(claims, 'cancelled')
        cls.write(claims, {'closed_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def reopen(cls, claims):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        for claim in claims:
            delay = claim.company.claim_reopen_days or 0
            if (claim.resolved_at.date() + dt.timedelta(days=delay)) < today:
                raise ClaimError(gettext(
                        'telco_claims.msg_claim_reopen_too_late',
                        claim=claim.rec_name, days=delay))
            if claim.credit_state == 'credited':
                raise ClaimError(gettext(
                        'telco_claims.msg_claim_reopen_credited',
                        claim=claim.rec_name))
        cls._log_state(claims, 'in_progress')
        cls.write(claims, {
                'resolved_at': None,
                'resolved_by': None,
                'credit_state': None,
                })

    @classmethod
    @ModelView.button_action('telco_claims.wizard_reuse_resolution')
    def reuse_resolution(cls, claims):
        pass

    # notifications

    @classmethod
    def _notify(cls, users, claim, subject_id, body_id):
        pool = Pool()
        Notification = pool.get('telco.notification')
        for user in users:
            language = user.language.code if user.language else None
            with Transaction().set_context(language=language):
                variables = claim._message_variables()
                Notification.notify(
                    [user], gettext(subject_id, **variables),
                    gettext(body_id, **variables),
                    resource=claim, company=claim.company)

    def _message_variables(self):
        return {
            'number': self.number,
            'subject': self.subject,
            'customer': (
                self.party.rec_name if self.party else self.caller_phone),
            'due': self.due_date.strftime('%Y-%m-%d %H:%M UTC')
            if self.due_date else '-',
            'operator': self.company.rec_name,
            }

    @classmethod
    def _notify_assigned(cls, claims):
        for claim in claims:
            cls._notify(
                [claim.agent], claim,
                'telco_claims.msg_notify_assigned_subject',
                'telco_claims.msg_notify_assigned_body')

    def _supervisors(self):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if self.team and self.team.supervisor:
            return [self.team.supervisor]
        group_id = ModelData.get_id('telco_claims', 'group_claim_supervisor')
        platform_id = ModelData.get_id('telco_base', 'group_platform_admin')
        with without_check_access():
            return [u for u in User.search([
                        ('groups', '=', group_id),
                        ('companies', '=', self.company.id),
                        ])
                if platform_id not in {g.id for g in u.groups}]

    @classmethod
    def check_service_levels(cls):
        "Cron: warn the supervisors before a breach and at the breach"
        now = dt.datetime.now()
        to_warn = cls.search([
                ('state', 'in', RUNNING),
                ('warned', '=', False),
                ('warning_date', '<=', now),
                ('due_date', '>', now),
                ])
        supervisors = {}

        def supervisors_of(claim):
            key = (claim.company.id, claim.team.id if claim.team else None)
            if key not in supervisors:
                supervisors[key] = claim._supervisors()
            return list(supervisors[key])

        for claim in to_warn:
            users = supervisors_of(claim)
            if claim.agent and claim.agent not in users:
                users.append(claim.agent)
            cls._notify(
                users, claim,
                'telco_claims.msg_notify_warning_subject',
                'telco_claims.msg_notify_warning_body')
        cls.write(to_warn, {'warned': True})
        breached = cls.search([
                ('state', 'in', RUNNING),
                ('breached', '=', False),
                ('due_date', '<=', now),
                ])
        for claim in breached:
            cls._notify(
                supervisors_of(claim), claim,
                'telco_claims.msg_notify_breach_subject',
                'telco_claims.msg_notify_breach_body')
        cls.write(breached, {'warned': True, 'breached': True})

    @classmethod
    def email_customer(cls, claims, event):
        """Write to the customers that their claims opened or resolved; the
        e-mails are sent by the queue and retried until they leave"""
        pool = Pool()
        CustomerEmail = pool.get('telco.customer.email')
        messages = []
        for claim in claims:
            party = claim.party
            if not party or not party.email:
                continue
            # a customer without language gets the operator's
            lang = claim.company.customer_language(party)
            language = lang.code if lang else None
            with Transaction().set_context(language=language):
                variables = claim._message_variables()
                subject = gettext(
                    f'telco_claims.msg_email_{event}_subject', **variables)
                body = gettext(
                    f'telco_claims.msg_email_{event}_body', **variables)
            if event == 'resolved':
                body += '\n\n' + claim.resolution
            messages.append({
                    'company': claim.company,
                    'party': party,
                    'subject': subject,
                    'body': body,
                    'resource': claim,
                    })
        with without_check_access():
            CustomerEmail.queue(messages)


class ClaimHistory(
        state_history('telco.claim', 'claim', "Claim", STATES),
        ModelSQL, ModelView):
    "Claim state change"
    __name__ = 'telco.claim.history'
    __string__ = "Claim State Change"


class ClaimBand(ModelSQL):
    "Text key of a claim, to find similar claims"
    __name__ = 'telco.claim.band'
    __string__ = "Claim Text Key"

    claim = fields.Many2One(
        'telco.claim', "Claim", required=True, ondelete='CASCADE')
    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE')
    key = fields.Integer("Key", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.claim)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.company, Index.Range(cardinality='low')),
                    (t.key, Index.Range(cardinality='high')),
                    (t.claim, Index.Range())),
                Index(t, (t.claim, Index.Range())),
                })


class ReuseResolutionStart(ModelView):
    "Reuse the resolution of a similar claim"
    __name__ = 'telco.claim.reuse_resolution.start'
    __string__ = "Reuse Resolution"

    candidates = fields.Many2Many(
        'telco.claim', None, None, "Similar Claims", readonly=True)
    source = fields.Many2One(
        'telco.claim', "Similar Claim", required=True,
        domain=[('id', 'in', Eval('candidates', []))])
    resolution = fields.Text("Resolution", readonly=True)

    @fields.depends('source')
    def on_change_with_resolution(self):
        if self.source:
            return self.source.resolution


class ReuseResolution(Wizard):
    "Reuse the resolution of a similar claim"
    __name__ = 'telco.claim.reuse_resolution'

    start = StateView(
        'telco.claim.reuse_resolution.start',
        'telco_claims.reuse_resolution_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reuse", 'reuse', 'tryton-ok', default=True),
            ])
    reuse = StateTransition()

    def default_start(self, fields):
        candidates = [c.id for c, _ in self.record.find_similar()
            if c.resolution]
        return {
            'candidates': candidates,
            'source': candidates[0] if candidates else None,
            }

    def transition_reuse(self):
        claim = self.record
        # the form comes from the client: only a similar claim may be used
        allowed = {c.id for c, _ in claim.find_similar() if c.resolution}
        if not self.start.source or self.start.source.id not in allowed:
            raise ClaimError(gettext(
                    'telco_claims.msg_claim_reuse_not_similar',
                    claim=claim.rec_name))
        if claim.state not in RUNNING:
            raise ClaimError(gettext(
                    'telco_claims.msg_claim_reuse_not_running',
                    claim=claim.rec_name))
        source = self.start.source
        claim.resolution = source.resolution
        claim.reused_from = source
        if claim.branch == 'financial' and source.credit_amount:
            claim.credit_amount = source.credit_amount
        claim.save()
        return 'end'
