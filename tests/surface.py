# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The surface the server exposes, walked as an attacker of one operator.

The list of what is called is derived from the server: every method of
every model's __rpc__, every state of every wizard, every REST verb and
action, the CSV route, the user preferences.  Each call is made over the
real HTTP entry points (werkzeug's test client on trytond's WSGI
application) with the *other* operator's ids, with values pointing to the
other operator's records and with forged contexts.  A call passes when it
is refused, or when its answer carries none of the other operator's
markers; and the other operator's rows must be as they were."""
import base64
import inspect
import json
from collections import Counter, defaultdict

from trytond.model import ModelSQL, ModelStorage, ModelView
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.tests.test_tryton import DB_NAME
from trytond.tools import is_instance_method
from trytond.transaction import Transaction
from trytond.wizard import StateView

# RPC methods that take no record and return no data of the operators
NO_RECORD = {'fields_get', 'fields_view_get', 'view_toolbar_get'}


def markers(fixtures, code):
    """The strings that only the operator's records hold: every Char value
    of its fixtures that carries its code, its line number, its e-mails"""
    found = set()
    with Transaction().set_context(active_test=False):
        for record in fixtures.values():
            Model = record.__class__
            names = [
                n for n, f in Model._fields.items()
                if f._type in {'char', 'text'} and not getattr(
                    f, 'translate', False)
                and not hasattr(f, 'get_target')]
            if not names or not issubclass(Model, ModelStorage):
                continue
            try:
                values, = Model.read([record.id], names)
            except Exception:
                continue
            for value in values.values():
                if isinstance(value, str) and code in value and len(value) > 4:
                    found.add(value)
    return found


def fingerprint(fixtures):
    "One digest per stored row of the fixtures"
    cursor = Transaction().connection.cursor()
    digests = {}
    for name, record in sorted(fixtures.items()):
        Model = record.__class__
        if (not issubclass(Model, ModelSQL)
                or callable(getattr(Model, 'table_query', None))):
            continue
        table = Model._table
        cursor.execute(
            f'SELECT md5(CAST(t AS text)) FROM "{table}" AS t '
            'WHERE t.id = %s', (record.id,))
        row = cursor.fetchone()
        digests[name] = row[0] if row else None
    return digests


class Session:
    "A staff user logged in over JSON-RPC"

    def __init__(self, client, database, login, password):
        self.client = client
        self.database = database
        self.login = login
        result = self.call('common.db.login', [
                login, {'password': password}, 'en'], auth=False)
        self.user_id, self.key = result['result'][:2]
        self.calls = Counter()

    @property
    def headers(self):
        token = base64.b64encode(
            f'{self.login}:{self.user_id}:{self.key}'.encode()).decode()
        return {'Authorization': f'Session {token}'}

    def call(self, method, params, auth=True):
        response = self.client.post(
            f'/{self.database}/rpc/',
            headers=self.headers if auth else {},
            data=json.dumps(
                {'id': 1, 'method': method, 'params': params},
                cls=JSONEncoder),
            content_type='application/json')
        if auth:
            self.calls['jsonrpc'] += 1
        text = response.get_data(as_text=True)
        if response.status_code != 200:
            return {'error': response.status_code, 'text': text}
        answer = json.loads(text, object_hook=JSONDecoder())
        answer['text'] = text
        return answer


def target_name(field):
    """The target model of a relation field, read without a transaction
    (the crawler calls the server between its own transactions)"""
    pool = Pool(DB_NAME)
    if field._type in {'many2many', 'one2one'}:
        Relation = pool.get(field.relation_name)
        if not field.target:
            return Relation.__name__
        return target_name(Relation._fields[field.target])
    return getattr(field, 'model_name', None)


def relation_fields(Model, targets):
    "Relation fields of the model whose target has fixtures"
    for fname, field in Model._fields.items():
        if field._type in {'many2one', 'one2one', 'one2many', 'many2many'}:
            target = target_name(field)
            if target in targets:
                yield fname, field, target
        elif field._type == 'reference':
            yield fname, field, None


def forged_values(Model, other, base=None):
    """Values of a record of the model whose relations point to the other
    operator's records"""
    values = dict(base or {})
    for fname, field, target in relation_fields(Model, other):
        if target is None:
            # a reference: to the other operator's customer
            values[fname] = str(other['party.party'])
        elif field._type in {'one2many', 'many2many'}:
            values[fname] = [other[target].id]
        else:
            values[fname] = other[target].id
    return values


def rpc_calls(Model, method, rpc, own, other):
    """Yield (label, params) of the calls of a method with the other
    operator's records, params without the context"""
    name = Model.__name__
    other_id = other[name].id if name in other else None
    own_id = own[name].id if name in own else None
    fields_ = [
        n for n, f in Model._fields.items()
        if not n.startswith('_') and f._type != 'binary']
    # the row's own columns, which read no other table
    columns = [
        n for n in fields_
        if not hasattr(Model._fields[n], 'get_target')
        and Model._fields[n]._type != 'reference'
        and not hasattr(Model._fields[n], 'getter')]
    dotted = fields_ + [
        f'{n}.rec_name' for n, f, t in relation_fields(Model, other)
        if t is not None and Model._fields[n]._type in {
            'many2one', 'one2one'}]
    if method == 'search':
        yield 'id', [[('id', '=', other_id)], 0, None, None]
        yield 'all', [[], 0, 1000, None]
    elif method == 'search_count':
        yield 'id', [[('id', '=', other_id)], 0, None]
    elif method == 'search_read':
        yield 'id', [[('id', '=', other_id)], 0, None, None, dotted]
    elif method == 'read':
        yield 'columns', [[other_id], columns]
        yield 'ids', [[other_id], fields_]
        yield 'ids dotted', [[other_id], dotted]
        if own_id is not None:
            # dotted paths from one's own record
            yield 'dotted', [[own_id], dotted]
    elif method == 'write':
        yield 'ids', [[other_id], {}]
        if own_id is not None:
            yield 'values', [[own_id], forged_values(Model, other)]
    elif method == 'create':
        yield 'values', [[forged_values(Model, other)]]
    elif method == 'delete':
        yield 'ids', [[other_id]]
    elif method == 'copy':
        default = {}
        if 'company' in Model._fields and own.get('company.company'):
            default['company'] = own['company.company'].id
        yield 'ids', [[other_id], default]
    elif method == 'export_data':
        yield 'columns', [[other_id], columns]
        yield 'ids', [[other_id], fields_]
        yield 'ids dotted', [[other_id], [d.replace('.', '/') for d in dotted]]
    elif method == 'export_data_domain':
        yield 'id', [[('id', '=', other_id)],
            [d.replace('.', '/') for d in dotted]]
    elif method == 'import_data':
        yield 'id', [['id'], [[str(other_id)]]]
    elif method == 'resources':
        yield 'ids', [[other_id]]
    elif method == 'history_revisions':
        if getattr(Model, '_history', False):
            yield 'ids', [[other_id]]
    elif (name, method) == ('ir.email', 'complete'):
        for marker in sorted(other.get('_markers', []))[:3]:
            yield 'text', [marker, 10]
    elif (name, method) == ('ir.email', 'send'):
        attachment = other.get('ir.attachment')
        yield 'attachments', [
            'attacker@example.com', '', '', "Subject", "Body", None,
            ['party.party', own['party.party'].id], None,
            [attachment.id] if attachment else None]
        yield 'record', [
            'attacker@example.com', '', '', "Subject", "Body", None,
            ['party.party', other['party.party'].id], None, None]
    elif method == 'autocomplete':
        for marker in sorted(other.get('_markers', []))[:3]:
            yield 'text', [marker, [], 10, None]
    elif method == 'default_get':
        yield 'fields', [fields_]
    elif method in {'fields_view_get'}:
        yield 'form', [None, 'form']
    elif method in {'fields_get', 'view_toolbar_get'}:
        yield 'plain', [] if method == 'view_toolbar_get' else [None]
    elif method.startswith('on_change') or method in {
            'pre_validate', 'on_scan_code'}:
        # the client sends every field the method depends on
        depends = {
            d for d in getattr(getattr(Model, method, None), 'depends', ())
            if '.' not in d and d in Model._fields}
        empty = dict.fromkeys(sorted(depends))
        variants = [('id', {'id': other_id})]
        if own_id is not None:
            variants.append(
                ('values', forged_values(Model, other, {'id': own_id})))
        variants.append(
            ('new', forged_values(Model, other, {**empty, 'id': -1})))
        for label, values in variants:
            if method in {'on_change', 'on_change_with'}:
                prefix = method + '_'
                names = [
                    n for n in Model._fields
                    if hasattr(Model, prefix + n)]
                yield label, [values, names]
            elif method == 'on_scan_code':
                # only models that read scanned codes have depends for it
                if getattr(Model, '_on_scan_code_depends', None):
                    yield label, [values, 'CODE']
            else:
                yield label, [values]
    elif rpc.instantiate == 0 or method in getattr(Model, '_buttons', {}):
        yield 'ids', [[other_id]]
    elif isinstance(rpc.instantiate, slice):
        yield 'ids', [[other_id], {}]
    else:
        yield 'generic', []


def wizard_states(Wizard):
    "Views of the wizard and the states their buttons lead to"
    for state_name, state in Wizard.states.items():
        if isinstance(state, StateView):
            targets = [
                b.state for b in state.buttons
                if b.state not in {Wizard.end_state}
                and b.state in Wizard.states]
            yield state_name, state, targets


def rest_params(Model, method):
    "Keyword arguments for a REST action without id, when it takes records"
    func = getattr(Model, method, None)
    if func is None or is_instance_method(Model, method):
        return None
    try:
        parameters = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return None
    return parameters[0] if parameters else None


def models_with_fixtures(names, fixtures):
    "Crawled models: those of the pool with a fixture for both operators"
    pool = Pool()
    for name in sorted(names):
        Model = pool.get(name)
        if name in fixtures and issubclass(Model, ModelView):
            yield name, Model


def surface_counts(methods):
    counts = defaultdict(int)
    for model, _method in methods:
        counts[model] += 1
    return counts
