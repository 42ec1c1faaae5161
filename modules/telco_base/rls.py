# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Row-level security: the database as the last wall between operators.

The record rules of Tryton keep each operator's staff on its own records,
but only on the paths that apply them: server code that walks a relation,
computes a Function field or builds a query of its own reads every
operator's rows.  PostgreSQL's row-level security (RLS) adds a wall below
them.  Every table of an operator-owned model (a stored Many2One ``company``
to ``company.company`` guarded by a global company rule) gets a policy that
shows and accepts only the rows of the operators the transaction acts for:

    company = ANY ((SELECT string_to_array(
            current_setting('telco.companies', true), ','))::integer[])

The database user of trytond is a superuser or the owner of the tables and
both bypass RLS.  So when a transaction acts for a user other than root, the
server switches for the transaction (``SET LOCAL``) to the ``telco_operator``
role (NOLOGIN, no superuser, not owner, granted the DML rights on the
schema) and sets ``telco.companies`` to ``res.user.get_companies()``.

Root (user 0) acts for every operator: module updates, the cron (which
trytond runs as root) and the code that switches to root on purpose.  A
non-root transaction that must cross operators says so with
``cross_operator()``.  Nothing else lifts the wall.

Tryton has no extension point where a transaction gets its user, its
context or a new database transaction (after a commit or a rollback to a
savepoint), so the setting is kept in step where every statement passes:
the cursor of the PostgreSQL connections.  Before a statement, the cursor
compares what the transaction acts for (user, context company) with what
was set on its database transaction and sets it again when they differ —
once per transaction in practice.  This is the only patch of the core; it
does nothing on SQLite, in databases where telco_base is not activated or
where the policies are not installed, and when the ``[telco]
row_level_security`` option is false.
"""
import logging
from contextlib import contextmanager

from sql import Literal

from trytond import backend, config
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction

try:
    import psycopg
    from psycopg import sql
    from psycopg.pq import TransactionStatus

    from trytond.backend.postgresql import database as pg_database
except ImportError:
    pg_database = None

logger = logging.getLogger(__name__)

ROLE = config.get('telco', 'rls_role', default='telco_operator')
POLICY = 'telco_operator'
SETTING = 'telco.companies'
# The array in a sub-select: computed once per statement (an InitPlan), not
# once per row of a scan.
CONDITION = (
    "company = ANY ((SELECT string_to_array("
    f"current_setting('{SETTING}', true), ','))::integer[])")

# The functions of the operators of Tryton's text searches (ILIKE, LIKE and
# their negations, unaccent, and those the search box adds).  PostgreSQL
# evaluates the policy before any condition that is not LEAKPROOF, so an
# ILIKE cannot use its trigram index behind the wall and the search box
# scans every row of the operator (1.6 ms became 5.9 ms on 10k customers,
# and it grows with the table).  PostgreSQL leaves these functions unmarked
# because their errors may depend on their arguments; the wall here is
# against server code that forgets the rules, users never write SQL, so
# nothing is lost by marking them.  Only a superuser may do it (in this
# database only); otherwise a DBA can run the same ALTER FUNCTION
# statements.
LEAKPROOF = [
    'pg_catalog.texticlike(text, text)',
    'pg_catalog.texticnlike(text, text)',
    'pg_catalog.textlike(text, text)',
    'pg_catalog.textnlike(text, text)',
    'unaccent(text)',
    'unaccent(regdictionary, text)',
    # the end of a line number (telco_line) and the names that look like
    # a misspelt one (pg_trgm's % operator and its ranking) in the search
    # box
    'pg_catalog.reverse(text)',
    'similarity_op(text, text)',
    'similarity(text, text)',
    # the ids of the rows of telco_messaging's timeline (id * 16 + source),
    # read by their expression indexes; their only error is an overflow
    'pg_catalog.int4mul(integer, integer)',
    'pg_catalog.int4pl(integer, integer)',
    ]

# The name of the rules telco_base gives to the models owned by a company
# that their module leaves without one
RULE_NAME = "User in companies (telco_base)"

# Models with an operator that are left outside the wall, and why (a name
# ending with a dot stands for all the models it starts).
EXCEPTIONS = {
    'res.': "users and their operators are read to know whom a transaction "
    "acts for",
    'ir.sequence': "numbering machinery: sequences without operator are "
    "shared and an operator's numbers are drawn as root "
    "(company.company.next_number)",
    'ir.sequence.strict': "as ir.sequence",
    'ir.cron-company.company': "the operators a scheduled action runs for "
    "are platform configuration, read by the cron as root",
    'company.employee': "users switch between their operators: the "
    "preferences check the employee of the operator switched to while the "
    "transaction still acts for the previous one",
    }


def excepted(model_name):
    "Return the reason why the model is left outside the wall or None"
    for prefix, reason in EXCEPTIONS.items():
        if model_name == prefix or (
                prefix.endswith('.') and model_name.startswith(prefix)):
            return reason


@contextmanager
def cross_operator():
    """Run the block for every operator, without the wall.

    For the cross-operator work of a non-root transaction (the platform
    administrator's tools).  Root transactions need not use it: they act
    for every operator already."""
    transaction = Transaction()
    depth = getattr(transaction, '_telco_cross_operator', 0)
    transaction._telco_cross_operator = depth + 1
    try:
        yield
    finally:
        transaction._telco_cross_operator = depth


# Nothing set on the database transaction, or not known after a rollback to
# a savepoint (which undoes what was set after the savepoint).
_UNKNOWN = object()
# The pool is not loaded: ask again at the next statement.
_UNDECIDED = object()


def acting_for(transaction=None):
    """Return the ids of the operators the transaction acts for, or None
    when it acts for all of them (no wall)"""
    # _UNDECIDED is returned only while the pool is not loaded
    if transaction is None:
        transaction = Transaction()
    if (not transaction.user
            or getattr(transaction, '_telco_cross_operator', 0)):
        return None
    try:
        pool = Pool(transaction.database.name)
        IrModel = pool.get('ir.model')
        User = pool.get('res.user')
    except KeyError:
        # the pool of the database is not loaded (yet)
        return _UNDECIDED
    ready = getattr(IrModel, 'telco_rls_ready', None)
    if ready is None or not ready():
        return None
    return tuple(sorted(c for c in User.get_companies() if c is not None))


def _apply(cursor):
    "Set the role and the operators of the transaction before a statement"
    connection = cursor.connection
    if getattr(connection, '_telco_rls_busy', False):
        return
    transaction = Transaction()
    if transaction.connection is not connection or connection.autocommit:
        # cache synchronisation, bus, index creation: Tryton's own work on
        # connections of their own
        return
    status = connection.info.transaction_status
    if status == TransactionStatus.INERROR:
        return
    context = transaction.context or {}
    key = (transaction.user,
        getattr(transaction, '_telco_cross_operator', 0),
        context.get('company'), context.get('_companies'))
    if status == TransactionStatus.IDLE:
        # a new database transaction starts: SET LOCAL is gone
        applied_key, applied = None, None
    else:
        applied_key, applied = getattr(
            connection, '_telco_rls', (None, _UNKNOWN))
    if applied is not _UNKNOWN and applied_key == key:
        return
    connection._telco_rls_busy = True
    try:
        companies = acting_for(transaction)
        if companies is _UNDECIDED:
            key, companies = None, None
        if companies != applied:
            with psycopg.Cursor(connection) as setter:
                if companies is None:
                    setter.execute(
                        "SELECT set_config('role', 'none', true), "
                        "set_config(%s, '', true)", (SETTING,))
                else:
                    setter.execute(
                        "SELECT set_config('role', %s, true), "
                        "set_config(%s, %s, true)",
                        (ROLE, SETTING, ','.join(map(str, companies))))
        connection._telco_rls = (key, companies)
    finally:
        connection._telco_rls_busy = False


def _rolled_back(cursor, query):
    if isinstance(query, str) and query.lstrip()[:8].upper() == 'ROLLBACK':
        cursor.connection._telco_rls = (None, _UNKNOWN)


if pg_database:
    class OperatorCursor(pg_database.LoggingCursor):
        "Cursor that acts for the operators of the transaction"
        __slots__ = ()

        def execute(self, query, params=None, **kwargs):
            _apply(self)
            try:
                return super().execute(query, params, **kwargs)
            finally:
                _rolled_back(self, query)

        def executemany(self, query, params_seq, **kwargs):
            _apply(self)
            try:
                return super().executemany(query, params_seq, **kwargs)
            finally:
                _rolled_back(self, query)

    def _patch():
        Database = pg_database.Database
        if getattr(Database.get_connection, '_telco_rls', False):
            return
        get_connection = Database.get_connection

        def get_connection_rls(self, *args, **kwargs):
            connection = get_connection(self, *args, **kwargs)
            connection.cursor_factory = OperatorCursor
            connection._telco_rls = (None, _UNKNOWN)
            return connection
        get_connection_rls._telco_rls = True
        Database.get_connection = get_connection_rls
    _patch()


class Model(metaclass=PoolMeta):
    __name__ = 'ir.model'

    @classmethod
    def clean(cls):
        super().clean()
        # clean is run once at the end of a module update, with every
        # module of the database registered: the place to cover the tables
        # of the models of every module
        cls.telco_rules_install()
        cls.telco_rls_install()

    @classmethod
    def telco_company_models(cls):
        """Return the models owned by a company: stored Many2One company to
        company.company"""
        pool = Pool()
        for name, Model in pool.iterobject():
            if (not issubclass(Model, ModelSQL)
                    or Model._is_table_query()
                    or excepted(name)):
                continue
            field = Model._fields.get('company')
            if (isinstance(field, fields.Many2One)
                    and not isinstance(field, fields.Function)
                    and field.model_name == 'company.company'):
                yield Model

    @classmethod
    def telco_rules_install(cls):
        """Give a global rule on the company to every model owned by a
        company that has none.

        Tryton's modules rule their documents (invoices, moves, sales …) but
        not the company values of their configurations and products (list
        prices, accounts of a party or a category, cost prices …), which
        are served by the REST API of user applications and by any server
        code as plain records.  A rule made here keeps them to the user's
        operators like the others, and the wall below follows it."""
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        ruled = {
            g.model for g in RuleGroup.search([
                    ('global_p', '=', True),
                    ('rules.domain', 'like', '%"company"%'),
                    ])}
        encoder = PYSONEncoder(sort_keys=True)
        own = [('company', 'in', Eval('companies', []))]

        def rule(model, domain, **perms):
            return {
                'name': RULE_NAME,
                'model': model,
                'global_p': True,
                'rules': [('create', [{'domain': encoder.encode(domain)}])],
                **perms,
                }
        vlist = []
        for Model in cls.telco_company_models():
            name = Model.__name__
            if name in ruled:
                continue
            if Model.company.required:
                vlist.append(rule(name, own))
            else:
                # the value of no operator is the default of all: read by
                # all, written by no user (the server itself as root)
                vlist.append(rule(
                        name, ['OR', ('company', '=', None)] + own,
                        perm_write=False, perm_create=False,
                        perm_delete=False))
                vlist.append(rule(name, own, perm_read=False))
        if vlist:
            logger.info("company rule on %s", ', '.join(
                    sorted({v['model'] for v in vlist})))
            RuleGroup.create(vlist)

    @classmethod
    def telco_rls_ready(cls):
        "Return whether the wall stands in the database"
        ready = cls.__dict__.get('_telco_rls_ready')
        if ready is None:
            ready = False
            if (backend.name == 'postgresql'
                    and config.getboolean(
                        'telco', 'row_level_security', default=True)):
                cursor = Transaction().connection.cursor()
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_policy "
                        "WHERE polname = %s) "
                    "AND EXISTS (SELECT 1 FROM pg_roles r "
                        "WHERE r.rolname = %s "
                        "AND pg_has_role(current_user, r.oid, 'MEMBER'))",
                    (POLICY, ROLE))
                ready, = cursor.fetchone()
            # per pool: the classes are built again when the pool is loaded
            cls._telco_rls_ready = ready
        return ready

    @classmethod
    def telco_rls_models(cls):
        """Return the operator-owned models: stored Many2One company to
        company.company with a global rule on the company"""
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        Rule = pool.get('ir.rule')
        rule_group = RuleGroup.__table__()
        rule = Rule.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*rule_group.join(
                rule, condition=rule.rule_group == rule_group.id
                ).select(rule_group.model,
                where=(rule_group.global_p == Literal(True))
                & rule.domain.like('%"company"%')))
        ruled = {m for m, in cursor}
        return [
            M for M in cls.telco_company_models() if M.__name__ in ruled]

    @classmethod
    def telco_rls_install(cls):
        "Install the role, its rights and the policies (PostgreSQL only)"
        if backend.name != 'postgresql' or not pg_database:
            return
        transaction = Transaction()
        database = transaction.database
        # The role belongs to the server, not to the database: it is made
        # in a transaction of its own so that parallel updates of other
        # databases do not wait for this one.
        connection = database.get_connection(autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL(
                        "DO $$ BEGIN "
                        "IF NOT EXISTS ("
                        "SELECT 1 FROM pg_roles WHERE rolname = {name}) THEN "
                        "CREATE ROLE {role} NOLOGIN NOSUPERUSER "
                        "NOBYPASSRLS; "
                        "END IF; "
                        "EXCEPTION WHEN duplicate_object OR unique_violation "
                        "THEN NULL; "
                        "END $$").format(
                        name=sql.Literal(ROLE), role=sql.Identifier(ROLE)))
                cursor.execute(
                    "SELECT pg_has_role(current_user, %s, 'MEMBER')",
                    (ROLE,))
                member, = cursor.fetchone()
                if not member:
                    cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(
                            sql.Identifier(ROLE)))
        except psycopg.Error:
            logger.warning(
                "row-level security not installed: "
                "the role %s cannot be made or granted", ROLE, exc_info=True)
            return
        finally:
            database.put_connection(connection)

        tables = {}
        for Model in cls.telco_rls_models():
            nullable = not Model.company.required
            tables[Model._table] = nullable
            if getattr(Model, '_history', False):
                tables[Model._table + '__history'] = nullable
        cursor = transaction.connection.cursor()
        role = sql.Identifier(ROLE)
        cursor.execute("SELECT current_schema()")
        schema, = cursor.fetchone()
        schema = sql.Identifier(schema)
        cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser, = cursor.fetchone()
        if superuser:
            for function in LEAKPROOF:
                cursor.execute(
                    "SELECT to_regprocedure(%s)::oid", (function,))
                oid, = cursor.fetchone()
                if oid:
                    cursor.execute(
                        "SELECT %s::oid::regprocedure::text", (oid,))
                    name, = cursor.fetchone()
                    cursor.execute(sql.SQL(
                            "ALTER FUNCTION {} LEAKPROOF").format(
                            sql.SQL(name)))
        for statement in [
                "GRANT USAGE ON SCHEMA {schema} TO {role}",
                "GRANT SELECT, INSERT, UPDATE, DELETE "
                "ON ALL TABLES IN SCHEMA {schema} TO {role}",
                "GRANT USAGE, SELECT, UPDATE "
                "ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                "GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
                ]:
            cursor.execute(sql.SQL(statement).format(
                    schema=schema, role=role))

        cursor.execute(
            "SELECT c.relname FROM pg_policy p "
            "JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE p.polname = %s "
            "AND c.relnamespace = current_schema()::regnamespace",
            (POLICY,))
        for table, in cursor.fetchall():
            if table not in tables:
                logger.info("remove row-level security from %s", table)
                cursor.execute(sql.SQL(
                        "DROP POLICY {policy} ON {table}; "
                        "ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
                        ).format(policy=sql.Identifier(POLICY),
                        table=sql.Identifier(table)))
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND column_name = 'company' AND table_name = ANY(%s)",
            (list(tables),))
        existing = {t for t, in cursor}
        for table, nullable in sorted(tables.items()):
            if table not in existing:
                continue
            condition = CONDITION
            if nullable:
                # rows of no operator are outside the wall: the rules decide
                condition = 'company IS NULL OR ' + condition
            logger.info("row-level security on %s", table)
            cursor.execute(sql.SQL(
                    "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; "
                    "DROP POLICY IF EXISTS {policy} ON {table}; "
                    "CREATE POLICY {policy} ON {table} TO {role} "
                    "USING ({condition}) WITH CHECK ({condition})").format(
                    table=sql.Identifier(table),
                    policy=sql.Identifier(POLICY), role=role,
                    condition=sql.SQL(condition)))
        cls._telco_rls_ready = None


def _forget():
    "Set the operators again before the next statement of the transaction"
    connection = Transaction().connection
    if connection is not None and hasattr(connection, '_telco_rls'):
        connection._telco_rls = (None, _UNKNOWN)


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        # the operators of a user may have changed
        _forget()


class UserCompany(metaclass=PoolMeta):
    __name__ = 'res.user-company.company'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        _forget()


class Sequence(metaclass=PoolMeta):
    __name__ = 'ir.sequence'

    # The SQL sequences behind ir.sequence are made, changed and dropped by
    # DDL that only their owner, the database user, may run: it is no
    # operator's row data.

    def create_sql_sequence(self, number_next=None):
        with cross_operator():
            return super().create_sql_sequence(number_next=number_next)

    def update_sql_sequence(self, number_next=None):
        with cross_operator():
            return super().update_sql_sequence(number_next=number_next)

    def delete_sql_sequence(self):
        with cross_operator():
            return super().delete_sql_sequence()
