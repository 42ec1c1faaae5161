# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from contextlib import contextmanager
from itertools import chain

from sql.functions import Function
from sql.operators import Equal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Exclude, Index, ModelSQL, ModelView, Workflow,
    fields)
from trytond.model.exceptions import SQLConstraintError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import (
    Transaction, without_check_access)

from trytond.modules.telco_base import phone
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, OperatorMixin, state_history)

from .exceptions import LineValidationError, SimValidationError

LINE_KINDS = [
    ('mobile_prepaid', "Mobile Prepaid"),
    ('mobile_postpaid', "Mobile Postpaid"),
    ('fixed', "Fixed"),
    ('adsl', "ADSL"),
    ('fibre', "Fibre"),
    ('4g_key', "4G Key"),
    ]
LINE_STATES = [
    ('draft', "Draft"),
    ('active', "Active"),
    ('suspended', "Suspended"),
    ('terminated', "Terminated"),
    ]
# the states in which a line holds its number: no other line of the
# operator may hold it at the same time
NUMBER_STATES = ['active', 'suspended']


class Reverse(Function):
    "The characters of a text in reverse order (PostgreSQL)"
    __slots__ = ()
    _function = 'REVERSE'


class PayerAccount(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Payer account: who receives and pays the bills of lines"
    __name__ = 'telco.payer_account'
    __string__ = "Payer Account"

    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'})
    payer = fields.Many2One(
        'party.party', "Payer", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ['OR',
                ('id', '=', Eval('customer', -1)),
                ('parent', '=', Eval('customer', -1)),
                ],
            ],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The customer itself or one of its branches.")
    name = fields.Char("Name", required=True)
    invoice_address = fields.Many2One(
        'party.address', "Invoice Address",
        domain=[('party', '=', Eval('payer', -1))])
    lines = fields.One2Many(
        'telco.line', 'payer_account', "Lines",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('customer', '=', Eval('customer', -1)),
            ])

    @fields.depends('customer', 'payer', 'name', '_parent_customer.name')
    def on_change_customer(self):
        if self.customer and not self.payer:
            self.payer = self.customer
        if self.customer and not self.name:
            self.name = self.customer.name


class Line(OperatorMixin, ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    "Line subscribed to the network"
    __name__ = 'telco.line'
    __string__ = "Line"
    _rec_name = 'number'
    _button_fields = {
        'state': 'draft',
        'activation_date': None,
        'termination_date': None,
        }

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char(
        "Number", required=True, states=_states,
        help="Written in any form, stored in E.164.")
    kind = fields.Selection(
        LINE_KINDS, "Kind", required=True, sort=False, states=_states)
    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'},
        states=_states)
    payer_account = fields.Many2One(
        'telco.payer_account', "Payer Account", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('customer', '=', Eval('customer', -1)),
            ])
    user = fields.Many2One(
        'party.party', "User", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The person who uses the line.")
    sim = fields.Many2One(
        'telco.sim', "SIM", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('state') == 'draft',
                ('state', '=', 'available'),
                ()),
            ],
        states={
            'required': Eval('kind').in_(
                ['mobile_prepaid', 'mobile_postpaid', '4g_key'])
            & (Eval('state') == 'active'),
            'readonly': Eval('state') == 'terminated',
            })
    activation_date = fields.Date("Activation Date", readonly=True)
    termination_date = fields.Date("Termination Date", readonly=True)
    state = fields.Selection(
        LINE_STATES, "State", readonly=True, required=True, sort=False)
    history = fields.One2Many(
        'telco.line.state', 'line', "History", readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {'readonly': Eval('state') != 'draft'}
        cls.number.search_unaccented = False
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Equality(cardinality='high'))),
                Index(t, (t.customer, Index.Range())),
                Index(t, (t.user, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'suspended'])),
                })
        if backend.name == 'postgresql':
            # the end of a number typed in the search box: a prefix of
            # the reversed number (SQLite has no reverse())
            cls._sql_indexes.add(Index(t,
                    (Reverse(t.number), Index.Similarity(begin=True))))
        # the check below gives the nice message; the constraint holds
        # when two transactions activate the same number at the same time
        cls._sql_constraints += [
            ('number_exclude', Exclude(t,
                    (t.company, Equal), (t.number, Equal),
                    where=t.state.in_(NUMBER_STATES)),
                'telco_line.msg_line_number_unique_sql'),
            ]
        cls._order.insert(0, ('number', 'ASC'))
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'suspended'),
            ('suspended', 'active'),
            ('active', 'terminated'),
            ('suspended', 'terminated'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': ~Eval('state').in_(['draft', 'suspended']),
                    'depends': ['state'],
                    },
                'suspend': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'terminate': {
                    'invisible': ~Eval('state').in_(['active', 'suspended']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'mobile_prepaid'

    def _region(self):
        pool = Pool()
        Company = pool.get('company.company')
        if self.company:
            return Company.phone_region(self.company.id)

    @fields.depends('number', 'company')
    def on_change_number(self):
        if self.number:
            self.number = phone.to_e164(self.number, self._region()) or (
                self.number)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Company = pool.get('company.company')
        values = super().preprocess_values(mode, values)
        if values.get('number'):
            company_id = values.get('company') or (
                Transaction().context.get('company'))
            number = phone.to_e164(
                values['number'], Company.phone_region(company_id))
            if number is None:
                raise LineValidationError(gettext(
                        'telco_line.msg_invalid_line_number',
                        number=values['number']))
            values['number'] = number
        return values

    def get_rec_name(self, name):
        region = self._region()
        return phone.to_international(self.number, region)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        if isinstance(value, str) and operator in {'ilike', 'like', '='}:
            pool = Pool()
            Company = pool.get('company.company')
            User = pool.get('res.user')
            number = phone.to_e164(
                value.strip('%'),
                Company.phone_region(User._current_company()))
            if number:
                return [('number', '=', number)]
        return [('number',) + tuple(clause[1:])]

    @classmethod
    def create(cls, vlist):
        with cls._number_unique_error(vlist=vlist):
            return super().create(vlist)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        writes = [(lines, values) for lines, values in zip(actions, actions)
            if {'number', 'state', 'company'} & set(values)]
        with cls._number_unique_error(writes=writes):
            super().write(*args)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names is None or {'number', 'state', 'company'} & field_names:
            cls.check_number_unique(cls._number_holders(lines))

    @classmethod
    def _number_holders(cls, lines, values=None):
        """Return for each line that holds a number, once the values are
        written, its operator and its number"""
        pool = Pool()
        Company = pool.get('company.company')
        values = values or {}
        holders = {}
        for line in lines:
            if values.get('state', line.state) not in NUMBER_STATES:
                continue
            company = values.get('company', line.company)
            company = int(company) if company is not None else None
            number = line.number
            if 'number' in values:
                number = phone.to_e164(
                    values['number'] or '', Company.phone_region(company))
            if number:
                holders[line.id] = (company, number)
        return holders

    @classmethod
    def _number_holders_created(cls, vlist):
        "Return the operator and the number of the lines created holding one"
        pool = Pool()
        Company = pool.get('company.company')
        holders = {}
        for i, values in enumerate(vlist, 1):
            if values.get('state', cls.default_state()) not in NUMBER_STATES:
                continue
            company = values.get('company', cls.default_company())
            number = phone.to_e164(
                values.get('number') or '', Company.phone_region(company))
            if company is not None and number:
                holders[-i] = (int(company), number)
        return holders

    @classmethod
    def check_number_unique(cls, holders):
        """Refuse that two lines of an operator hold the same number

        holders maps the id of each line to the operator and the number it
        is to hold."""
        if not holders:
            return
        others = cls.search([
                ('number', 'in', list({n for _, n in holders.values()})),
                ('state', 'in', NUMBER_STATES),
                ('id', 'not in', list(holders)),
                ])
        seen = set()
        for key in chain(
                holders.values(),
                ((line.company.id, line.number) for line in others)):
            if key in seen:
                raise LineValidationError(gettext(
                        'telco_line.msg_line_number_unique',
                        number=phone.to_international(key[1])))
            seen.add(key)

    @classmethod
    @contextmanager
    def _number_unique_error(cls, vlist=None, writes=None):
        """Give the refusal of the number constraint by the database the
        message of the check, which names the number

        The check of validate_fields comes after the statement, which the
        constraint refuses first; and a session that activates the number at
        the same time is seen by the constraint only."""
        transaction = Transaction()
        if not (vlist or writes) or backend.name != 'postgresql':
            yield
            return
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT telco_line_number')
        try:
            yield
        except SQLConstraintError as exception:
            name = backend.TableHandler.convert_name(
                cls._table + '_number_exclude')
            cause = exception.__cause__
            if getattr(getattr(cause, 'diag', None), 'constraint_name',
                    None) != name:
                raise
            cursor.execute('ROLLBACK TO SAVEPOINT telco_line_number')
            transaction.cache.clear()
            with without_check_access():
                holders = cls._number_holders_created(vlist or [])
                for lines, values in writes or []:
                    holders.update(cls._number_holders(
                            cls.browse(list(map(int, lines))), values))
                # a line of this transaction holds the number
                cls.check_number_unique(holders)
            # or another session committed it after this transaction began
            with transaction.new_transaction(), without_check_access():
                keys = set(holders.values())
                for line in cls.search([
                            ('number', 'in', [n for _, n in keys]),
                            ('state', 'in', NUMBER_STATES),
                            ('id', 'not in', list(holders)),
                            ]):
                    if (line.company.id, line.number) in keys:
                        message = gettext(
                            'telco_line.msg_line_number_unique',
                            number=phone.to_international(line.number))
                        break
                else:
                    raise
            raise LineValidationError(message) from exception
        else:
            cursor.execute('RELEASE SAVEPOINT telco_line_number')

    @classmethod
    def _log_state(cls, lines, state):
        Pool().get('telco.line.state').log_change(lines, state)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, lines):
        "Activate lines: a prospect who gets a line becomes a customer"
        pool = Pool()
        Date = pool.get('ir.date')
        Sim = pool.get('telco.sim')
        Party = pool.get('party.party')
        for line in lines:
            if line.customer.customer_state in {'suspended', 'terminated'}:
                raise LineValidationError(gettext(
                        'telco_line.msg_line_customer_inactive',
                        line=line.rec_name,
                        customer=line.customer.rec_name,
                        state=line.customer.customer_state_string))
        sims = [line.sim for line in lines if line.sim]
        in_use = {}
        for line in cls.search([
                    ('sim', 'in', [s.id for s in sims]),
                    ('state', 'in', ['active', 'suspended']),
                    ]) + lines:
            if line.sim:
                other = in_use.setdefault(line.sim, line)
                if other != line:
                    raise SimValidationError(gettext(
                            'telco_line.msg_sim_in_use',
                            sim=line.sim.rec_name, line=other.rec_name))
        Party.convert(list({
                    line.customer for line in lines
                    if line.customer.customer_state == 'prospect'}))
        for line in lines:
            if line.kind in {'mobile_prepaid', 'mobile_postpaid', '4g_key'} \
                    and not line.sim:
                raise LineValidationError(gettext(
                        'telco_line.msg_line_sim_required',
                        line=line.rec_name))
        cls._log_state(lines, 'active')
        cls.write([line for line in lines if not line.activation_date], {
                'activation_date': Date.today(),
                })
        Sim.write([line.sim for line in lines if line.sim], {
                'state': 'in_use',
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, lines):
        cls._log_state(lines, 'suspended')

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, lines):
        pool = Pool()
        Date = pool.get('ir.date')
        cls._log_state(lines, 'terminated')
        cls.write(lines, {'termination_date': Date.today()})


class LineState(
        state_history('telco.line', 'line', "Line", LINE_STATES),
        ModelSQL, ModelView):
    "Line state change"
    __name__ = 'telco.line.state'
    __string__ = "Line State Change"
