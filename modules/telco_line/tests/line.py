# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re
import threading

from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, SQLConstraintError, ValidationError)
from trytond.modules.telco_base.tests.tools import (
    as_user, assert_message, create_staff, savepoint)
from trytond.modules.telco_line.exceptions import LineValidationError
from trytond.modules.telco_line.tests.tools import luhn_complete
from trytond.modules.telco_party.tests.party import GROUPS, CustomerFixtures
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction


class LineFixtures(CustomerFixtures):
    "Operators, customers and SIM cards for the tests"

    def _sim(self, company, serial):
        pool = Pool()
        Sim = pool.get('telco.sim')
        sim, = Sim.create([{
                    'company': company.id,
                    'iccid': luhn_complete('8921601%011d' % serial),
                    'puk': '12345678', 'pin': '0000'}])
        return sim


class LineTestMixin(LineFixtures):
    "Test lines and SIM cards of customers"

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
            ('telco_party.msg_invalid_cin', lambda: Party.write(
                    [party], {'identity_number': '1234567'})),
            ('party.msg_invalid_phone_number', lambda: Mechanism.create([{
                            'party': party.id, 'type': 'mobile',
                            'value': '12'}])),
            ('telco_party.msg_invalid_email', lambda: Mechanism.create([{
                            'party': party.id, 'type': 'email',
                            'value': 'sami.trabelsi'}])),
            ('telco_line.msg_invalid_iccid', lambda: Sim.create([{
                            'company': company.id,
                            'iccid': '8921601000000000001'}])),
            ('telco_line.msg_invalid_imsi', lambda: Sim.create([{
                            'company': company.id,
                            'iccid': luhn_complete('892160100000000000'),
                            'imsi': '60501'}])),
            ('telco_line.msg_invalid_line_number', lambda: Line.create([{
                            'company': company.id, 'customer': party.id,
                            'number': '123'}])),
            ]
        for message, func in cases:
            with self.subTest(message=message), savepoint():
                with self.assertRaises(ValidationError) as cm:
                    func()
                assert_message(self, cm.exception, message)
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
        with self.assertRaises(ValidationError) as cm, savepoint():
            Party.write([head], {'parent': branch.id})
        assert_message(
            self, cm.exception, 'telco_party.msg_party_parent_recursion')

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
        with self.assertRaises(DomainValidationError) as cm, savepoint():
            PayerAccount.create([{
                        'company': company.id, 'customer': head.id,
                        'payer': other.id, 'name': "Wrong"}])
        assert_message(self, cm.exception, 'ir.msg_domain_validation_record')

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
        with self.assertRaises(ValidationError) as cm, savepoint():
            Line.activate([line])
        assert_message(self, cm.exception, 'telco_line.msg_line_sim_required')
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
        with self.assertRaises(LineValidationError) as cm, savepoint():
            Line.activate([twin])
        self.assertEqual(cm.exception.message, gettext(
                'telco_line.msg_line_number_unique',
                number='+216 98 765 432'))
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
        assert_message(
            self, cm.exception, 'telco_line.msg_line_customer_inactive')
        Party.reactivate([Party(party.id)])
        self.assertEqual(Line(line.id).state, 'active')
        Party.suspend([Party(party.id)])
        Party.terminate([Party(party.id)])
        self.assertEqual(Line(line.id).state, 'terminated')

    @with_transaction()
    def test_reactivate_keeps_line_suspended_alone(self):
        """Reactivating a customer reactivates the lines suspended with it,
        not a line suspended on its own before"""
        pool = Pool()
        Party = pool.get('party.party')
        Line = pool.get('telco.line')
        LineState = pool.get('telco.line.state')
        company = self._operator()
        party = self._customer(company)
        alone, with_customer = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'kind': 'fixed', 'number': '71 234 567'}, {
                    'company': company.id, 'customer': party.id,
                    'kind': 'fixed', 'number': '71 234 568'}])
        Line.activate([alone, with_customer])
        # the line was suspended an hour ago (unpaid), on its own, in an
        # earlier transaction
        Line.suspend([alone])
        change, = [h for h in Line(alone.id).history
            if h.to_state == 'suspended']
        LineState.write([change], {
                'date': dt.datetime.now() - dt.timedelta(hours=1)})
        Party.suspend([Party(party.id)])
        self.assertEqual(
            [Line(alone.id).state, Line(with_customer.id).state],
            ['suspended', 'suspended'])

        Party.reactivate([Party(party.id)])
        self.assertEqual(Party(party.id).customer_state, 'active')
        self.assertEqual(Line(with_customer.id).state, 'active')
        self.assertEqual(Line(alone.id).state, 'suspended')

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
        with self.assertRaises(ValidationError) as cm, savepoint():
            Line.activate([Line(second.id)])
        assert_message(self, cm.exception, 'telco_line.msg_sim_in_use')

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
                'telco_line.msg_line_number_unique',
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
                    'telco_line.msg_line_number_unique',
                    number=Line(loser_id).rec_name))

    @with_transaction()
    def test_iccid_unique_per_operator(self):
        "An ICCID is unique per operator, not across operators"
        ooredoo = self._operator()
        tt = self._operator("Tunisie Telecom", 'TT')
        self._sim(ooredoo, 7)
        self._sim(tt, 7)
        with self.assertRaises(SQLConstraintError) as cm, savepoint():
            self._sim(ooredoo, 7)
        self.assertEqual(
            cm.exception.message, gettext('telco_line.msg_sim_iccid_unique'))

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
            with self.assertRaises(AccessError) as cm:
                Sim.read([sim.id], ['puk'])
            assert_message(
                self, cm.exception, 'ir.msg_access_rule_field_error')
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
    def test_search_line_number_end(self):
        """The last digits of a line number, as an agent reads them from a
        screen or a caller, find its customer and its user"""
        pool = Pool()
        Party = pool.get('party.party')
        Line = pool.get('telco.line')
        company = self._operator()
        other = self._operator("Tunisie Telecom", 'TT')
        agent = create_staff('agent', company, GROUPS)
        sami = self._customer(company)
        rim = self._customer(company, first_name="Rim", last_name="Gharbi")
        ines = self._customer(company, first_name="Ines", last_name="Mejri")
        Line.create([{
                    'company': company.id, 'customer': sami.id,
                    'user': rim.id, 'number': '20 114 233'}, {
                    'company': company.id, 'customer': ines.id,
                    'number': '71 842 310'}])
        # the same ending at another operator is never found
        stranger = self._customer(other)
        Line.create([{
                    'company': other.id, 'customer': stranger.id,
                    'number': '98 114 233'}])

        def words(text):
            return [['rec_name', 'ilike', f'%{w}%'] for w in text.split()]
        queries = {
            '4233': [sami, rim],
            '114 233': [sami, rim],
            '0114233': [sami, rim],
            '2310': [ines],
            # the beginning or the middle of a number is no ending
            '2011': [],
            '1142': [],
            # three digits are too few to tell a line
            '233': [],
            }
        with as_user(agent):
            for text, expected in queries.items():
                with self.subTest(text=text):
                    self.assertEqual(
                        sorted(Party.search(words(text))), sorted(expected))

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
                    with self.assertRaises(AccessError) as cm:
                        Model.write([Model(record.id)], values)
                    field, = values
                    self.assertEqual(cm.exception.message, gettext(
                            'telco_base.msg_field_by_button',
                            field=getattr(Model, field).string,
                            model=Model.__names__()['model']))
            with self.assertRaises(AccessError) as cm, savepoint():
                Party.create([{
                            'name': "Forged", 'customer_state': 'active'}])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_base.msg_field_by_button',
                    field=Party.customer_state.string,
                    model=Party.__names__()['model']))
            # the buttons still work
            Party.convert([Party(party.id)])
        self.assertEqual(Party(party.id).customer_state, 'active')

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
            with self.assertRaises(ValidationError) as cm:
                Reveal(session_id).default_show(['puk'])
            assert_message(
                self, cm.exception, 'telco_line.msg_puk_reason_required')
        self.assertEqual(sim.puk_reveals, ())
