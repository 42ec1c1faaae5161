# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Operator isolation at the depth of what the server exposes.

Tryton applies the record rules to search, read, write and delete.  Every
other method a client may call builds records from the ids or values it is
given and follows their relations as server code does, without rules:
copy, export_data, on_change*, pre_validate, the buttons' instance methods,
the forms of wizards.  The mixins below are applied to every model and
wizard of the pool (tryton.cfg [register_mixin]) and check, before such a
method runs, that each record it was given (and each record its values
point to) passes the caller's read rules, and that the context names only
the caller's own operator and employee."""
from collections import defaultdict
from contextlib import contextmanager

from trytond import backend

from trytond.i18n import gettext
from trytond.model import Model, ModelSQL
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.transaction import Transaction

# methods whose own code checks the rules of the records they receive
SELF_CHECKED = {'read', 'write', 'delete', 'copy', 'export_data'}


def collect_records(record, found=None, _seen=None):
    """Return {model name: ids} of the stored records a client-built record
    holds: itself, its relations and, recursively, the values given for
    them (parents of on_change, lines of a one2many)."""
    if found is None:
        found = defaultdict(set)
    if _seen is None:
        _seen = set()
    if id(record) in _seen:
        return found
    _seen.add(id(record))
    if record.id is not None and record.id >= 0:
        found[record.__name__].add(record.id)
    values = getattr(record, '_values', None)
    if values is not None:
        for _, value in values._items():
            if isinstance(value, Model):
                collect_records(value, found, _seen)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, Model):
                        collect_records(item, found, _seen)
    return found


def collect_values(Model, values, found):
    """Add to found the stored records that the values of a create or a
    write point to: many2one ids, the ids of the actions of one2many and
    many2many fields, references, recursively in the values they create"""
    pool = Pool()
    if not isinstance(values, dict):
        return found
    for name, value in values.items():
        field = Model._fields.get(name)
        if field is None or value is None:
            continue
        if field._type in {'many2one', 'one2one'}:
            if isinstance(value, int) and not isinstance(value, bool):
                if value >= 0:
                    found[field.get_target().__name__].add(value)
        elif field._type == 'reference':
            if isinstance(value, str) and ',' in value:
                target, id_ = value.split(',', 1)
            elif isinstance(value, (list, tuple)) and len(value) == 2:
                target, id_ = value
            else:
                continue
            try:
                id_ = int(id_)
                pool.get(target)
            except (TypeError, ValueError, KeyError):
                continue
            if id_ >= 0:
                found[target].add(id_)
        elif field._type in {'one2many', 'many2many'}:
            Target = field.get_target()
            if not isinstance(value, (list, tuple)):
                continue
            for action in value:
                if not isinstance(action, (list, tuple)) or not action:
                    continue
                operation, *params = action
                if operation == 'create':
                    for child in (params[0] if params else []):
                        collect_values(Target, child, found)
                elif operation in {'add', 'remove', 'delete', 'copy'}:
                    if params and isinstance(params[0], (list, tuple)):
                        found[Target.__name__].update(
                            i for i in params[0]
                            if isinstance(i, int) and i >= 0)
                elif operation == 'write':
                    for ids, child in zip(params[::2], params[1::2]):
                        if isinstance(ids, (list, tuple)):
                            found[Target.__name__].update(
                                i for i in ids
                                if isinstance(i, int) and i >= 0)
                        collect_values(Target, child, found)
    return found


def check_records(found):
    """Raise AccessError unless the user may read every record of found
    by the record rules"""
    pool = Pool()
    Rule = pool.get('ir.rule')
    transaction = Transaction()
    if not transaction.user:
        return
    with transaction.set_context(_check_access=True):
        for model_name, ids in found.items():
            try:
                Target = pool.get(model_name)
            except KeyError:
                continue
            if not issubclass(Target, ModelSQL) or not ids:
                continue
            Rule.check(model_name, sorted(ids), mode='read')


def check_context(context):
    "Refuse a context that names an operator or employee not of the user"
    pool = Pool()
    User = pool.get('res.user')
    transaction = Transaction()
    user_id = transaction.user
    if not user_id or not context:
        return
    company = context.get('company')
    if company is not None:
        if (not isinstance(company, int) or isinstance(company, bool)
                or company not in User._granted_companies(user_id)):
            raise AccessError(gettext('telco_base.msg_context_company'))
    employee = context.get('employee')
    if employee is not None:
        if (not isinstance(employee, int) or isinstance(employee, bool)
                or employee not in User._granted_employees(user_id)):
            raise AccessError(gettext('telco_base.msg_context_employee'))


class GuardedRPC(RPC):
    "RPC that checks the records it builds and the caller's context"
    __slots__ = ('method',)

    @classmethod
    def wrap(cls, rpc, method):
        if isinstance(rpc, cls):
            return rpc
        guarded = cls.__new__(cls)
        for name in RPC.__slots__:
            setattr(guarded, name, getattr(rpc, name))
        guarded.method = method
        return guarded

    def convert(self, obj, *args, **kwargs):
        args, kwargs, context, timestamp = super().convert(
            obj, *args, **kwargs)
        transaction = Transaction()
        if transaction.user:
            with transaction.set_context(context):
                check_context(context)
                if self.method in {'create', 'write'}:
                    # the records the values point to, before their
                    # domains are validated (whose errors name them)
                    found = defaultdict(set)
                    if self.method == 'create':
                        vlists = args[:1]
                    else:
                        vlists = [[v] for v in args[1::2]]
                    for vlist in vlists:
                        for values in (vlist or []):
                            collect_values(obj, values, found)
                    check_records(found)
                elif (self.instantiate is not None
                        and self.method not in SELF_CHECKED):
                    if isinstance(self.instantiate, slice):
                        values = args[self.instantiate]
                    else:
                        values = [args[self.instantiate]]
                    found = defaultdict(set)
                    for value in values:
                        if isinstance(value, Model):
                            value = [value]
                        for record in value:
                            collect_records(record, found)
                    check_records(found)
        return args, kwargs, context, timestamp


@contextmanager
def refused_by_database(Model):
    """Answer the row-level security's refusal of a row written for another
    operator (see rls.py) with a clear message: the statement runs in a
    savepoint so that the message can still be read."""
    transaction = Transaction()
    if (backend.name != 'postgresql' or not transaction.user
            or not issubclass(Model, ModelSQL)):
        yield
        return
    from psycopg.errors import InsufficientPrivilege
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT telco_row_security')
    try:
        yield
    except InsufficientPrivilege as exception:
        if 'row-level security' not in str(exception):
            raise
        cursor.execute('ROLLBACK TO SAVEPOINT telco_row_security')
        raise AccessError(gettext(
                'telco_base.msg_row_other_operator',
                **Model.__names__())) from exception
    else:
        cursor.execute('RELEASE SAVEPOINT telco_row_security')


def _guard_rpc(cls):
    cls.__rpc__ = {
        name: GuardedRPC.wrap(rpc, name)
        for name, rpc in cls.__rpc__.items()}


class ModelIsolationMixin:
    "Applied to every model of the pool by tryton.cfg"
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        # The pool builds the class with the mixin after the set-up of
        # every model: this is the one moment to guard its RPC methods.
        super().__init_subclass__(**kwargs)
        if hasattr(cls, '__rpc__'):
            _guard_rpc(cls)

    @classmethod
    def _check_tree_parents(cls, vlist):
        # The tree of a nested-set parent is updated before the domains are
        # validated: a parent hidden from the user must be refused first.
        found = defaultdict(set)
        for fname, field in cls._fields.items():
            if (field._type != 'many2one'
                    or not (getattr(field, 'left', None)
                        and getattr(field, 'right', None))):
                continue
            for values in vlist:
                value = values.get(fname)
                if isinstance(value, int) and value >= 0:
                    found[field.model_name].add(value)
        check_records(found)

    @classmethod
    def create(cls, vlist):
        cls._check_tree_parents(vlist)
        with refused_by_database(cls):
            return super().create(vlist)

    @classmethod
    def write(cls, *args):
        cls._check_tree_parents(args[1::2])
        with refused_by_database(cls):
            super().write(*args)

    @classmethod
    def copy(cls, records, default=None):
        # copy reads its source without access checks
        if Transaction().check_access:
            check_records({cls.__name__: {
                        int(r) for r in records if int(r) >= 0}})
        return super().copy(records, default=default)

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        if Transaction().check_access:
            check_records({cls.__name__: {
                        int(r) for r in records if int(r) >= 0}})
        return super().export_data(records, fields_names, header=header)


class WizardIsolationMixin:
    "Applied to every wizard of the pool by tryton.cfg"
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if hasattr(cls, '__rpc__'):
            _guard_rpc(cls)

    @classmethod
    def execute(cls, session_id, data, state_name):
        # The forms of the states are built from what the client sends:
        # each record they point to must be one the user may read.
        if Transaction().user:
            pool = Pool()
            found = defaultdict(set)
            for key, values in (data or {}).items():
                state = cls.states.get(key)
                if not isinstance(values, dict) or state is None:
                    continue
                model_name = getattr(state, 'model_name', None)
                if not model_name:
                    continue
                View = pool.get(model_name)
                values = {
                    k: v for k, v in values.items()
                    if k in View._fields and k != 'id'}
                collect_records(View(**values), found)
            check_records(found)
        return super().execute(session_id, data, state_name)
