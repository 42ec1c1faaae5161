# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.telco_base.rls import (
    EXCEPTIONS, POLICY, cross_operator, excepted)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import as_user, assert_message, create_staff, savepoint

try:
    from psycopg.errors import InsufficientPrivilege
except ImportError:
    InsufficientPrivilege = None

postgresql_only = unittest.skipUnless(
    backend.name == 'postgresql', "row-level security is PostgreSQL's")


class RLSTestMixin:
    "Test the row-level security of PostgreSQL between operators"

    def _rls_data(self):
        "Two operators with a customer and a line each, an agent of the first"
        pool = Pool()
        Line = pool.get('telco.line')
        ooredoo = self._operator()
        tt = self._operator("Tunisie Telecom", 'TT')
        customers = {}
        for company, number in [(ooredoo, '98 000 001'), (tt, '98 000 002')]:
            customers[company] = self._customer(company)
            Line.create([{
                        'company': company.id,
                        'customer': customers[company].id,
                        'number': number,
                        }])
        agent = create_staff('agent', ooredoo)
        return ooredoo, tt, customers, agent

    def _companies(self, table):
        "The companies of the rows of table, read without any rule"
        cursor = Transaction().connection.cursor()
        cursor.execute(f'SELECT company FROM "{table}"')
        return sorted({c for c, in cursor}, key=lambda c: (c is None, c))

    def _count(self, table, company):
        "Rows of the company in table, counted as root"
        cursor = Transaction().connection.cursor()
        with Transaction().set_user(0):
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE company = %s',
                (company.id,))
            return cursor.fetchone()[0]

    @postgresql_only
    @with_transaction()
    def test_rls_policies_from_pool(self):
        "Every operator-owned table of the pool has its policy, no other"
        pool = Pool()
        IrModel = pool.get('ir.model')
        self.assertTrue(IrModel.telco_rls_ready())
        models = {M.__name__: M for M in IrModel.telco_rls_models()}
        for name in ['party.party', 'party.category', 'telco.line',
                'telco.sim', 'telco.payer_account', 'telco.notification']:
            self.assertIn(name, models)
        for name in ['res.user', 'company.employee', 'ir.sequence',
                'company.company']:
            self.assertNotIn(name, models)
        self.assertEqual(
            excepted('company.employee'), EXCEPTIONS['company.employee'])
        self.assertEqual(excepted('res.user'), EXCEPTIONS['res.'])
        self.assertIsNone(excepted('telco.line'))

        cursor = Transaction().connection.cursor()
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity FROM pg_policy p "
            "JOIN pg_class c ON c.oid = p.polrelid WHERE p.polname = %s",
            (POLICY,))
        policies = dict(cursor)
        self.assertEqual(
            set(policies), {M._table for M in models.values()})
        self.assertTrue(all(policies.values()))

    @with_transaction()
    def test_company_rules(self):
        """Every model with a company has a company rule; the values of no
        operator are read by all, written by none of their staff"""
        pool = Pool()
        IrModel = pool.get('ir.model')
        RuleGroup = pool.get('ir.rule.group')
        LangValue = pool.get('party.party.lang')
        Lang = pool.get('ir.lang')
        ruled = {g.model for g in RuleGroup.search([
                    ('global_p', '=', True),
                    ('rules.domain', 'like', '%"company"%'),
                    ])}
        models = {M.__name__ for M in IrModel.telco_company_models()}
        self.assertIn('party.party.lang', models)
        self.assertFalse(models - ruled)

        ooredoo, tt, customers, agent = self._rls_data()
        english, = Lang.search([('code', '=', 'en')])
        party = customers[ooredoo]
        default, own, other = LangValue.create([
                {'party': party.id, 'company': None, 'lang': english.id},
                {'party': party.id, 'company': ooredoo.id,
                    'lang': english.id},
                {'party': customers[tt].id, 'company': tt.id,
                    'lang': english.id},
                ])
        with as_user(agent):
            found = LangValue.search([('id', 'in', [
                            default.id, own.id, other.id])])
            self.assertEqual(set(found), {default, own})
            for message, call in [
                    ('ir.msg_write_rule_error', lambda: LangValue.write(
                            [LangValue(default.id)], {'lang': english.id})),
                    ('ir.msg_create_rule_error', lambda: LangValue.create([{
                                    'party': party.id, 'company': None,
                                    'lang': english.id}])),
                    ('ir.msg_delete_rule_error', lambda: LangValue.delete(
                            [LangValue(default.id)])),
                    ]:
                with self.subTest(message=message), savepoint():
                    with self.assertRaises(AccessError) as cm:
                        call()
                    assert_message(self, cm.exception, message)
            LangValue.write([LangValue(own.id)], {'lang': english.id})

    @postgresql_only
    @with_transaction()
    def test_rls_unruled_select(self):
        "A query without rule reads only the operators of the user"
        ooredoo, tt, customers, agent = self._rls_data()
        both = [ooredoo.id, tt.id]
        self.assertEqual(self._companies('telco_line'), both)
        self.assertEqual(self._companies('party_party'), both)
        with as_user(agent):
            self.assertEqual(self._companies('telco_line'), [ooredoo.id])
            self.assertEqual(self._companies('party_party'), [ooredoo.id])
            cursor = Transaction().connection.cursor()
            cursor.execute('SELECT count(*) FROM party_party')
            self.assertEqual(
                cursor.fetchone()[0], self._count('party_party', ooredoo))
            # the cross-operator work of a user is stated
            with cross_operator():
                self.assertEqual(self._companies('telco_line'), both)
            # the wall stands again after the block and as the same user
            self.assertEqual(self._companies('telco_line'), [ooredoo.id])
            # a foreign operator in the context widens nothing
            with Transaction().set_context(company=tt.id):
                self.assertEqual(
                    self._companies('telco_line'), [ooredoo.id])
        # root still sees both
        self.assertEqual(self._companies('telco_line'), both)

    @postgresql_only
    @with_transaction()
    def test_rls_unruled_update_delete(self):
        "Updates and deletes without rule change only the user's operator"
        ooredoo, tt, customers, agent = self._rls_data()
        tt_parties = self._count('party_party', tt)
        ooredoo_parties = self._count('party_party', ooredoo)
        cursor = Transaction().connection.cursor()
        with savepoint():
            with as_user(agent):
                cursor.execute(
                    'UPDATE telco_line SET write_uid = %s', (agent.id,))
                self.assertEqual(cursor.rowcount, 1)
                cursor.execute("UPDATE party_party SET name = name || ' x'")
                self.assertEqual(cursor.rowcount, ooredoo_parties)
                cursor.execute('DELETE FROM telco_line')
                self.assertEqual(cursor.rowcount, 1)
                cursor.execute(
                    'DELETE FROM party_party WHERE id NOT IN '
                    '(SELECT party FROM company_company)')
                self.assertEqual(cursor.rowcount, ooredoo_parties - 1)
            # as root: the other operator's rows are untouched
            self.assertEqual(self._companies('telco_line'), [tt.id])
            self.assertEqual(self._count('party_party', tt), tt_parties)
            cursor.execute(
                "SELECT count(*) FROM party_party "
                "WHERE company = %s AND name LIKE '%% x'", (tt.id,))
            self.assertEqual(cursor.fetchone()[0], 0)
            cursor.execute(
                "SELECT write_uid FROM telco_line WHERE company = %s",
                (tt.id,))
            self.assertEqual(cursor.fetchone()[0], None)

    @postgresql_only
    @with_transaction()
    def test_rls_insert_refused(self):
        "PostgreSQL refuses rows of another operator"
        pool = Pool()
        Line = pool.get('telco.line')
        Party = pool.get('party.party')
        ooredoo, tt, customers, agent = self._rls_data()
        cursor = Transaction().connection.cursor()
        insert = (
            "INSERT INTO telco_line (company, customer, number, kind, "
            "state, create_uid, create_date) "
            "VALUES (%s, %s, %s, 'mobile_prepaid', 'draft', %s, now())")
        with as_user(agent):
            for statement, params in [
                    (insert, (tt.id, customers[tt].id, '+21698000003',
                            agent.id)),
                    ('UPDATE telco_line SET company = %s', (tt.id,)),
                    ('UPDATE party_party SET company = %s', (tt.id,)),
                    ]:
                with self.subTest(statement=statement):
                    with savepoint(), self.assertRaises(
                            InsufficientPrivilege) as cm:
                        cursor.execute(statement, params)
                    self.assertEqual(cm.exception.sqlstate, '42501')
                    self.assertIn(
                        'new row violates row-level security policy',
                        str(cm.exception))

            # the own side is served, through SQL and the ORM
            cursor.execute(insert, (
                    ooredoo.id, customers[ooredoo].id, '+21698000004',
                    agent.id))
            self.assertEqual(cursor.rowcount, 1)
            self.assertEqual(
                sorted(l.number for l in Line.search([])),
                ['+21698000001', '+21698000004'])
            party, = Party.create([{'name': "Mohamed Ben Ali"}])
            self.assertEqual(party.company, ooredoo)
        self.assertEqual(self._count('telco_line', ooredoo), 2)
        self.assertEqual(self._count('telco_line', tt), 1)
