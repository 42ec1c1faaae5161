# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
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
    the value it must have at creation."""
    __slots__ = ()
    _button_fields = {}

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external:
            return
        if mode == 'write' and values:
            names = set(cls._button_fields) & set(values)
        elif mode == 'create':
            names = {
                n for n, default in cls._button_fields.items()
                for r in records if getattr(r, n) != default}
        else:
            names = set()
        if names:
            name = sorted(names)[0]
            raise AccessError(gettext(
                    'telco_base.msg_field_by_button',
                    field=getattr(cls, name).string,
                    model=cls.__names__()['model']))
