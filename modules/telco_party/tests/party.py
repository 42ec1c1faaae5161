# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from contextlib import contextmanager

from trytond.exceptions import UserWarning
from trytond.model.exceptions import AccessError
from trytond.modules.telco_base.tests.tools import (
    as_user, assert_message, create_extension, create_operator,
    create_staff, savepoint)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


@contextmanager
def tuned(cls, **values):
    "Set class tuning values for the block"
    saved = {name: getattr(cls, name) for name in values}
    for name, value in values.items():
        setattr(cls, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(cls, name, value)


GROUPS = [
    'telco_base.group_agent',
    'telco_base.group_customer',
    'party.group_party_admin',
    ]


class CustomerFixtures:
    "Operators and customers for the tests"

    def _operator(self, name="Ooredoo Tunisie", code='OOREDOO'):
        pool = Pool()
        Country = pool.get('country.country')
        Company = pool.get('company.company')
        tunisia, = Country.search([('code', '=', 'TN')]) or Country.create(
            [{'name': "Tunisia", 'code': 'TN'}])
        company = create_operator(name, code)
        Company.write([company], {'phone_country': tunisia.id})
        return company

    def _customer(self, company, **values):
        pool = Pool()
        Party = pool.get('party.party')
        values.setdefault('first_name', "Sami")
        values.setdefault('last_name', "Trabelsi")
        with Transaction().set_context(company=company.id):
            party, = Party.create([dict(company=company.id, **values)])
        return party


class CustomerTestMixin(CustomerFixtures):
    "Test customers and prospects"

    @with_transaction()
    def test_person_name_and_identity(self):
        "A natural person has first and last names and a CIN"
        company = self._operator()
        party = self._customer(
            company, birth_date=dt.date(1990, 5, 17),
            identity_number='01234567')
        self.assertEqual(party.name, "Sami Trabelsi")
        self.assertEqual(party.identity_number, '01234567')
        self.assertEqual(party.customer_state, 'prospect')
        self.assertEqual(party.prospect_date, dt.date.today())

    @with_transaction()
    def test_category_code_and_name(self):
        "A customer category is named and found by its code and its name"
        pool = Pool()
        Category = pool.get('telco.customer.category')
        company = self._operator()
        category, = Category.create([{
                    'company': company.id, 'kind': 'collection',
                    'code': 'WATCH', 'name': "Sous surveillance"}])
        self.assertEqual(category.rec_name, "[WATCH] Sous surveillance")
        for clause in [('rec_name', 'ilike', '%watch%'),
                ('rec_name', 'ilike', '%surveill%')]:
            self.assertEqual(Category.search([clause]), [category])
        self.assertEqual(
            Category.search([('rec_name', 'not ilike', '%watch%')]), [])

    @with_transaction()
    def test_life_cycle(self):
        "Prospect, customer, suspended, terminated, with dates and history"
        pool = Pool()
        Party = pool.get('party.party')
        company = self._operator()
        party = self._customer(company)
        Party.convert([party])
        self.assertEqual(party.customer_state, 'active')
        self.assertEqual(party.customer_date, dt.date.today())
        Party.suspend([party])
        Party.reactivate([party])
        Party.terminate([party])
        self.assertEqual(party.customer_state, 'terminated')
        self.assertEqual(party.termination_date, dt.date.today())
        self.assertEqual(
            [(h.from_state, h.to_state) for h in reversed(
                    party.state_history)],
            [('prospect', 'active'), ('active', 'suspended'),
                ('suspended', 'active'), ('active', 'terminated')])
        # a prospect cannot be suspended: the transition is not allowed
        prospect = self._customer(company, first_name="Amel")
        Party.suspend([prospect])
        self.assertEqual(prospect.customer_state, 'prospect')

    @with_transaction()
    def test_operator_party_not_customer(self):
        "The operator's own party is not in its customer base"
        company = self._operator()
        self.assertFalse(company.party.customer_base)
        self.assertTrue(self._customer(company).customer_base)

    @with_transaction()
    def test_credit_class(self):
        "A configurable rule proposes the class, a user decides it"
        pool = Pool()
        Party = pool.get('party.party')
        CreditRule = pool.get('telco.credit.rule')
        company = self._operator()
        CreditRule.create([
                {'company': company.id, 'sequence': 10, 'max_age': 20,
                    'credit_class': 'D'},
                {'company': company.id, 'sequence': 20,
                    'with_identity': True, 'credit_class': 'A'},
                {'company': company.id, 'sequence': 30,
                    'credit_class': 'C'},
                ])
        young = self._customer(
            company, first_name="Yassine", birth_date=dt.date(
                dt.date.today().year - 18, 1, 1), identity_number='11111111')
        adult = self._customer(
            company, first_name="Leila", birth_date=dt.date(1980, 1, 1),
            identity_number='22222222')
        unknown = self._customer(company, first_name="Anis")
        self.assertEqual(
            [p.proposed_credit_class for p in [young, adult, unknown]],
            ['D', 'A', 'C'])
        Party.decide_credit([adult])
        self.assertEqual(adult.credit_class, 'A')
        self.assertEqual(adult.credit_decided_by.id, Transaction().user)
        self.assertTrue(adult.credit_decided_at)

    @with_transaction()
    def test_duplicates(self):
        "Sign-up warns about the same identity, phone or name and birth"
        pool = Pool()
        Party = pool.get('party.party')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        birth = dt.date(1985, 3, 2)
        self._customer(
            company, birth_date=birth, identity_number='12345678',
            contact_mechanisms=[('create', [{
                            'type': 'mobile', 'value': '98123456'}])])
        other_operator = self._operator("Tunisie Telecom", 'TT')
        self._customer(other_operator, identity_number='87654321')
        cases = [
            {'first_name': "S.", 'last_name': "Trab",
                'identity_number': '12345678'},
            {'first_name': "Sami", 'last_name': "T",
                'contact_mechanisms': [('create', [{
                                'type': 'phone',
                                'value': '+216 98 123 456'}])]},
            {'first_name': "sami", 'last_name': "trabelsi",
                'birth_date': birth},
            ]
        for values in cases:
            with self.subTest(values=values), savepoint():
                with as_user(agent):
                    with self.assertRaises(UserWarning) as cm:
                        Party.create([values])
                assert_message(
                    self, cm.exception, 'telco_party.msg_party_duplicate')
                self.assertIn("Sami Trabelsi", cm.exception.message)
        with as_user(agent):
            # another operator's customer is not a duplicate
            party, = Party.create([{
                        'first_name': "Mouna", 'last_name': "Ayari",
                        'identity_number': '87654321'}])
            self.assertEqual(party.company, company)

    @with_transaction()
    def test_search_window_paths(self):
        "Every way the search box reads names gives the same first page"
        pool = Pool()
        Party = pool.get('party.party')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        for i in range(6):
            self._customer(company, first_name=f"B{i}", last_name="Zaghouani")
        for i in range(6):
            self._customer(company, first_name=f"A{i}")
        expected = {
            'trabel': ["A0 Trabelsi", "A1 Trabelsi", "A2 Trabelsi"],
            'zaghou': ["B0 Zaghouani", "B1 Zaghouani", "B2 Zaghouani"],
            'b4 zaghouani': ["B4 Zaghouani"],
            # the words in any order, not the text as a whole
            'zaghouani b4': ["B4 Zaghouani"],
            'i zaghouani': ["B0 Zaghouani", "B1 Zaghouani", "B2 Zaghouani"],
            'zaghouani a0': [],
            'zaghouani': ["B0 Zaghouani", "B1 Zaghouani", "B2 Zaghouani"],
            }
        with as_user(agent):
            # a walk of one row per result: rare-looking parts fall back
            for walk, long_ in [(1000, 12), (1, 12), (1, 3), (1000, 3)]:
                with tuned(Party, _telco_search_walk=walk,
                        _telco_search_long=long_):
                    for text, names in expected.items():
                        with self.subTest(walk=walk, long=long_, text=text):
                            page = Party.search(
                                [('rec_name', 'ilike', f'%{text}%')],
                                limit=3)
                            self.assertEqual(
                                [p.name for p in page], names)

    @with_transaction()
    def test_search_window_with_other_clauses(self):
        "A page of the search box combined with filters misses nobody"
        pool = Pool()
        Party = pool.get('party.party')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        for i in range(3):
            self._customer(company, first_name=f"A{i}")
        target = self._customer(
            company, first_name="Z", identity_number='11111111')
        with as_user(agent):
            self.assertTrue(Party._is_search_box(
                    [['rec_name', 'ilike', '%trabel%']]))
            self.assertEqual(Party.search([
                        ('rec_name', 'ilike', '%trabel%'),
                        ('identifiers.code', '=', '11111111'),
                        ], limit=1), [target])

    @with_transaction()
    def test_search_bar_words(self):
        "A number typed with spaces or part of an e-mail finds the customer"
        pool = Pool()
        Party = pool.get('party.party')
        Model = pool.get('ir.model')
        company = self._operator()
        other = self._operator("Tunisie Telecom", 'TT')
        agent = create_staff('agent', company, GROUPS)
        sami = self._customer(
            company, contact_mechanisms=[('create', [
                        {'type': 'mobile', 'value': '98123456'},
                        {'type': 'email', 'value': 'Sami.Trabelsi@gnet.tn'},
                        ])])
        rim = self._customer(
            company, first_name="Rim", last_name="Gharbi",
            contact_mechanisms=[('create', [
                        {'type': 'mobile', 'value': '+216 23 456 789'},
                        {'type': 'email', 'value': 'rim_gharbi@topnet.tn'},
                        ])])
        # the same number and e-mail at another operator
        homonym = self._customer(
            other, contact_mechanisms=[('create', [
                        {'type': 'mobile', 'value': '98123456'},
                        {'type': 'email', 'value': 'sami.trabelsi@gnet.tn'},
                        ])])

        def words(text):
            "The domain sao 8.0's search bar sends for the text"
            return [['rec_name', 'ilike', f'%{w}%'] for w in text.split()]
        self.assertEqual(words('98 123 456'), [
                ['rec_name', 'ilike', '%98%'],
                ['rec_name', 'ilike', '%123%'],
                ['rec_name', 'ilike', '%456%'],
                ])
        queries = {
            '98 123 456': [sami],
            '+216 98 123 456': [sami],
            '+216 23 456 789': [rim],
            '23 456 789': [rim],
            'Trabelsi 98 123 456': [sami],
            'Gharbi 98 123 456': [],
            'sami.trab': [sami],
            'TRABELSI@GNET': [sami],
            '@gnet.tn': [sami],
            'rim_gh': [rim],
            'rim%gh': [],
            # a part of the e-mail that is in no name
            'TOPNET.tn': [rim],
            'topnet.tn gharbi': [rim],
            'topnet.tn sami': [],
            '98 123 457': [],
            }
        action = [['customer_base', '=', True]]
        with as_user(agent):
            for text, expected in queries.items():
                with self.subTest(text=text):
                    self.assertEqual(
                        Party.search(words(text)), expected)
                    # as the list of the customers action asks
                    self.assertEqual(
                        Party.search([action, words(text)], limit=20),
                        expected)
                    self.assertEqual(
                        Party.search_count([action, words(text)]),
                        len(expected))
            # a word that is not a number is not joined to the next one
            self.assertEqual(Party.search(
                    ['OR', words('98 123 456')[0], words('98 123 456')[1]]),
                [])
            # the many2one completion and the global search take the text
            # whole
            for text in [
                    '98 123 456', '+216 98 123 456', 'sami.trab',
                    'gnet.tn']:
                with self.subTest(completion=text):
                    self.assertEqual(
                        [r['id'] for r in Party.autocomplete(text)],
                        [sami.id])
                    found = [(r[1], r[3])
                        for r in Model.global_search(text, 100)
                        if r[1] == 'party.party']
                    self.assertEqual(found, [('party.party', sami.id)])
        # the homonym is found by its own operator
        tt_agent = create_staff('tt_agent', other, GROUPS)
        with as_user(tt_agent):
            self.assertEqual(Party.search(words('98 123 456')), [homonym])

    @with_transaction()
    def test_search_similar_names_and_arabic(self):
        """A misspelt name finds the names that look most like it, the
        closest first, when nothing contains the text; names in Arabic
        script are found as the others"""
        pool = Pool()
        Party = pool.get('party.party')
        # what the installation does once (README)
        create_extension('pg_trgm')
        company = self._operator()
        other = self._operator("Tunisie Telecom", 'TT')
        agent = create_staff('agent', company, GROUPS)
        sami = self._customer(company)
        samia = self._customer(company, first_name="Samia",
            last_name="Trabelsi")
        rim = self._customer(company, first_name="Rim", last_name="Gharbi")
        mohamed = self._customer(company, first_name="Mohamed",
            last_name="Ben Ali")
        arabic = self._customer(company, first_name="محمد",
            last_name="بن علي")
        # the same misspelling's best match at the other operator
        self._customer(other, first_name="Sami", last_name="Trabelssi")

        def words(text):
            return [['rec_name', 'ilike', f'%{w}%'] for w in text.split()]
        queries = {
            # nothing contains these: the closest names first
            'Trabelssi': [sami, samia],
            'Sammi Trabelsy': [sami, samia],
            'Mohamd Benali': [mohamed],
            'محمد بن عالي': [arabic],
            # contained: the usual search, no look-alikes
            'Trabelsi': [sami, samia],
            'محمد': [arabic],
            'علي محمد': [arabic],
            'بن علي': [arabic],
            # nothing looks like it
            'Zzyzx Qwerty': [],
            }
        with as_user(agent):
            for text, expected in queries.items():
                with self.subTest(text=text):
                    self.assertEqual(Party.search(words(text)), expected)
                    self.assertEqual(
                        Party.search_count(words(text)), len(expected))
                    self.assertEqual(
                        Party.search(words(text), limit=1), expected[:1])
            # the look-alikes keep the other clauses of the list
            self.assertEqual(Party.search(
                    [('customer_state', '=', 'active'),
                        words('Trabelssi')]), [])
            # a number or a text with a wildcard is never approximated
            self.assertEqual(Party.search(words('Gharbii%')), [])
            self.assertEqual(Party.search(words('98 123 999')), [])
        self.assertIn(rim, Party.search([]))

    @with_transaction()
    def test_search_text_as_typed(self):
        """One clause of several words finds them in any order and across
        fields; %, _ and \\ are themselves; wildcards alone filter nothing"""
        pool = Pool()
        Party = pool.get('party.party')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        sami = self._customer(company, addresses=[('create', [
                        {'city': "Sfax"}])])
        amel = self._customer(
            company, first_name="Amel", last_name="Ben Salah",
            addresses=[('create', [{'city': "Tunis"}])])
        data = self._customer(
            company, customer_type='organization', first_name=None,
            last_name=None, name="Data_Corp 50%")
        datax = self._customer(
            company, customer_type='organization', first_name=None,
            last_name=None, name="DataXCorp 500")

        def one(text):
            "The clause of a customer field or of the global search"
            return [('rec_name', 'ilike', f'%{text}%')]
        queries = {
            'trabelsi sami': [sami],
            'Sami Trabelsi': [sami],
            'sami sfax': [sami],
            'sami tunis': [],
            'salah amel': [amel],
            'ben salah tunis': [amel],
            'a_c': [data],
            'data_corp': [data],
            '50%': [data],
            '500': [datax],
            '\\': [],
            'a\\': [],
            }
        with as_user(agent):
            for text, expected in queries.items():
                with self.subTest(text=text):
                    self.assertEqual(Party.search(one(text)), expected)
                    self.assertEqual(
                        Party.search_count(one(text)), len(expected))
            everyone = Party.search([], order=[('id', 'ASC')])
            for wildcards in ['%', '%%', '%%%', '% %']:
                with self.subTest(wildcards=wildcards):
                    self.assertEqual(Party.search(
                            [('rec_name', 'ilike', wildcards)],
                            order=[('id', 'ASC')]), everyone)

    @with_transaction()
    def test_replace_erase_other_operator(self):
        "Replace and erase refuse the parties of another operator"
        pool = Pool()
        Party = pool.get('party.party')
        Replace = pool.get('party.replace', type='wizard')
        Erase = pool.get('party.erase', type='wizard')
        company = self._operator()
        other = self._operator("Tunisie Telecom", 'TT')
        admin = create_staff('admin_a', company, GROUPS)
        mine = self._customer(company)
        theirs = self._customer(other, first_name="Leila")
        Party.write([theirs], {'active': False})
        with as_user(admin):
            with Transaction().set_context(
                    active_model='party.party', active_id=mine.id,
                    active_ids=[mine.id], _skip_warnings=True):
                session_id, _, _ = Replace.create()
                replace = Replace(session_id)
                replace.ask.source = Party(theirs.id)
                replace.ask.destination = Party(mine.id)
                with self.assertRaises(AccessError) as cm, savepoint():
                    replace.transition_replace()
                assert_message(self, cm.exception, 'ir.msg_read_error')
                session_id, _, _ = Erase.create()
                erase = Erase(session_id)
                erase.ask.party = Party(theirs.id)
                with self.assertRaises(AccessError) as cm, savepoint():
                    erase.transition_erase()
                assert_message(self, cm.exception, 'ir.msg_read_error')
        theirs = Party(theirs.id)
        self.assertEqual(theirs.name, "Leila Trabelsi")
        self.assertIsNone(theirs.replaced_by)

    @with_transaction()
    def test_duplicate_warning_confirmed(self):
        "Once confirmed, the duplicate warning lets the customer be saved"
        pool = Pool()
        Party = pool.get('party.party')
        Warning = pool.get('res.user.warning')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        self._customer(company, identity_number='12345678')
        values = {'first_name': "Sami", 'last_name': "T",
            'identity_number': '12345678'}
        with as_user(agent):
            with self.assertRaises(UserWarning) as cm, savepoint():
                Party.create([values])
            # what the client's "Yes" does: skip RPC, no access check
            with Transaction().set_context(_check_access=False):
                Warning.skip(cm.exception.name)
            party, = Party.create([values])
        self.assertEqual(party.identity_number, '12345678')
