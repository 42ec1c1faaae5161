# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Isolation of the methods the server exposes beyond search/read/write"
from trytond import backend
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.tools import is_instance_method
from trytond.transaction import Transaction

from .tools import assert_message, create_operator, create_staff


def call_rpc(Model, method, *args, context=None):
    """Call the method as the dispatcher does: through the RPC definition,
    which builds the records from the ids and values the client sends"""
    transaction = Transaction()
    rpc = Model.__rpc__[method]
    c_args, c_kwargs, c_context, _ = rpc.convert(
        Model, *args, dict(context or {}))
    with transaction.set_context(c_context):
        meth = getattr(Model, method)
        if rpc.instantiate == 0 and is_instance_method(Model, method):
            inst = c_args.pop(0)
            return rpc.result(meth(inst, *c_args, **c_kwargs))
        return rpc.result(meth(*c_args, **c_kwargs))


class AccessTestMixin:

    def _two_operators(self):
        pool = Pool()
        Party = pool.get('party.party')
        ooredoo = create_operator("Ooredoo", 'OOREDOO')
        tt = create_operator("Tunisie Telecom", 'TT')
        agent = create_staff('agent_ooredoo', ooredoo)
        other = create_staff('agent_tt', tt)
        with Transaction().set_context(company=ooredoo.id):
            own, = Party.create([{
                        'name': "Client Ooredoo", 'company': ooredoo.id,
                        'addresses': [('create', [{'city': "Sfax"}])]}])
        with Transaction().set_context(company=tt.id):
            foreign, = Party.create([{
                        'name': "Client TT", 'company': tt.id,
                        'addresses': [('create', [{'city': "Bizerte"}])]}])
        return ooredoo, tt, agent, other, own, foreign

    def _read_rule_error(self, record):
        # Rule.check names the failing rules of the record's own model only
        return gettext(
            'ir.msg_read_rule_error', ids=str(record.id),
            rules='', **record.__names__())

    @with_transaction()
    def test_rpc_copy_foreign_refused(self):
        "copy of another operator's record is refused, of one's own served"
        pool = Pool()
        Party = pool.get('party.party')
        ooredoo, tt, agent, _, own, foreign = self._two_operators()
        context = {'company': ooredoo.id}
        with Transaction().set_user(agent.id):
            with self.assertRaises(AccessError) as cm:
                call_rpc(Party, 'copy', [foreign.id], {'company': ooredoo.id},
                    context=context)
            self.assertEqual(
                cm.exception.message, self._read_rule_error(foreign))
            copies = call_rpc(Party, 'copy', [own.id], {}, context=context)
        copy, = Party.browse(copies)
        self.assertEqual(copy.company, ooredoo)
        self.assertEqual(Party.search_count([('name', '=', "Client TT")]), 1)

    @with_transaction()
    def test_rpc_export_data_child_foreign_refused(self):
        "export_data by id of another operator's child record is refused"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        ooredoo, tt, agent, _, own, foreign = self._two_operators()
        context = {'company': ooredoo.id}
        foreign_address, = foreign.addresses
        own_address, = own.addresses
        with Transaction().set_user(agent.id):
            with self.assertRaises(AccessError) as cm:
                call_rpc(Address, 'export_data', [foreign_address.id],
                    ['city', 'party/name'], context=context)
            self.assertEqual(
                cm.exception.message,
                self._read_rule_error(foreign_address))
            rows = call_rpc(Address, 'export_data', [own_address.id],
                ['city', 'party/name'], context=context)
        self.assertEqual(rows, [["Sfax", "Client Ooredoo"]])
        with Transaction().set_user(agent.id):
            with self.assertRaises(AccessError) as cm:
                call_rpc(Party, 'export_data', [foreign.id], ['name'],
                    context=context)
            assert_message(self, cm.exception, 'ir.msg_read_rule_error')

    @with_transaction()
    def test_rpc_on_change_forged_ids_refused(self):
        "on_change with another operator's ids answers nothing of it"
        pool = Pool()
        PayerAccount = pool.get('telco.payer_account')
        ooredoo, tt, agent, _, own, foreign = self._two_operators()
        context = {'company': ooredoo.id}
        with Transaction().set_user(agent.id):
            with self.assertRaises(AccessError) as cm:
                call_rpc(PayerAccount, 'on_change_customer', {
                        'customer': foreign.id, 'payer': None, 'name': None},
                    context=context)
            self.assertEqual(
                cm.exception.message, self._read_rule_error(foreign))
            changes = call_rpc(PayerAccount, 'on_change_customer', {
                    'customer': own.id, 'payer': None, 'name': None},
                context=context)
        self.assertEqual(changes['name'], "Client Ooredoo")
        self.assertEqual(changes['payer'], own.id)

    @with_transaction()
    def test_rpc_context_foreign_company_refused(self):
        "A context naming another operator or its employee is refused"
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        ooredoo, tt, agent, other, own, foreign = self._two_operators()
        tt_employee, = Employee.create([{
                    'company': tt.id, 'party': foreign.id}])
        with Transaction().set_user(agent.id):
            for context, message in [
                    ({'company': tt.id}, 'telco_base.msg_context_company'),
                    ({'company': 'x'}, 'telco_base.msg_context_company'),
                    ({'company': ooredoo.id, 'employee': tt_employee.id},
                        'telco_base.msg_context_employee'),
                    ]:
                with self.subTest(context=context):
                    with self.assertRaises(AccessError) as cm:
                        call_rpc(Party, 'search', [], 0, None, None,
                            context=context)
                    self.assertEqual(cm.exception.message, gettext(message))
            found = call_rpc(Party, 'search', [], 0, None, None,
                context={'company': ooredoo.id})
        self.assertIn(own.id, found)
        self.assertNotIn(foreign.id, found)

    @with_transaction()
    def test_preferences_foreign_company_employee_refused(self):
        "Preferences accept only the user's operators and employees"
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        ooredoo, tt, agent, other, own, foreign = self._two_operators()
        tt_employee, = Employee.create([{
                    'company': tt.id, 'party': foreign.id}])
        own_employee, = Employee.create([{
                    'company': ooredoo.id, 'party': own.id}])
        User.write([agent], {'employees': [('add', [own_employee.id])]})
        with Transaction().set_user(agent.id), \
                Transaction().set_context(company=ooredoo.id):
            for values, message in [
                    ({'company': tt.id}, 'telco_base.msg_context_company'),
                    ({'employee': tt_employee.id},
                        'telco_base.msg_context_employee'),
                    ]:
                with self.subTest(values=values):
                    with self.assertRaises(AccessError) as cm:
                        User.set_preferences(values)
                    self.assertEqual(cm.exception.message, gettext(message))
            User.set_preferences({'employee': own_employee.id})
            preferences = User.get_preferences()
        self.assertEqual(preferences['company'], ooredoo.id)
        self.assertEqual(preferences['employee'], own_employee.id)
        self.assertEqual(User(agent.id).company, ooredoo)

    @with_transaction()
    def test_resource_records_follow_operator(self):
        "Attachments, notes and e-mails keep to their resource's operator"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Email = pool.get('ir.email')
        ooredoo, tt, agent, other, own, foreign = self._two_operators()
        foreign_email, = Email.create([{
                    'resource': str(foreign), 'subject': "Devis TT",
                    'recipients': 'client@tt.example.com'}])
        foreign_pdf, = Attachment.create([{
                    'resource': str(foreign_email), 'name': 'devis.pdf',
                    'data': b'%PDF TT'}])
        foreign_note, = Note.create([{
                    'resource': str(foreign), 'message': "Note TT"}])
        own_pdf, = Attachment.create([{
                    'resource': str(own), 'name': 'contrat.pdf',
                    'data': b'%PDF Ooredoo'}])
        self.assertEqual(foreign_email.company, tt)
        self.assertEqual(foreign_pdf.company, tt)
        self.assertEqual(foreign_note.company, tt)
        self.assertEqual(own_pdf.company, ooredoo)
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            self.assertEqual(Attachment.search([]), [own_pdf])
            self.assertEqual(Note.search([]), [])
            self.assertEqual(Email.search([]), [])
            for Model, record in [
                    (Attachment, foreign_pdf), (Note, foreign_note),
                    (Email, foreign_email)]:
                with self.subTest(model=Model.__name__):
                    with self.assertRaises(AccessError) as cm:
                        Model.read([record.id], ['name' if Model is Attachment
                                else 'id'])
                    assert_message(self, cm.exception, 'ir.msg_read_error')
            with self.assertRaises(AccessError) as cm:
                Email.send(to='attacker@example.com', subject="x",
                    record=['party.party', own.id],
                    attachments=[foreign_pdf.id])
            assert_message(self, cm.exception, 'ir.msg_read_error')
            self.assertEqual(
                Attachment.read([own_pdf.id], ['data'])[0]['data'],
                b'%PDF Ooredoo')

    @with_transaction()
    def test_resource_records_of_unreadable_models_left_out(self):
        """Attachments, notes and the model log list what the user may
        read, leaving out the resources of models it may not read at all"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Log = pool.get('ir.model.log')
        PayerAccount = pool.get('telco.payer_account')
        ooredoo, tt, agent, other, own, foreign = self._two_operators()
        account, = PayerAccount.create([{
                    'company': ooredoo.id, 'customer': own.id,
                    'payer': own.id, 'name': "Compte principal"}])
        hidden_pdf, = Attachment.create([{
                    'resource': str(account), 'name': 'mandat.pdf',
                    'data': b'%PDF'}])
        own_pdf, = Attachment.create([{
                    'resource': str(own), 'name': 'contrat.pdf',
                    'data': b'%PDF'}])
        Note.create([{'resource': str(account), 'message': "Note"}])
        logs = Log.create([{
                    'resource': str(account), 'event': 'write',
                    'target': 'name', 'user': agent.id}, {
                    'resource': None, 'event': 'delete',
                    'user': agent.id}])
        # a user of the operator without the customer groups
        clerk = create_staff('clerk_ooredoo', ooredoo, groups=[])
        with Transaction().set_user(clerk.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            self.assertEqual(Attachment.search([]), [own_pdf])
            self.assertEqual(Note.search([]), [])
            # (other tests may have committed logs of deleted records)
            self.assertEqual(
                Log.search([('id', 'in', [log.id for log in logs])]),
                [logs[1]])
            with self.assertRaises(AccessError) as cm:
                Attachment.read([hidden_pdf.id], ['name'])
            assert_message(self, cm.exception, 'ir.msg_access_rule_error')
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            self.assertEqual(
                set(Attachment.search([])), {own_pdf, hidden_pdf})

    @with_transaction()
    def test_menu_of_action_for_other_groups_hidden(self):
        "A menu whose wizard is granted to other groups is not shown"
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        Group = pool.get('res.group')
        User = pool.get('res.user')
        ActionWizard = pool.get('ir.action.wizard')
        ooredoo, tt, agent, other, own, foreign = self._two_operators()
        erasers, = Group.create([{'name': "Erasers"}])
        wizard, = ActionWizard.create([{
                    'name': "Erase", 'wiz_name': 'party.erase',
                    'groups': [('add', [erasers.id])]}])
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            # a menu the agent sees
            open_menu, = Menu.search([('parent', '=', None)], limit=1)
        menu, = Menu.create([{
                    'name': "Erase a party", 'parent': open_menu.id,
                    'action': str(wizard.action)}])
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            self.assertEqual(Menu.search([('id', '=', menu.id)]), [])
            self.assertEqual(Menu.search([('id', '=', menu.id)],
                    count=True), 0)
        User.write([agent], {'groups': [('add', [erasers.id])]})
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            self.assertEqual(Menu.search([('id', '=', menu.id)]), [menu])

    @with_transaction()
    def test_email_complete_own_staff_only(self):
        "E-mail completion proposes the staff of the user's operators only"
        pool = Pool()
        Email = pool.get('ir.email')
        User = pool.get('res.user')
        ooredoo, tt, agent, other, own, foreign = self._two_operators()
        User.write([agent], {'email': 'amira@ooredoo.example.com'})
        User.write([other], {'email': 'amine@tt.example.com'})
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id):
            found = [a for _, a, _ in Email.complete('ami', 10)]
        self.assertIn('Agent Ooredoo <amira@ooredoo.example.com>', found)
        self.assertFalse([a for a in found if 'tt.example.com' in a])

    @with_transaction()
    def test_rpc_values_foreign_refused(self):
        "create and write refuse values that point to another operator"
        pool = Pool()
        PayerAccount = pool.get('telco.payer_account')
        Party = pool.get('party.party')
        ooredoo, tt, agent, _, own, foreign = self._two_operators()
        context = {'company': ooredoo.id}
        foreign_address, = foreign.addresses
        with Transaction().set_user(agent.id):
            with self.assertRaises(AccessError) as cm:
                call_rpc(PayerAccount, 'create', [{
                            'company': ooredoo.id, 'customer': own.id,
                            'payer': foreign.id, 'name': "X"}],
                    context=context)
            # the error names no record of the other operator
            self.assertNotIn("Client TT", cm.exception.message)
            self.assertEqual(
                cm.exception.message, self._read_rule_error(foreign))
            with self.assertRaises(AccessError) as cm:
                call_rpc(Party, 'write', [own.id], {
                        'addresses': [('add', [foreign_address.id])]},
                    context=context)
            assert_message(self, cm.exception, 'ir.msg_read_rule_error')
            account_ids = call_rpc(PayerAccount, 'create', [{
                        'company': ooredoo.id, 'customer': own.id,
                        'payer': own.id, 'name': "Compte"}],
                context=context)
        account, = PayerAccount.browse(account_ids)
        self.assertEqual(account.payer, own)

    @with_transaction()
    def test_row_for_other_operator_clear_error(self):
        "A row written for another operator is refused with a clear message"
        pool = Pool()
        Category = pool.get('telco.customer.category')
        if backend.name != 'postgresql':
            self.skipTest("row-level security is PostgreSQL's")
        ooredoo, tt, agent, _, own, foreign = self._two_operators()
        with Transaction().set_user(agent.id), Transaction().set_context(
                company=ooredoo.id, _check_access=True):
            with self.assertRaises(AccessError) as cm:
                Category.create([{
                            'company': tt.id, 'kind': 'collection',
                            'code': 'X', 'name': "X"}])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_base.msg_row_other_operator',
                    **Category.__names__()))
            # the transaction goes on
            category, = Category.create([{
                        'company': ooredoo.id, 'kind': 'collection',
                        'code': 'Y', 'name': "Y"}])
        self.assertEqual(category.company, ooredoo)
