# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction


def same_operator(field, path='company', company='company', values=False):
    """Restrict a relation field to the records of the record's operator.

    Tryton validates the domain of a relation field whatever the user may
    read: without a domain on the operator, a client could link a record of
    another operator by its id.  With ``values``, the record is a company
    value of Tryton's multi-values, whose row without company is the
    default for all: only the rows of an operator are restricted."""
    clause = (path, '=', Eval(company, -1))
    if values:
        clause = If(Bool(Eval(company)), clause, ())
    field.domain = [field.domain or [], clause]
    if company.startswith('_parent_'):
        company = company[len('_parent_'):].split('.')[0]
    field.depends = (field.depends or set()) | {company}


class OperatorMixin:
    """Records that belong to one operator.

    The operator field and its default, the user's current operator.  The
    model's global record rule on the operator is declared in XML beside it
    (``rule_group_<model>_companies``), and its relation fields to other
    operator-owned records are restricted with ``same_operator``.  A model
    changes the field's attributes (states, readonly) in ``__setup__``:
    Tryton builds a field from its first definition in the class
    hierarchy, so a second ``company = fields.Many2One(...)`` is ignored."""
    __slots__ = ()

    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE')

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


def state_history(record_model, record_field, record_string, states,
        datetime=True):
    """Return the mixin of the model that keeps the changes of state of the
    records of a Workflow model: from, to, when and by whom.

    record_field is the name of the Many2One to the record; datetime tells
    whether the change is dated with its time."""
    class StateHistoryMixin:
        __slots__ = ()
        from_state = fields.Selection(
            states, "From", readonly=True, sort=False)
        to_state = fields.Selection(states, "To", readonly=True, sort=False)
        date = (fields.DateTime if datetime else fields.Date)(
            "Date", readonly=True)
        user = fields.Many2One('res.user', "User", readonly=True)

        @classmethod
        def __setup__(cls):
            super().__setup__()
            cls.__access__.add(record_field)
            cls._order = [('date', 'DESC'), ('id', 'DESC')]

        @classmethod
        def log_change(cls, records, state):
            "Keep the change of the records to the state"
            if datetime:
                date = dt.datetime.now()
            else:
                date = Pool().get('ir.date').today()
            changed = [r for r in records
                if getattr(r, r._transition_state) != state]
            cls.create([{
                        record_field: r.id,
                        'from_state': getattr(r, r._transition_state),
                        'to_state': state,
                        'date': date,
                        'user': Transaction().user,
                        } for r in changed])

    setattr(StateHistoryMixin, record_field, fields.Many2One(
            record_model, record_string, required=True, ondelete='CASCADE'))
    return StateHistoryMixin


class CodeNameMixin:
    "Records named '[code] name', found by either"
    __slots__ = ()

    def get_rec_name(self, name):
        return f'[{self.code}] {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('code', operator, value),
            ('name', operator, value),
            ]


class ButtonFieldsMixin:
    """Refuse that users write the fields that only buttons change.

    Tryton does not enforce readonly on the server: a client may write a
    state, a decision or its author directly and skip what the button does
    (history, cascades, who and when).  _button_fields maps each field to
    the value it must have at creation; the state field of a Workflow is
    always one of them, with its default as value.

    The calls of the clients (RPC with access checks) are refused; the
    buttons, the transitions they run and the server's own code write
    without access checks (external is false) and pass."""
    __slots__ = ()
    _button_fields = {}

    @classmethod
    def button_fields(cls):
        "Return the fields only buttons change with their value at creation"
        result = dict(cls._button_fields)
        if issubclass(cls, Workflow):
            state = cls._transition_state
            if state not in result:
                default = cls._defaults.get(state)
                result[state] = default() if default else None
        return result

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external:
            return
        if mode == 'write' and values:
            names = set(cls.button_fields()) & set(values)
        elif mode == 'create':
            names = {
                n for n, default in cls.button_fields().items()
                for r in records if getattr(r, n) != default}
        else:
            names = set()
        if names:
            name = sorted(names)[0]
            raise AccessError(gettext(
                    'telco_base.msg_field_by_button',
                    field=getattr(cls, name).string,
                    model=cls.__names__()['model']))
