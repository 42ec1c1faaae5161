# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Workflow
from trytond.model.exceptions import AccessError
from trytond.pyson import Eval


def same_operator(field, path='company', company='company'):
    """Restrict a relation field to the records of the record's operator.

    Tryton validates the domain of a relation field whatever the user may
    read: without a domain on the operator, a client could link a record of
    another operator by its id."""
    field.domain = [field.domain or [], (path, '=', Eval(company, -1))]
    if company.startswith('_parent_'):
        company = company[len('_parent_'):].split('.')[0]
    field.depends = (field.depends or set()) | {company}


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
