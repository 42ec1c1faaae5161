# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessButtonError, AccessError, SQLConstraintError, ValidationError)
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_line.tests.line import LineFixtures
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .access import AccessTestMixin
from .brand import BrandTestMixin
from .calendar_ import CalendarEngineTestCase, CalendarTestMixin
from .gating import GatingTestMixin
from .input import InputTestMixin
from .login import LoginTestMixin
from .rls import RLSTestMixin
from .smtp import SMTPTestMixin
from .tools import (
    as_user, assert_message, create_operator, create_staff, run_queue,
    savepoint)


__all__ = ['CalendarEngineTestCase', 'TelcoBaseTestCase']


class TelcoBaseTestCase(
        LineFixtures, AccessTestMixin, CalendarTestMixin, GatingTestMixin,
        SMTPTestMixin, RLSTestMixin, InputTestMixin, LoginTestMixin,
        BrandTestMixin, CompanyTestMixin, PlatformTestCase):
    "Test Telco Base module"
    module = 'telco_base'
    # the walls between operators are tested on the operator-owned models
    # of the first modules built on telco_base (customers, lines)

    @with_transaction()
    def test_operator_branding_validation(self):
        "Operator code, colours and e-mail are checked"
        pool = Pool()
        Company = pool.get('company.company')
        company = create_operator("Orange Tunisie", 'orange')
        self.assertEqual(company.code, 'ORANGE')
        self.assertEqual(company.party.company, company)
        for values, message in [
                ({'primary_color': 'red'},
                    'telco_base.msg_operator_color_invalid'),
                ({'secondary_color': '#12345'},
                    'telco_base.msg_operator_color_invalid'),
                ({'admin_email': 'not an e-mail'},
                    'telco_base.msg_operator_email_invalid'),
                ({'code': 'OR ANGE'}, 'telco_base.msg_operator_code_invalid'),
                ]:
            with self.subTest(values=values):
                with self.assertRaises(ValidationError) as cm, savepoint():
                    Company.write([Company(company.id)], values)
                assert_message(self, cm.exception, message)
        Company.write([company], {
                'primary_color': '#FF7900', 'admin_email': 'it@orange.tn'})
        self.assertEqual(company.display_name, "Orange Tunisie")

    @with_transaction()
    def test_branding(self):
        "The client gets the branding of the user's operator only"
        pool = Pool()
        Company = pool.get('company.company')
        ooredoo = create_operator("Ooredoo Tunisie", 'OOREDOO')
        Company.write([ooredoo], {'primary_color': '#E30613'})
        tt = create_operator("Tunisie Telecom", 'TT')
        agent = create_staff('agent', ooredoo)
        with as_user(agent):
            branding = Company.get_branding()
        self.assertEqual(branding['code'], 'OOREDOO')
        self.assertEqual(branding['name'], "Ooredoo Tunisie")
        self.assertEqual(branding['primary_color'], '#E30613')
        # a foreign company in the context is ignored
        with as_user(agent, company=tt):
            self.assertEqual(Company.get_branding()['code'], 'OOREDOO')

    @with_transaction()
    def test_operator_code_unique(self):
        "Two operators cannot share a code"
        create_operator("Ooredoo", 'OOREDOO')
        with self.assertRaises(SQLConstraintError) as cm:
            create_operator("Ooredoo bis", 'OOREDOO')
        self.assertEqual(cm.exception.message,
            gettext('telco_base.msg_operator_code_unique'))

    @with_transaction()
    def test_customer_language(self):
        """A customer without language gets the operator's language for
        customers; the legal mentions are translatable"""
        pool = Pool()
        Company = pool.get('company.company')
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        fr, = Lang.search([('code', '=', 'fr')])
        en, = Lang.search([('code', '=', 'en')])
        with Transaction().set_context(company=company.id):
            customer, english = Party.create([
                    {'name': "Sami Trabelsi", 'company': company.id},
                    {'name': "John Smith", 'company': company.id,
                        'lang': en.id}])
        self.assertIsNone(company.customer_language(customer))
        self.assertIsNone(company.customer_language())
        # only a translatable language can be the customers'
        Lang.write([fr], {'translatable': False})
        with self.assertRaises(ValidationError) as cm, savepoint():
            Company.write([company], {'customer_lang': fr.id})
        assert_message(self, cm.exception, 'ir.msg_domain_validation_record')
        Lang.write([fr], {'translatable': True})
        Company.write([company], {
                'customer_lang': fr.id,
                'legal_mentions': "Limited company"})
        with Transaction().set_context(language='fr'):
            Company.write([company], {'legal_mentions': "Société anonyme"})
        company = Company(company.id)
        self.assertEqual(company.customer_language(customer), fr)
        self.assertEqual(company.customer_language(), fr)
        self.assertEqual(company.customer_language(english), en)
        self.assertEqual(company.legal_mentions, "Limited company")
        with Transaction().set_context(language='fr'):
            self.assertEqual(
                Company(company.id).legal_mentions, "Société anonyme")
        arch = Company.fields_view_get(view_type='form')['arch']
        for name in ['customer_lang', 'legal_mentions']:
            self.assertIn(f'name="{name}"', arch)

    @with_transaction()
    def test_platform_admin_gets_new_operators(self):
        "A new operator is added to every platform administrator"
        pool = Pool()
        User = pool.get('res.user')
        company = create_operator("Lycamobile", 'LYCA')
        admin = User(1)
        self.assertIn(company, admin.companies)

    @with_transaction()
    def test_enabled_features(self):
        "The running subscriptions give the enabled features"
        pool = Pool()
        Feature = pool.get('telco.feature')
        # a feature the platform sells before its module exists
        portal, = Feature.create([{
                    'code': 'portal', 'name': "Customer Portal",
                    'monthly_price': 80, 'currency_code': 'TND'}])
        company = create_operator(
            "Ooredoo", 'OOREDOO', features=['clients', 'portal'])
        self.assertEqual(company.enabled_features(), {'clients', 'portal'})
        # each feature is declared by the module that provides it
        clients, = Feature.search([('code', '=', 'clients')])
        self.assertEqual(clients.module, 'telco_party')
        self.assertIsNone(portal.module)
        self.assertEqual(
            Feature.search([('module', '=', 'telco_party')]), [clients])

    @with_transaction()
    def test_notification_email(self):
        "A notification appears in the client and is e-mailed by the queue"
        pool = Pool()
        Notification = pool.get('telco.notification')
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        user = create_staff(
            'agent', company, email='agent@ooredoo.example.com')
        transaction = Transaction()

        notification, = Notification.notify(
            [user], "Claim assigned", "Claim 42 is yours.", company=company)

        client_notification, = [
            n for n in transaction.user_notifications
            if int(n.user) == user.id]
        self.assertEqual(client_notification.label, "Claim assigned")
        self.assertEqual(notification.email_state, 'pending')
        self.assertEqual(self.smtp.messages, [])

        run_queue()
        self.assertEqual(notification.email_state, 'sent')
        self.assertEqual(notification.attempts, 1)
        (to, message), = self.smtp.messages
        self.assertEqual(to, ['agent@ooredoo.example.com'])
        self.assertEqual(message['Subject'], "Claim assigned")
        self.assertIn("Ooredoo Tunisie", message['From'])
        self.assertIn("Claim 42 is yours.", message.get_content())

    @with_transaction()
    def test_notification_email_retried(self):
        "An e-mail is kept pending while SMTP is down and sent by the cron"
        pool = Pool()
        Notification = pool.get('telco.notification')
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        company = create_operator("Tunisie Telecom", 'TT')
        user = create_staff('agent', company, email='agent@tt.example.com')

        self.smtp.stop()
        notification, = Notification.notify(
            [user], "Claim about to breach", company=company)
        run_queue()
        self.assertEqual(notification.email_state, 'pending')
        self.assertEqual(notification.attempts, 1)
        self.assertTrue(notification.last_error)

        Notification.retry_emails()
        self.assertEqual(notification.attempts, 2)
        self.assertEqual(notification.email_state, 'pending')

        self.smtp.start()
        cron = Cron(ModelData.get_id('telco_base', 'cron_retry_emails'))
        self.assertEqual(cron.method, 'telco.notification|retry_emails')
        Notification.retry_emails()
        self.assertEqual(notification.email_state, 'sent')
        self.assertEqual(notification.attempts, 3)
        self.assertIsNone(notification.last_error)
        self.assertEqual(len(self.smtp.messages), 1)

    @with_transaction()
    def test_notification_without_email(self):
        "A user without e-mail still gets the in-client notification"
        pool = Pool()
        Notification = pool.get('telco.notification')
        company = create_operator("Ooredoo", 'OOREDOO')
        user = create_staff('agent', company)
        notification, = Notification.notify([user], "Hello", company=company)
        self.assertEqual(notification.email_state, 'no_address')
        self.assertFalse(Transaction().tasks)

    @with_transaction()
    def test_notifications_private(self):
        "Staff see only their own notifications"
        pool = Pool()
        Notification = pool.get('telco.notification')
        ooredoo = create_operator("Ooredoo", 'OOREDOO')
        tt = create_operator("Tunisie Telecom", 'TT')
        agent1 = create_staff('agent1', ooredoo, groups=[
                'telco_base.group_agent'])
        agent2 = create_staff('agent2', ooredoo, groups=[
                'telco_base.group_agent'])
        manager = create_staff('manager', ooredoo)
        tt_agent = create_staff('tt_agent', tt)
        for user, company in [
                (agent1, ooredoo), (agent2, ooredoo), (tt_agent, tt)]:
            Notification.notify([user], f"For {user.login}", company=company)
        with as_user(agent1):
            self.assertEqual(
                [n.subject for n in Notification.search([])],
                ["For agent1"])
        # not even an operator administrator reads the others'
        with as_user(manager):
            self.assertEqual(Notification.search([]), [])

    @with_transaction()
    def test_contact_admin(self):
        "Any user can write to the platform administrator, who answers"
        pool = Pool()
        User = pool.get('res.user')
        Request = pool.get('telco.admin.request')
        Notification = pool.get('telco.notification')
        ContactAdmin = pool.get('telco.admin.contact', type='wizard')
        admin = User(1)
        User.write([admin], {'email': 'platform@telco.example.com'})
        company = create_operator("Ooredoo Tunisie", 'OOREDOO')
        agent = create_staff(
            'agent', company, groups=['telco_base.group_agent'],
            email='agent@ooredoo.example.com')

        with as_user(agent):
            session_id, _, _ = ContactAdmin.create()
            result = ContactAdmin.execute(session_id, {
                    'start': {
                        'kind': 'bug',
                        'subject': "Search is slow",
                        'body': "Searching a phone number takes 5 s.",
                        },
                    }, 'send')
            # the user is told the message is sent
            self.assertEqual(result['view']['state'], 'done')
            self.assertIn(
                "Your message has been sent",
                result['view']['fields_view']['arch'])
            self.assertEqual(
                [b['state'] for b in result['view']['buttons']], ['end'])
            ContactAdmin.delete(session_id)
            request, = Request.search([])
            self.assertEqual(request.user, agent)
            self.assertEqual(request.company, company)
            self.assertEqual(request.state, 'open')
            with self.assertRaises(AccessButtonError) as cm:
                Request.answer_([request])
            assert_message(self, cm.exception, 'ir.msg_access_button_error')

        to_admin, = Notification.search([('user', '=', admin.id)])
        self.assertIn("Search is slow", to_admin.subject)
        self.assertIn("Ooredoo Tunisie", to_admin.subject)
        self.assertEqual(to_admin.resource, request)
        run_queue()
        (to, message), = self.smtp.messages
        self.assertEqual(to, ['platform@telco.example.com'])
        self.assertIn("Searching a phone number", message.get_content())

        with self.assertRaises(ValidationError) as cm:
            Request.answer_([request])
        assert_message(
            self, cm.exception, 'telco_base.msg_admin_request_answer_required')
        Request.write([request], {'answer': "Fixed in 8.0.1, thanks."})
        Request.answer_([request])
        self.assertEqual(request.state, 'answered')
        self.assertEqual(request.answered_by, admin)
        to_agent, = Notification.search([('user', '=', agent.id)])
        self.assertEqual(to_agent.body, "Fixed in 8.0.1, thanks.")

    @with_transaction()
    def test_contact_admin_foreign_operator(self):
        "A request is filed under the user's operator whatever the context"
        pool = Pool()
        Request = pool.get('telco.admin.request')
        ContactAdmin = pool.get('telco.admin.contact', type='wizard')
        company = create_operator("Ooredoo", 'OOREDOO')
        other = create_operator("Tunisie Telecom", 'TT')
        agent = create_staff(
            'agent', company, groups=['telco_base.group_agent'])
        with as_user(agent, company=other):
            session_id, _, _ = ContactAdmin.create()
            wizard = ContactAdmin(session_id)
            wizard.start.kind = 'question'
            wizard.start.subject = "?"
            wizard.start.body = "?"
            wizard.transition_send()
        request, = Request.search([('user', '=', agent.id)])
        self.assertEqual(request.company, company)
        with as_user(agent):
            with self.assertRaises(AccessError) as cm, savepoint():
                Request.create([{
                            'kind': 'question', 'subject': "Forged",
                            'body': "?", 'state': 'answered',
                            'answer': "Yes, you may"}])
            assert_message(
                self, cm.exception, 'telco_base.msg_field_by_button')
            with self.assertRaises(AccessError) as cm, savepoint():
                Request.create([{
                            'kind': 'question', 'subject': "Forged",
                            'body': "?", 'user': 1}])
            assert_message(self, cm.exception, 'ir.msg_create_rule_error')

    @with_transaction()
    def test_contact_admin_requests_private(self):
        "A user sees only the requests he sent"
        pool = Pool()
        Request = pool.get('telco.admin.request')
        company = create_operator("Ooredoo", 'OOREDOO')
        agent1 = create_staff(
            'agent1', company, groups=['telco_base.group_agent'])
        agent2 = create_staff(
            'agent2', company, groups=['telco_base.group_agent'])
        for agent in [agent1, agent2]:
            with as_user(agent):
                Request.create([{
                            'kind': 'question', 'subject': agent.login,
                            'body': "?"}])
        with as_user(agent1):
            self.assertEqual(
                [r.subject for r in Request.search([])], ['agent1'])

    @with_transaction()
    def test_party_per_operator(self):
        "Parties carry the operator of the user who creates them"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_operator("Ooredoo", 'OOREDOO')
        agent = create_staff('agent', company)
        with as_user(agent):
            party, = Party.create([{'name': "Mohamed Ben Ali"}])
            self.assertEqual(party.company, company)


del PlatformTestCase
