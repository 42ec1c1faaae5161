# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re
import threading
from contextlib import contextmanager

from trytond.exceptions import UserWarning
from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.modules.telco_base.exceptions import LineValidationError
from trytond.modules.telco_base.line import luhn_complete, luhn_valid
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction

from .tools import as_user, create_operator, create_staff, savepoint


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


class CustomerTestMixin:
    "Test customers, prospects, lines and SIM cards"

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

    def _sim(self, company, serial):
        pool = Pool()
        Sim = pool.get('telco.sim')
        sim, = Sim.create([{
                    'company': company.id,
                    'iccid': luhn_complete('8921601%011d' % serial),
                    'puk': '12345678', 'pin': '0000'}])
        return sim

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
    def test_invalid_input(self):
        "Bad CIN, phone, e-mail, ICCID and line number are refused"
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Sim = pool.get('telco.sim')
        Line = pool.get('telco.line')
        company = self._operator()
        party = self._customer(company)
        cases = [
            ('msg_invalid_cin', lambda: Party.write(
                    [party], {'identity_number': '1234567'})),
            ('msg_invalid_phone', lambda: Mechanism.create([{
                            'party': party.id, 'type': 'mobile',
                            'value': '12'}])),
            ('msg_invalid_email', lambda: Mechanism.create([{
                            'party': party.id, 'type': 'email',
                            'value': 'sami.trabelsi'}])),
            ('msg_invalid_iccid', lambda: Sim.create([{
                            'company': company.id,
                            'iccid': '8921601000000000001'}])),
            ('msg_invalid_imsi', lambda: Sim.create([{
                            'company': company.id,
                            'iccid': luhn_complete('892160100000000000'),
                            'imsi': '60501'}])),
            ('msg_invalid_line_number', lambda: Line.create([{
                            'company': company.id, 'customer': party.id,
                            'number': '123'}])),
            ]
        for message, func in cases:
            with self.subTest(message=message), savepoint():
                with self.assertRaises(ValidationError) as cm:
                    func()
                self.assertTrue(cm.exception.message)
        # nothing half-written
        self.assertEqual(Sim.search([]), [])
        self.assertEqual(Line.search([]), [])
        self.assertIsNone(Party(party.id).identity_number)

    @with_transaction()
    def test_phone_numbers_e164(self):
        "Phone and line numbers are stored in E.164 with the operator's region"
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        Line = pool.get('telco.line')
        company = self._operator()
        party = self._customer(company)
        mechanism, = Mechanism.create([{
                    'party': party.id, 'type': 'mobile',
                    'value': '98 123 456'}])
        self.assertEqual(mechanism.value_compact, '+21698123456')
        line, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'number': '0021622 333 444'}])
        self.assertEqual(line.number, '+21622333444')
        self.assertEqual(line.rec_name, '+216 22 333 444')

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
    def test_hierarchy(self):
        "Company, branches, payer accounts and line users"
        pool = Pool()
        Party = pool.get('party.party')
        PayerAccount = pool.get('telco.payer_account')
        Line = pool.get('telco.line')
        company = self._operator()
        with Transaction().set_context(company=company.id):
            head, = Party.create([{
                        'name': "Poulina Group", 'company': company.id,
                        'customer_type': 'organization',
                        'legal_form': 'sa', 'trade_register': 'B123'}])
            branch, = Party.create([{
                        'name': "Poulina Sfax", 'company': company.id,
                        'customer_type': 'organization',
                        'parent': head.id}])
        employee = self._customer(company, first_name="Nour")
        self.assertEqual(head.branches, (branch,))
        with self.assertRaises(ValidationError), savepoint():
            Party.write([head], {'parent': branch.id})

        account, = PayerAccount.create([{
                    'company': company.id, 'customer': head.id,
                    'payer': branch.id, 'name': "Sfax fleet"}])
        line, = Line.create([{
                    'company': company.id, 'customer': head.id,
                    'payer_account': account.id, 'user': employee.id,
                    'kind': 'mobile_postpaid', 'number': '98111222'}])
        self.assertEqual(account.lines, (line,))
        self.assertEqual(head.lines, (line,))
        # the payer is the customer or one of its branches
        other = self._customer(company, first_name="Other")
        with self.assertRaises(DomainValidationError), savepoint():
            PayerAccount.create([{
                        'company': company.id, 'customer': head.id,
                        'payer': other.id, 'name': "Wrong"}])

    @with_transaction()
    def test_line_states_and_sim(self):
        "A mobile line needs a SIM to become active; numbers are unique"
        pool = Pool()
        Line = pool.get('telco.line')
        company = self._operator()
        party = self._customer(company)
        line, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'number': '98 765 432'}])
        with self.assertRaises(ValidationError), savepoint():
            Line.activate([line])
        sim = self._sim(company, 1)
        Line.write([line], {'sim': sim.id})
        line = Line(line.id)
        Line.activate([line])
        self.assertEqual(line.state, 'active')
        self.assertEqual(line.activation_date, dt.date.today())
        self.assertEqual(sim.state, 'in_use')
        self.assertEqual(
            [(h.from_state, h.to_state) for h in line.history],
            [('draft', 'active')])

        twin, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'number': '+216 98765432', 'sim': self._sim(
                        company, 2).id}])
        with self.assertRaises(ValidationError) as cm, savepoint():
            Line.activate([twin])
        self.assertIn('already used', cm.exception.message)
        Line.terminate([line])
        twin = Line(twin.id)
        Line.activate([twin])
        self.assertEqual(twin.state, 'active')

    @with_transaction()
    def test_line_follows_customer(self):
        "A first line makes a customer; suspension and churn reach lines"
        pool = Pool()
        Party = pool.get('party.party')
        Line = pool.get('telco.line')
        company = self._operator()
        party = self._customer(company)
        line, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'kind': 'fixed', 'number': '71 234 567'}])
        Line.activate([line])
        self.assertEqual(party.customer_state, 'active')
        Party.suspend([party])
        self.assertEqual(Line(line.id).state, 'suspended')
        with self.assertRaises(ValidationError) as cm, savepoint():
            Line.activate([Line(line.id)])
        self.assertIn("Suspended", cm.exception.message)
        Party.reactivate([Party(party.id)])
        self.assertEqual(Line(line.id).state, 'active')
        Party.suspend([Party(party.id)])
        Party.terminate([Party(party.id)])
        self.assertEqual(Line(line.id).state, 'terminated')

    @with_transaction()
    def test_sim_single_line(self):
        "A SIM card serves one line at a time"
        pool = Pool()
        Line = pool.get('telco.line')
        company = self._operator()
        party = self._customer(company)
        sim = self._sim(company, 9)
        first, second = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'number': number, 'sim': sim.id}
                for number in ['98 111 111', '98 222 222']])
        Line.activate([first])
        with self.assertRaises(ValidationError), savepoint():
            Line.activate([Line(second.id)])

    @with_transaction()
    def test_suspended_line_holds_number(self):
        "A suspended line keeps its number from another line"
        pool = Pool()
        Line = pool.get('telco.line')
        company = self._operator()
        party = self._customer(company)
        line, twin = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'kind': 'fixed', 'number': '71 000 009'}] * 2)
        Line.activate([line])
        Line.suspend([line])
        with self.assertRaises(LineValidationError) as cm, savepoint():
            Line.activate([Line(twin.id)])
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_line_number_unique',
                number='+216 71 000 009'))
        Line.terminate([Line(line.id)])
        Line.activate([Line(twin.id)])
        self.assertEqual(Line(twin.id).state, 'active')

    def test_line_number_unique_concurrent(self):
        "Two sessions activating the same number at once: one line wins"
        rounds = 5
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Line = pool.get('telco.line')
            Party = pool.get('party.party')
            company = self._operator("Concurrent Telecom", 'CONCURRENT')
            party = self._customer(company, first_name="Concurrent")
            Party.convert([party])
            pairs = []
            for i in range(rounds):
                pairs.append([l.id for l in Line.create([{
                                'company': company.id,
                                'customer': party.id, 'kind': 'fixed',
                                'number': '71 900 %03d' % i,
                                } for _ in range(2)])])
            company_id, party_id = company.id, party.id
            transaction.commit()
        try:
            for i, pair in enumerate(pairs):
                with self.subTest(round=i):
                    self._activate_concurrently(company_id, pair)
        finally:
            with Transaction().start(DB_NAME, 0):
                pool = Pool()
                Line = pool.get('telco.line')
                Party = pool.get('party.party')
                Company = pool.get('company.company')
                Line.delete(Line.browse([i for p in pairs for i in p]))
                Party.delete([Party(party_id)])
                company = Company(company_id)
                company_party = company.party
                Party.write([company_party], {'company': None})
                Company.delete([company])
                Party.delete([company_party])

    def _activate_concurrently(self, company_id, line_ids):
        """Activate each line in its own transaction, both checking the
        number before either commits"""
        barrier = threading.Barrier(len(line_ids), timeout=120)
        seen, errors = {}, {}

        def activate(line_id):
            try:
                with Transaction().start(
                        DB_NAME, 0, context={'company': company_id}):
                    Line = Pool().get('telco.line')
                    line = Line(line_id)
                    # the snapshot the check of the number reads is taken
                    # here, before the other session commits
                    seen[line_id] = Line.search([
                            ('number', '=', line.number),
                            ('state', 'in', ['active', 'suspended']),
                            ])
                    barrier.wait()
                    Line.activate([line])
            except Exception as exception:
                errors[line_id] = exception

        threads = [
            threading.Thread(target=activate, args=(i,)) for i in line_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(seen, {i: [] for i in line_ids})
        self.assertEqual(len(errors), 1, msg=errors)
        (loser_id, error), = errors.items()
        self.assertIsInstance(error, LineValidationError)
        with Transaction().start(DB_NAME, 0):
            Line = Pool().get('telco.line')
            self.assertEqual(
                {l.id: l.state for l in Line.browse(line_ids)},
                {i: 'draft' if i == loser_id else 'active'
                    for i in line_ids})
            self.assertEqual(error.message, gettext(
                    'telco_base.msg_line_number_unique',
                    number=Line(loser_id).rec_name))

    @with_transaction()
    def test_operator_party_not_customer(self):
        "The operator's own party is not in its customer base"
        company = self._operator()
        self.assertFalse(company.party.customer_base)
        self.assertTrue(self._customer(company).customer_base)

    @with_transaction()
    def test_iccid_unique_per_operator(self):
        "An ICCID is unique per operator, not across operators"
        ooredoo = self._operator()
        tt = self._operator("Tunisie Telecom", 'TT')
        self._sim(ooredoo, 7)
        self._sim(tt, 7)
        with self.assertRaises(Exception) as cm, savepoint():
            self._sim(ooredoo, 7)
        self.assertIn('ICCID', str(cm.exception))
        self.assertTrue(luhn_valid(luhn_complete('8921601000000000007')))

    @with_transaction()
    def test_puk_audited(self):
        "Agents see the PUK only through the audited action"
        pool = Pool()
        Sim = pool.get('telco.sim')
        Reveal = pool.get('telco.sim.reveal_puk', type='wizard')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        sim = self._sim(company, 3)
        with as_user(agent):
            with self.assertRaises(AccessError):
                Sim.read([sim.id], ['puk'])
            self.assertNotIn('puk', Sim.read([sim.id], ['iccid'])[0])
            with Transaction().set_context(
                    active_model='telco.sim', active_id=sim.id,
                    active_ids=[sim.id]):
                session_id, _, _ = Reveal.create()
                wizard = Reveal(session_id)
                wizard.start.reason = "Customer blocked his SIM"
                self.assertEqual(wizard.transition_reveal(), 'show')
                shown = wizard.default_show(['iccid', 'puk'])
        self.assertEqual(shown['puk'], '12345678')
        reveal, = sim.puk_reveals
        self.assertEqual(reveal.user, agent)
        self.assertEqual(reveal.reason, "Customer blocked his SIM")

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
                self.assertIn("Sami Trabelsi", cm.exception.message)
        with as_user(agent):
            # another operator's customer is not a duplicate
            party, = Party.create([{
                        'first_name': "Mouna", 'last_name': "Ayari",
                        'identity_number': '87654321'}])
            self.assertEqual(party.company, company)

    @with_transaction()
    def test_search_box(self):
        "One search box finds a customer by any criterion"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Line = pool.get('telco.line')
        company = self._operator()
        other = self._operator("Tunisie Telecom", 'TT')
        agent = create_staff('agent', company, GROUPS)
        sami = self._customer(
            company, identity_number='12345678',
            contact_mechanisms=[('create', [
                        {'type': 'mobile', 'value': '98123456'},
                        {'type': 'email', 'value': 'sami@example.tn'},
                        ])])
        Address.create([{'party': sami.id, 'city': 'Sousse'}])
        user = self._customer(company, first_name="Rim", last_name="Gharbi")
        Line.create([{
                    'company': company.id, 'customer': sami.id,
                    'user': user.id, 'number': '22 333 444'}])
        # a homonym of another operator must never be found
        self._customer(other, identity_number='12345678')
        queries = {
            'part of name': ('trabel', [sami]),
            'phone, local form': ('98 123 456', [sami]),
            'phone, international': ('+21698123456', [sami]),
            'phone, 00 prefix': ('0021698123456', [sami]),
            'identity number': ('12345678', [sami]),
            'e-mail': ('sami@example.tn', [sami]),
            'city': ('sousse', [sami]),
            'line number': ('22333444', [sami, user]),
            'code': (sami.code, [sami]),
            }
        with as_user(agent):
            for criterion, (text, expected) in queries.items():
                with self.subTest(criterion=criterion):
                    found = Party.search(
                        [('rec_name', 'ilike', f'%{text}%')])
                    self.assertEqual(
                        sorted(found), sorted(expected),
                        msg=f'{criterion}: {text}')
            self.assertEqual(
                Party.search([('rec_name', 'ilike', '%nobody%')]), [])
            # a page in name order reads only the first names
            for i in range(3):
                self._customer(company, first_name=f"A{i}")
            page = Party.search([('rec_name', 'ilike', '%trabel%')], limit=2)
            self.assertEqual(
                [p.name for p in page], ["A0 Trabelsi", "A1 Trabelsi"])
            self.assertEqual(
                len(Party.search([('rec_name', 'ilike', '%trabel%')])), 4)


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
            'i zaghouani': [],
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
    def test_customer_screen_fields(self):
        "The list and the form show the city, the address and the SIMs"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Line = pool.get('telco.line')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        sami = self._customer(company)
        rim = self._customer(company, first_name="Rim", last_name="Gharbi")
        Address.create([
                {'party': sami.id, 'street': "12 rue de Marseille",
                    'postal_code': '4000', 'city': "Sousse", 'sequence': 1},
                {'party': sami.id, 'city': "Tunis", 'sequence': 2},
                ])
        sims = [self._sim(company, i) for i in range(3)]
        Line.create([{
                    'company': company.id, 'customer': sami.id,
                    'kind': 'mobile_prepaid', 'number': number,
                    'sim': sim.id}
                for number, sim in zip(
                    ['98 000 001', '98 000 002'], sims[:2])])
        with as_user(agent):
            sami, rim = Party.browse([sami.id, rim.id])
            self.assertEqual(sami.city, "Sousse")
            self.assertEqual(rim.city, None)
            self.assertEqual(
                sami.main_address.splitlines(),
                ["12 rue de Marseille", "4000 Sousse"])
            self.assertEqual(sorted(sami.sims), sorted(sims[:2]))
            self.assertEqual(rim.sims, ())
            self.assertEqual(
                Party.search([('city', 'ilike', 'sous%')]), [sami])

            # the list: phone, identity number, city and state
            view = Party.fields_view_get(view_type='tree')
            columns = re.findall(r'<field name="(\w+)"', view['arch'])
            for name in ['name', 'customer_state', 'mobile', 'phone',
                    'identity_number', 'city']:
                with self.subTest(column=name):
                    self.assertIn(name, columns)
                    self.assertNotRegex(view['arch'],
                        rf'<field name="{name}"[^>]* optional="1"')
            records = Party.read(
                [sami.id, rim.id], list(view['fields']))
            self.assertEqual(
                [r['city'] for r in records], ["Sousse", None])

            # the form's first tab: who, how to reach them, state and
            # credit class; the lines and the SIMs tabs
            view = Party.fields_view_get(view_type='form')
            first = re.search(
                r'<page [^>]*id="telco_customer".*?</page>', view['arch'],
                re.S).group(0)
            for group in ['telco_who', 'telco_reach', 'telco_state']:
                self.assertIn(f'id="{group}"', first)
            for name in ['first_name', 'last_name', 'identity_number',
                    'mobile', 'phone', 'email', 'main_address',
                    'customer_state', 'credit_class']:
                with self.subTest(field=name):
                    self.assertIn(f'<field name="{name}"', first)
            self.assertRegex(view['arch'], r'<page [^>]*id="telco_lines"')
            self.assertIn('<page name="sims"', view['arch'])
            record, = Party.read([sami.id], list(view['fields']))
            self.assertEqual(
                sorted(record['sims']), sorted(s.id for s in sims[:2]))

    @with_transaction()
    def test_button_fields_refused(self):
        "States, decisions and dates change only through their buttons"
        pool = Pool()
        Party = pool.get('party.party')
        Line = pool.get('telco.line')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        party = self._customer(company)
        line, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'kind': 'fixed', 'number': '71 000 001'}])
        with as_user(agent):
            for Model, record, values in [
                    (Party, party, {'customer_state': 'suspended'}),
                    (Party, party, {'credit_class': 'A'}),
                    (Line, line, {'state': 'terminated'}),
                    ]:
                with self.subTest(values=values), savepoint():
                    with self.assertRaises(AccessError):
                        Model.write([Model(record.id)], values)
            with self.assertRaises(AccessError), savepoint():
                Party.create([{
                            'name': "Forged", 'customer_state': 'active'}])
            # the buttons still work
            Party.convert([Party(party.id)])
        self.assertEqual(Party(party.id).customer_state, 'active')

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
                with self.assertRaises(AccessError), savepoint():
                    replace.transition_replace()
                session_id, _, _ = Erase.create()
                erase = Erase(session_id)
                erase.ask.party = Party(theirs.id)
                with self.assertRaises(AccessError), savepoint():
                    erase.transition_erase()
        theirs = Party(theirs.id)
        self.assertEqual(theirs.name, "Leila Trabelsi")
        self.assertIsNone(theirs.replaced_by)

    @with_transaction()
    def test_puk_needs_reason(self):
        "Jumping to the PUK without a reason shows nothing"
        pool = Pool()
        Reveal = pool.get('telco.sim.reveal_puk', type='wizard')
        company = self._operator()
        agent = create_staff('agent', company, GROUPS)
        sim = self._sim(company, 4)
        with as_user(agent), Transaction().set_context(
                active_model='telco.sim', active_id=sim.id,
                active_ids=[sim.id]):
            session_id, _, _ = Reveal.create()
            with self.assertRaises(ValidationError):
                Reveal(session_id).default_show(['puk'])
        self.assertEqual(sim.puk_reveals, ())

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
