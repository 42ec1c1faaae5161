# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    as_user, assert_message, create_staff, run_queue)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .party import GROUPS, CustomerTestMixin


class TelcoPartyTestCase(
        SMTPTestMixin, CustomerTestMixin, CompanyTestMixin, PlatformTestCase):
    "Test Telco Party module"
    module = 'telco_party'

    @with_transaction()
    def test_customer_email(self):
        """A customer e-mail is written for customers with an address only,
        sent by the queue and, when refused, sent at once by the staff"""
        pool = Pool()
        CustomerEmail = pool.get('telco.customer.email')
        Mechanism = pool.get('party.contact_mechanism')
        company = self._operator()
        with_email = self._customer(company)
        without_email = self._customer(company, first_name="Ines")
        Mechanism.create([{
                    'party': with_email.id, 'type': 'email',
                    'value': 'sami@example.tn'}])
        agent = create_staff('agent', company, GROUPS)
        other = self._operator("Tunisie Telecom", 'TT')
        tt_agent = create_staff('tt_agent', other, GROUPS)

        self.smtp.stop()
        email, = CustomerEmail.queue([{
                    'company': company, 'party': party,
                    'subject': "Votre ligne", 'body': "Bonjour",
                    } for party in [with_email, without_email]])
        run_queue()
        self.assertEqual(
            (email.email_state, email.attempts), ('pending', 1))
        self.assertEqual(self.smtp.messages, [])

        self.smtp.start()
        with as_user(tt_agent):
            self.assertEqual(CustomerEmail.search([]), [])
            with self.assertRaises(AccessError) as cm:
                CustomerEmail.send([CustomerEmail(email.id)])
            assert_message(self, cm.exception, 'ir.msg_read_error')
        with as_user(agent):
            email = CustomerEmail(email.id)
            self.assertEqual(CustomerEmail.search([]), [email])
            CustomerEmail.send([email])
        email = CustomerEmail(email.id)
        self.assertEqual((email.email_state, email.attempts), ('sent', 2))
        (to, message), = self.smtp.messages
        self.assertEqual(to, ['sami@example.tn'])
        self.assertEqual(message['Subject'], "Votre ligne")
        self.assertIn("Ooredoo", message['From'])
        # a sent e-mail has no button any more
        with as_user(agent):
            with self.assertRaises(AccessButtonError) as cm:
                CustomerEmail.send([email])
            assert_message(self, cm.exception, 'ir.msg_button_state_record')


del PlatformTestCase
