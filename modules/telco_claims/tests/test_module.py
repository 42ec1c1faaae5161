# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import zipfile
from decimal import Decimal

from trytond.model.exceptions import (
    AccessButtonError, AccessError, DomainValidationError, ValidationError)
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, assert_message, create_operator, create_staff,
    run_queue, savepoint)
from trytond.modules.telco_base.calendar_ import add_business_hours
from trytond.modules.telco_claims import similarity
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tools import timezone as tz
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

AGENT = STAFF_GROUPS + ['telco_claims.group_claim']
SUPERVISOR = AGENT + ['telco_claims.group_claim_supervisor']


class TelcoClaimsTestCase(SMTPTestMixin, CompanyTestMixin, PlatformTestCase):
    "Test Telco Claims module"
    module = 'telco_claims'

    def _setup(self, features=('clients', 'claims')):
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        ServiceLevel = pool.get('telco.claim.service_level')
        Country = pool.get('country.country')
        Company = pool.get('company.company')
        tunisia, = Country.create([{'name': "Tunisia", 'code': 'TN'}])
        company = create_operator("Ooredoo Tunisie", 'OOREDOO', features)
        Company.write([company], {'phone_country': tunisia.id})
        agent = create_staff(
            'agent', company, AGENT, email='agent@ooredoo.example.com')
        supervisor = create_staff(
            'supervisor', company, SUPERVISOR,
            email='supervisor@ooredoo.example.com')
        with Transaction().set_context(company=company.id):
            customer, = Party.create([{
                        'name': "Sami Trabelsi", 'company': company.id}])
            Mechanism.create([{
                        'party': customer.id, 'type': 'email',
                        'value': 'sami@example.tn'}])
            ServiceLevel.create([{
                        'company': company.id, 'branch': 'technical',
                        'priority': 'normal', 'resolution_hours': 8,
                        'warning_hours': 2,
                        }, {
                        'company': company.id, 'branch': 'financial',
                        'priority': 'normal', 'resolution_hours': 16,
                        'warning_hours': 4,
                        }])
        return company, agent, supervisor, customer

    def _claim(self, company, customer, **values):
        pool = Pool()
        Claim = pool.get('telco.claim')
        values.setdefault('subject', "Coupure internet fibre à Sfax")
        values.setdefault(
            'description', "La connexion fibre est coupée depuis hier.")
        claim, = Claim.create([dict(
                    company=company.id,
                    party=customer.id if customer else None, **values)])
        return claim

    @with_transaction()
    def test_resources_of_claims_other_operator(self):
        """Another operator's claim attachments break no list of one
        without claims"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Party = pool.get('party.party')
        company, agent, _, customer = self._setup()
        claim = self._claim(company, customer)
        Attachment.create([{
                    'resource': str(claim), 'name': 'photo.jpg',
                    'data': b'JPEG'}])
        Note.create([{'resource': str(claim), 'message': "Rappel"}])
        tt = create_operator("Tunisie Telecom", 'TT', ('clients',))
        tt_agent = create_staff('agent_tt', tt)
        with Transaction().set_context(company=tt.id):
            tt_customer, = Party.create([{
                        'name': "Client TT", 'company': tt.id}])
        tt_note, = Note.create([{
                    'resource': str(tt_customer), 'message': "Client VIP"}])
        with as_user(tt_agent):
            # the claims feature is not TT's: its model is refused...
            with self.assertRaises(AccessError) as cm:
                pool.get('telco.claim').search([])
            assert_message(
                self, cm.exception, 'telco_base.msg_feature_disabled')
            self.assertIn(tt.rec_name, cm.exception.message)
            # ...yet the lists of attachments and notes work
            self.assertEqual(Attachment.search([]), [])
            self.assertEqual(Note.search([]), [tt_note])
        with as_user(agent):
            self.assertEqual(len(Attachment.search([])), 1)
            self.assertEqual(
                [n.message for n in Note.search([])], ["Rappel"])

    def test_keywords(self):
        "Keywords ignore case, accents, stop words and plurals"
        self.assertEqual(
            similarity.keywords("Les Factures élevées", "de mon compte"),
            ['compte', 'elevee', 'facture'])
        a = similarity.keywords("Coupure fibre Sfax routeur rouge")
        # the same words written otherwise give the same keys, one per band
        self.assertEqual(
            similarity.band_keys(similarity.keywords(
                    "ROUTEUR rouge sfax Fibre coupure")),
            similarity.band_keys(a))
        self.assertEqual(len(similarity.band_keys(a)), similarity.BANDS)
        self.assertNotEqual(
            similarity.band_keys(a),
            similarity.band_keys(similarity.keywords("Facture trop élevée")))
        b = similarity.keywords("Facture trop élevée ce mois")
        self.assertEqual(similarity.jaccard(a, b), 0)
        self.assertEqual(similarity.score(a, b, same_branch=True), 0)

    @with_transaction()
    def test_workflow_and_history(self):
        "A claim walks the workflow by buttons with a full history"
        pool = Pool()
        Claim = pool.get('telco.claim')
        company, agent, supervisor, customer = self._setup()
        with as_user(agent):
            claim = self._claim(company, customer)
            # the operator's first claim; no business calendar: every hour
            # of the 8 of its service level counts (warning 2 h before)
            self.assertEqual(
                claim.number, f'R{claim.opened_at.year}-000001')
            self.assertEqual(claim.state, 'draft')
            self.assertEqual(
                claim.due_date - claim.opened_at, dt.timedelta(hours=8))
            self.assertEqual(
                claim.due_date - claim.warning_date, dt.timedelta(hours=2))
            Claim.open([claim])
            Claim.start([claim])
            with self.assertRaises(ValidationError) as cm:
                Claim.resolve([claim])
            assert_message(self, cm.exception,
                'telco_claims.msg_claim_resolution_required')
            Claim.write([claim], {'resolution': "Router replaced."})
            Claim.resolve([claim])
            claim = Claim(claim.id)
            self.assertEqual(claim.state, 'resolved')
            self.assertEqual(claim.resolved_by, agent)
            Claim.reopen([claim])
            claim = Claim(claim.id)
            self.assertEqual(claim.state, 'in_progress')
            self.assertIsNone(claim.resolved_at)
            self.assertEqual(
                [(h.from_state, h.to_state, h.user) for h in
                    reversed(claim.history)],
                [('draft', 'open', agent), ('open', 'in_progress', agent),
                    ('in_progress', 'resolved', agent),
                    ('resolved', 'in_progress', agent)])
            # no free state edits, no forged dates
            for field, call in [
                    ('state', lambda: Claim.write(
                            [claim], {'state': 'resolved'})),
                    ('due_date', lambda: Claim.write(
                            [claim], {'due_date': dt.datetime(2099, 1, 1)})),
                    ('breached', lambda: self._claim(
                            company, customer, breached=True)),
                    ]:
                with self.assertRaises(AccessError) as cm:
                    call()
                self.assertEqual(cm.exception.message, gettext(
                        'telco_base.msg_field_by_button',
                        field=getattr(Claim, field).string,
                        model=Claim.__names__()['model']))
            # closing needs a reason, cancelling a supervisor
            other = self._claim(company, customer)
            Claim.open([other])
            with self.assertRaises(ValidationError) as cm:
                Claim.close([other])
            assert_message(self, cm.exception,
                'telco_claims.msg_claim_close_reason_required')
            with self.assertRaises(AccessButtonError) as cm:
                Claim.cancel([other])
            assert_message(self, cm.exception, 'ir.msg_access_button_error')
            # agents delete no claim
            with self.assertRaises(AccessError) as cm:
                Claim.delete([other])
            assert_message(self, cm.exception, 'ir.msg_access_rule_error')
        with as_user(supervisor):
            # a supervisor deletes drafts and cancelled claims only
            with self.assertRaises(AccessError) as cm, savepoint():
                Claim.delete([Claim(other.id)])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_claims.msg_claim_delete_running',
                    claim=Claim(other.id).rec_name))
            Claim.cancel([Claim(other.id)])
            self.assertEqual(Claim(other.id).state, 'cancelled')
            Claim.delete([Claim(other.id)])
            self.assertEqual(Claim.search([('id', '=', other.id)]), [])

    @with_transaction()
    def test_reopen_delay(self):
        "A resolved claim reopens only within the operator's delay"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Company = pool.get('company.company')
        company, agent, _, customer = self._setup()
        Company.write([company], {'claim_reopen_days': 3})
        claim = self._claim(company, customer, resolution="Done.")
        Claim.open([claim])
        Claim.resolve([claim])
        Claim.write([claim], {
                'resolved_at': dt.datetime.now() - dt.timedelta(days=5)})
        with as_user(agent):
            with self.assertRaises(UserError) as cm:
                Claim.reopen([Claim(claim.id)])
            self.assertIn("3 days", cm.exception.message)

    @with_transaction()
    def test_financial_credit(self):
        "A financial resolution keeps an amount to credit for billing"
        pool = Pool()
        Claim = pool.get('telco.claim')
        company, agent, _, customer = self._setup()
        with as_user(agent):
            with self.assertRaises(ValidationError) as cm:
                self._claim(company, customer, branch='technical',
                    credit_amount=Decimal('5'))
            self.assertIn("Only a financial claim", cm.exception.message)
            with self.assertRaises(DomainValidationError) as cm:
                self._claim(company, customer, branch='financial',
                    credit_amount=Decimal('-5'))
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')
            claim = self._claim(
                company, customer, branch='financial',
                subject="Facture trop élevée", credit_amount=Decimal('12.5'),
                resolution="Roaming charged twice: credit.")
            Claim.open([claim])
            Claim.resolve([claim])
            self.assertEqual(Claim(claim.id).credit_state, 'to_credit')

    @with_transaction()
    def test_bad_input(self):
        "Bad input gets clear errors and nothing is saved"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Line = pool.get('telco.line')
        Party = pool.get('party.party')
        company, agent, _, customer = self._setup()
        other = create_operator("Tunisie Telecom", 'TT')
        with Transaction().set_context(company=other.id):
            other_customer, = Party.create([{
                        'name': "Client TT", 'company': other.id}])
            other_line, = Line.create([{
                        'company': other.id, 'customer': other_customer.id,
                        'number': '+21671000000', 'kind': 'fixed'}])
        with as_user(agent):
            with self.assertRaises(ValidationError) as cm, savepoint():
                self._claim(company, None, caller_phone='12')
            self.assertIn('"12" is not a valid phone number',
                cm.exception.message)
            # neither customer nor phone: one clear error
            with self.assertRaises(ValidationError) as cm, savepoint():
                self._claim(company, None)
            self.assertEqual(cm.exception.message, gettext(
                    'telco_claims.msg_claim_caller_required'))
            # another customer's line is out of the field's domain
            with self.assertRaises(DomainValidationError) as cm, savepoint():
                self._claim(company, customer, line=other_line.id)
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')
            self.assertEqual(Claim.search([]), [])
            unknown = self._claim(company, None, caller_phone='98 123 456')
            self.assertEqual(unknown.caller_phone, '+21698123456')
            # nor by removing the phone of an unknown caller's claim
            with self.assertRaises(ValidationError) as cm, savepoint():
                Claim.write([unknown], {'caller_phone': None})
            self.assertEqual(cm.exception.message, gettext(
                    'telco_claims.msg_claim_caller_required'))

    @with_transaction()
    def test_caller_not_required_in_form(self):
        "The form asks for no customer nor phone: validation says which"
        pool = Pool()
        Claim = pool.get('telco.claim')
        fields = Claim.fields_get(['party', 'caller_phone'])
        for name in ['party', 'caller_phone']:
            self.assertFalse(fields[name]['required'])
            self.assertNotIn('required', fields[name].get('states', '{}'))

    @with_transaction()
    def test_absurd_values(self):
        "Service times, delays and amounts out of bounds"
        pool = Pool()
        ServiceLevel = pool.get('telco.claim.service_level')
        Company = pool.get('company.company')
        Claim = pool.get('telco.claim')
        company, agent, _, customer = self._setup()
        level, _ = ServiceLevel.search([('company', '=', company.id)])
        with as_user(agent):
            claim = self._claim(
                company, customer, branch='financial')
        # a string that is no number: a clear error, not "could not convert
        # string to float"
        with self.assertRaises(ValidationError) as cm:
            ServiceLevel.write([level], {'resolution_hours': 'huit'})
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_input_not_number',
                **ServiceLevel.__names__('resolution_hours'), value='huit'))
        ServiceLevel.write([level], {'resolution_hours': '12.5'})
        self.assertEqual(level.resolution_hours, 12.5)
        for Model, record, name, value in [
                (ServiceLevel, level, 'resolution_hours', 1e6),
                (Company, company, 'claim_reopen_days', 100000),
                (Claim, claim, 'credit_amount', Decimal(10 ** 12)),
                ]:
            with self.subTest(name=name):
                with self.assertRaises(DomainValidationError) as cm, \
                        savepoint():
                    Model.write([Model(record.id)], {name: value})
                names = Model.__names__(name, Model(record.id))
                names['value'] = str(value)
                self.assertEqual(cm.exception.message, gettext(
                        'ir.msg_domain_validation_record', **names))

    @with_transaction()
    def test_service_level_breach(self):
        "Supervisors are warned before the breach and at the breach"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Notification = pool.get('telco.notification')
        company, agent, supervisor, customer = self._setup()
        claim = self._claim(company, customer, agent=agent.id)
        Claim.open([claim])
        # 8 hours, warned 2 hours before: around the clock (no hours set)
        self.assertEqual(
            claim.due_date - claim.opened_at, dt.timedelta(hours=8))
        self.assertEqual(
            claim.warning_date - claim.opened_at, dt.timedelta(hours=6))
        assigned, = Notification.search([('user', '=', agent.id)])
        self.assertIn(claim.number, assigned.subject)

        Claim.check_service_levels()
        self.assertFalse(Claim(claim.id).warned)
        Claim.write([claim], {
                'opened_at': claim.opened_at - dt.timedelta(hours=7),
                'warning_date': claim.warning_date - dt.timedelta(hours=7),
                'due_date': claim.due_date - dt.timedelta(hours=7)})
        Claim.check_service_levels()
        claim = Claim(claim.id)
        self.assertTrue(claim.warned)
        self.assertFalse(claim.breached)
        warnings = Notification.search([
                ('subject', 'like', '%about to breach%')])
        self.assertEqual({n.user for n in warnings}, {supervisor, agent})
        Claim.check_service_levels()
        self.assertEqual(len(Notification.search([
                        ('subject', 'like', '%about to breach%')])), 2)

        Claim.write([claim], {'due_date': dt.datetime.now()
                - dt.timedelta(minutes=1)})
        Claim.check_service_levels()
        claim = Claim(claim.id)
        self.assertTrue(claim.breached)
        breach, = Notification.search([('subject', 'like', '%breached%')])
        self.assertEqual(breach.user, supervisor)
        self.assertEqual(breach.resource, claim)
        run_queue()
        recipients = {tuple(to) for to, _ in self.smtp.messages}
        self.assertIn(('supervisor@ooredoo.example.com',), recipients)

    @with_transaction()
    def test_business_hours_due_date(self):
        "The due date follows the operator's business hours and timezone"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Calendar = pool.get('telco.calendar')
        Configuration = pool.get('telco.configuration')
        Company = pool.get('company.company')
        company, agent, _, customer = self._setup()
        Company.write([company], {'timezone': 'Africa/Tunis'})
        calendar, = Calendar.create([{
                    'company': company.id, 'name': "Bureaux",
                    'hours': [('create', [{
                                    'weekday': str(d),
                                    'start_time': dt.time(8),
                                    'end_time': dt.time(17)}
                                for d in range(6)])],
                    }])
        with Transaction().set_context(company=company.id):
            Configuration.create([{'business_calendar': calendar.id}])
        claim = self._claim(company, customer)
        expected = add_business_hours(
            claim.opened_at, 8,
            {d: [(dt.time(8), dt.time(17))] for d in range(6)},
            timezone=tz.get_tzinfo('Africa/Tunis'))
        self.assertNotEqual(
            claim.due_date, claim.opened_at + dt.timedelta(hours=8))
        self.assertEqual(claim.due_date, expected)
        # a change of priority recomputes it
        Claim.write([claim], {'priority': 'urgent'})
        self.assertIsNone(Claim(claim.id).due_date)

    @with_transaction()
    def test_claim_numbers_per_operator(self):
        """Each operator numbers its claims with its own sequence, kept in
        the operator configuration, which its administrator may change"""
        pool = Pool()
        Configuration = pool.get('telco.configuration')
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        company, agent, _, customer = self._setup()
        other = create_operator("Tunisie Telecom", 'TT', ['clients', 'claims'])
        with Transaction().set_context(company=other.id):
            stranger, = pool.get('party.party').create([{
                        'name': "Rim Gharbi", 'company': other.id}])
        year = dt.date.today().year
        first = self._claim(company, customer)
        second = self._claim(company, customer)
        elsewhere = self._claim(other, stranger)
        self.assertEqual(
            [first.number, second.number, elsewhere.number],
            [f'R{year}-000001', f'R{year}-000002', f'R{year}-000001'])
        ours = Configuration(1).get_multivalue(
            'claim_sequence', company=company.id)
        theirs = Configuration(1).get_multivalue(
            'claim_sequence', company=other.id)
        self.assertEqual((ours.company, theirs.company), (company, other))

        admin = create_staff('oo_admin', company, SUPERVISOR + [
                'telco_base.group_operator_admin'])
        with Transaction().set_context(company=company.id):
            renumbered, = Sequence.create([{
                        'name': "Réclamations 2",
                        'sequence_type': ModelData.get_id(
                            'telco_claims', 'sequence_type_claim'),
                        'company': company.id, 'prefix': 'OO-',
                        'padding': 4}])
        with as_user(admin):
            configuration = Configuration(1)
            self.assertEqual(configuration.claim_sequence, ours)
            # the other operator's sequence cannot be chosen
            with self.assertRaises(DomainValidationError) as cm:
                Configuration.write([configuration], {
                        'claim_sequence': theirs.id})
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')
            Configuration.write([configuration], {
                    'claim_sequence': renumbered.id})
        self.assertEqual(self._claim(company, customer).number, 'OO-0001')
        self.assertEqual(
            self._claim(other, stranger).number, f'R{year}-000002')

    @with_transaction()
    def test_customer_emails(self):
        "The customer is told by e-mail when the claim opens and resolves"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Email = pool.get('ir.email')
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        company, agent, _, customer = self._setup()
        french, = Lang.search([('code', '=', 'fr')])
        Lang.write([french], {'translatable': True})
        Party.write([customer], {'lang': french.id})
        with as_user(agent):
            claim = self._claim(company, customer)
            Claim.open([claim])
            run_queue()
            Claim.write([claim], {'resolution': "Routeur remplacé."})
            Claim.resolve([claim])
            run_queue()
        (to, opened), (_, resolved) = self.smtp.messages
        self.assertEqual(to, ['sami@example.tn'])
        self.assertIn(claim.number, opened['Subject'])
        self.assertIn("Ooredoo Tunisie", opened['From'])
        self.assertIn("Routeur remplacé.", resolved.get_content())
        self.assertEqual(
            len(Email.search([('resource', '=', str(claim))])), 2)

    @with_transaction()
    def test_customer_email_retried(self):
        """A claim e-mail the SMTP server refuses is kept pending, sent
        again by the cron and recorded on the claim once it leaves"""
        pool = Pool()
        Claim = pool.get('telco.claim')
        CustomerEmail = pool.get('telco.customer.email')
        Email = pool.get('ir.email')
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        company, agent, _, customer = self._setup()

        self.smtp.stop()
        with as_user(agent):
            claim = self._claim(company, customer)
            Claim.open([claim])
        run_queue()
        email, = CustomerEmail.search([('resource', '=', str(claim))])
        self.assertEqual(email.email_state, 'pending')
        self.assertEqual(email.attempts, 1)
        self.assertTrue(email.last_error)
        self.assertEqual(email.party, customer)
        self.assertEqual(email.email, 'sami@example.tn')
        self.assertEqual(Email.search([('resource', '=', str(claim))]), [])

        self.smtp.start()
        cron = Cron(ModelData.get_id(
                'telco_party', 'cron_retry_customer_emails'))
        self.assertEqual(cron.method, 'telco.customer.email|retry_emails')
        CustomerEmail.retry_emails()
        self.assertEqual(email.email_state, 'sent')
        self.assertEqual(email.attempts, 2)
        self.assertIsNone(email.last_error)
        (to, message), = self.smtp.messages
        self.assertEqual(to, ['sami@example.tn'])
        self.assertEqual(
            message['Subject'], f"Your claim {claim.number} is registered")
        recorded, = Email.search([('resource', '=', str(claim))])
        self.assertEqual(recorded.subject, message['Subject'])

        # sent once: the cron leaves it alone afterwards
        CustomerEmail.retry_emails()
        self.assertEqual(email.attempts, 2)
        self.assertEqual(len(self.smtp.messages), 1)

    @with_transaction()
    def test_customer_emails_operator_language(self):
        "A customer without language is written to in the operator's"
        import os

        import trytond.modules.telco_claims as module
        pool = Pool()
        Claim = pool.get('telco.claim')
        Company = pool.get('company.company')
        Lang = pool.get('ir.lang')
        Translation = pool.get('ir.translation')
        company, agent, _, customer = self._setup()
        french, = Lang.search([('code', '=', 'fr')])
        Lang.write([french], {'translatable': True})
        Translation.translation_import('fr', 'telco_claims', [
                os.path.join(os.path.dirname(module.__file__),
                    'locale', 'fr.po')])
        self.assertIsNone(customer.lang)
        with as_user(agent):
            claim = self._claim(company, customer)
            Claim.open([claim])
            run_queue()
        Company.write([company], {'customer_lang': french.id})
        with as_user(agent):
            claim2 = self._claim(company, customer)
            Claim.open([claim2])
            run_queue()
        (_, english), (_, french_message) = self.smtp.messages
        self.assertEqual(
            english['Subject'], f"Your claim {claim.number} is registered")
        self.assertEqual(
            french_message['Subject'],
            f"Votre réclamation {claim2.number} est enregistrée")

    @with_transaction()
    def test_similar_claims(self):
        "Similar earlier claims rank by text, then line and branch"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Line = pool.get('telco.line')
        company, agent, _, customer = self._setup()
        with Transaction().set_context(company=company.id):
            line, = Line.create([{
                        'company': company.id, 'customer': customer.id,
                        'number': '+21671000000', 'kind': 'fibre'}])
        texts = [
            ("Coupure fibre à Sfax", "Connexion fibre coupée, routeur rouge"),
            ("Coupure fibre à Sousse", "Connexion fibre coupée depuis hier"),
            ("Facture trop élevée", "Le montant de la facture est faux"),
            ("Débit 4G lent", "Le débit internet mobile est très lent"),
            ]
        with as_user(agent):
            earlier = [self._claim(company, customer, subject=s,
                    description=d, resolution=f"Resolution {i}")
                for i, (s, d) in enumerate(texts)]
            same_line = self._claim(company, customer, line=line.id,
                subject="Coupure fibre", description="Plus de connexion")
            claim = self._claim(company, customer, line=line.id,
                subject="Coupure de la fibre à Sfax",
                description="La connexion fibre est coupée, routeur rouge")
            similar = claim.find_similar()
            self.assertEqual(
                [c for c, _ in similar][:3],
                [earlier[0], same_line, earlier[1]])
            self.assertNotIn(earlier[2], [c for c, _ in similar])
            # the candidates of the index match the exact ranking
            self.assertEqual(similar, claim.find_similar(exact=True))
            self.assertEqual(
                list(claim.similar_claims), [c for c, _ in similar])
            # only earlier claims
            self.assertNotIn(claim, [c for c, _ in earlier[0].find_similar()])
            # editing the text updates the index
            Claim.write([earlier[3]], {
                    'subject': "Coupure fibre à Sfax routeur rouge"})
            self.assertIn(earlier[3], Claim(claim.id).similar_claims)

    @with_transaction()
    def test_similar_claims_resolved_first(self):
        "The resolved claims, and the closed ones, rank before the others"
        pool = Pool()
        Claim = pool.get('telco.claim')
        company, agent, _, customer = self._setup()
        with as_user(agent):
            # the closest text, still open, with a draft of resolution
            running = self._claim(company, customer,
                subject="Coupure de la fibre à Sfax",
                description="La connexion fibre est coupée, routeur rouge",
                resolution="Technician on the way.")
            resolved = self._claim(company, customer,
                subject="Coupure fibre", description="Routeur rouge",
                resolution="Router reset remotely.")
            closed = self._claim(company, customer,
                subject="Fibre coupée", description="Sfax",
                resolution="Outage of the area, nothing to do.")
            cancelled = self._claim(company, customer,
                subject="Coupure de la fibre à Sfax",
                description="La connexion fibre est coupée, routeur rouge",
                resolution="Duplicate.")
        Claim.open([running, resolved, closed])
        Claim.resolve([resolved])
        Claim.close([closed])
        Claim.cancel([cancelled])
        with as_user(agent):
            claim = self._claim(company, customer,
                subject="Coupure de la fibre à Sfax",
                description="La connexion fibre est coupée, routeur rouge")
            similar = claim.find_similar()
            scores = dict(similar)
            # by text alone the running claim is the closest
            self.assertGreater(scores[running], scores[resolved])
            self.assertGreater(scores[running], scores[closed])
            self.assertEqual(
                [c for c, _ in similar], [resolved, closed, running])
            self.assertEqual(similar, claim.find_similar(exact=True))
            self.assertEqual(
                list(Claim(claim.id).similar_claims),
                [resolved, closed, running])

    @with_transaction()
    def test_reuse_resolution(self):
        "The resolution of a similar claim is reused in one action"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Reuse = pool.get('telco.claim.reuse_resolution', type='wizard')
        company, agent, _, customer = self._setup()
        with as_user(agent):
            source = self._claim(company, customer,
                resolution="Router reset remotely.")
            unrelated = self._claim(company, customer,
                subject="Facture élevée", description="Montant faux",
                resolution="Credit.")
            claim = self._claim(company, customer)
            Claim.open([claim])
            session_id, _, _ = Reuse.create()
            with Transaction().set_context(
                    active_model='telco.claim', active_id=claim.id,
                    active_ids=[claim.id]):
                reuse = Reuse(session_id)
                values = reuse.default_start(None)
                self.assertEqual(values['candidates'], [source.id])
                # a claim that is not similar is refused
                reuse.start.source = unrelated
                with self.assertRaises(UserError) as cm:
                    reuse.transition_reuse()
                assert_message(self, cm.exception,
                    'telco_claims.msg_claim_reuse_not_similar')
                reuse.start.source = source
                reuse.transition_reuse()
            claim = Claim(claim.id)
            self.assertEqual(claim.resolution, "Router reset remotely.")
            self.assertEqual(claim.reused_from, source)

    @with_transaction()
    def test_gating(self):
        "Without the claims feature, claims are hidden and refused"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        company, agent, _, customer = self._setup()
        tt = create_operator("Tunisie Telecom", 'TT', ['clients'])
        tt_agent = create_staff('tt_agent', tt, AGENT)
        menu = Menu(ModelData.get_id('telco_claims', 'menu_claims'))
        with as_user(agent):
            self.assertIn(menu, Menu.search([]))
            self._claim(company, customer)
            self.assertEqual(len(Claim.search([])), 1)
        with as_user(tt_agent):
            self.assertNotIn(menu, Menu.search([]))
            with self.assertRaises(AccessError) as cm:
                Claim.search([])
            self.assertIn("Claims", cm.exception.message)

    @with_transaction()
    def test_statistics(self):
        "Claims per month count each operator's claims by branch"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Month = pool.get('telco.claim.month')
        company, agent, _, customer = self._setup()
        self._claim(company, customer)
        self._claim(company, customer, branch='financial')
        claim = self._claim(company, customer, resolution="Done.")
        Claim.open([claim])
        Claim.resolve([claim])
        with as_user(agent):
            rows = Month.search([])
            self.assertEqual(
                {(r.branch, r.claims, r.resolved) for r in rows},
                {('technical', 2, 1), ('financial', 1, 0)})


    @with_transaction()
    def test_party_claims_tab(self):
        "The customer's form lists its claims, when the operator has them"
        pool = Pool()
        Party = pool.get('party.party')
        company, agent, _, customer = self._setup()
        claim = self._claim(company, customer)
        with Transaction().set_context(company=company.id):
            other, = Party.create([{
                        'name': "Rim Gharbi", 'company': company.id}])
        self._claim(company, other)
        tt = create_operator("Tunisie Telecom", 'TT', ['clients'])
        tt_agent = create_staff('tt_agent', tt, AGENT)
        with Transaction().set_context(company=tt.id):
            tt_customer, = Party.create([{
                        'name': "Client TT", 'company': tt.id}])
        with as_user(agent):
            self.assertEqual(Party(customer.id).claims, (claim,))
            view = Party.fields_view_get(view_type='form')
            self.assertIn('<page name="claims"', view['arch'])
            self.assertIn('claims', view['fields'])
        with as_user(tt_agent):
            # without the claims feature the tab is not there and the
            # form reads
            view = Party.fields_view_get(view_type='form')
            self.assertNotIn('name="claims"', view['arch'])
            self.assertNotIn('claims', view['fields'])
            self.assertEqual(
                Party.read([tt_customer.id], list(view['fields']))[0]['id'],
                tt_customer.id)

    @with_transaction()
    def test_dashboard_figures(self):
        "The claim figures of May 2026 computed by hand"
        pool = Pool()
        Claim = pool.get('telco.claim')
        Line = pool.get('telco.line')
        Figure = pool.get('telco.dashboard.figure')
        company, agent, supervisor, customer = self._setup()
        cursor = Transaction().connection.cursor()
        claim = Claim.__table__()
        at = dt.datetime
        records = []
        for opened, state, resolved, closed, breached in [
                (at(2026, 5, 3, 10), 'resolved', at(2026, 5, 5, 10), None,
                    False),
                (at(2026, 4, 28, 8), 'resolved', at(2026, 5, 2, 8), None,
                    True),
                (at(2026, 5, 20, 9), 'in_progress', None, None, False),
                (at(2026, 5, 25, 9), 'closed', None, at(2026, 5, 27, 9),
                    False),
                (at(2026, 5, 10, 9), 'cancelled', None, None, False),
                (at(2026, 4, 15, 9), 'open', None, None, True),
                ]:
            record = self._claim(company, customer)
            records.append(record)
            cursor.execute(*claim.update(
                    [claim.opened_at, claim.state, claim.resolved_at,
                        claim.closed_at, claim.breached],
                    [opened, state, resolved, closed, breached],
                    where=claim.id == record.id))
        # the 2nd was handed on to the back office before its resolution
        History = pool.get('telco.claim.history')
        History.create([{
                    'claim': records[1].id, 'from_state': 'open',
                    'to_state': 'in_progress', 'date': at(2026, 4, 29, 8)}])
        line = Line.__table__()
        with Transaction().set_context(company=company.id):
            lines = Line.create([{
                        'company': company.id, 'customer': customer.id,
                        'number': n, 'kind': 'mobile_prepaid'}
                    for n in ['+21698000001', '+21698000002']])
        cursor.execute(*line.update(
                [line.activation_date, line.state],
                [dt.date(2026, 1, 1), 'active'],
                where=line.id.in_([l.id for l in lines])))

        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], dt.date(2026, 5, 1))}
        # opened in May: the 1st, 3rd, 4th and 5th; in April: 2nd and 6th
        self.assertEqual(figures['claims_opened'], (4, 2))
        # resolved in May: the 1st and the 2nd (opened in April)
        self.assertEqual(figures['claims_resolved'], (2, 0))
        # open at the end of May: 3rd and 6th; of April: 2nd and 6th
        self.assertEqual(figures['claims_backlog'], (2, 2))
        # the 2nd of the two resolved in May was late; none in April
        self.assertEqual(
            figures['claims_sla_breach'], (Decimal('50.00'), None))
        # (2 + 4) / 2 days
        self.assertEqual(
            figures['claims_time_to_resolve'], (Decimal('3.00'), None))
        # 4 claims for 2 lines in May, 2 in April
        self.assertEqual(
            figures['claims_per_1000_lines'],
            (Decimal('2000.00'), Decimal('1000.00')))
        # of the two resolved in May, the 1st alone never went in progress
        self.assertEqual(
            figures['claims_first_contact'], (Decimal('50.00'), None))
        model, domain, _ = Figure.get_kpi('claims_first_contact').records(
            company.id, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
        self.assertEqual(Claim.search(domain), [records[0]])
        # the customer's segment in May (a prospect with two lines)
        Segment = pool.get('telco.dashboard.segment')
        segment, = Segment.compute([company], dt.date(2026, 5, 1))
        self.assertEqual(
            (segment.customers, segment.lines, segment.claims_opened),
            (0, 2, 4))

        # without the claims feature, no claim figure
        Subscription = pool.get('telco.operator.feature')
        Subscription.write(Subscription.search([
                    ('company', '=', company.id),
                    ('feature.code', '=', 'claims')]), {
                'end_date': dt.date.today() - dt.timedelta(days=1)})
        codes = {f.kpi for f in Figure.compute([company], dt.date(2026, 5, 1))}
        self.assertIn('customers', codes)
        self.assertFalse({c for c in codes if c.startswith('claims')})


    @with_transaction()
    def test_breakdowns(self):
        """The claims by type, branch and agent of April and May 2026 by
        hand, from a value to its claims, as a workbook; the other
        operator's apart"""
        pool = Pool()
        Claim = pool.get('telco.claim')
        ClaimType = pool.get('telco.claim.type')
        Breakdown = pool.get('telco.dashboard.breakdown')
        Statistic = pool.get('telco.dashboard.breakdown.statistic')
        Open = pool.get('telco.dashboard.breakdown.open', type='wizard')
        Report = pool.get('telco.dashboard.breakdown.xlsx', type='report')
        company, agent, supervisor, customer = self._setup(
            ['clients', 'claims', 'dashboard'])
        manager = create_staff('manager', company,
            SUPERVISOR + ['telco_dashboard.group_dashboard'])
        tt = create_operator(
            "Tunisie Telecom", 'TT', ['clients', 'claims', 'dashboard'])
        with Transaction().set_context(company=tt.id):
            tt_customer, = pool.get('party.party').create([{
                        'name': "Client TT", 'company': tt.id}])
        with Transaction().set_context(company=company.id):
            network, billing = ClaimType.create([{
                        'company': company.id, 'code': code, 'name': name,
                        'branch': branch}
                    for code, name, branch in [
                        ('NET', "Réseau", 'technical'),
                        ('BILL', "Facturation", 'financial')]])
        cursor = Transaction().connection.cursor()
        claim = Claim.__table__()
        at = dt.datetime
        for company_, type_, branch, assigned, opened, resolver in [
                (company, network, 'technical', agent, at(2026, 5, 3, 9),
                    supervisor),
                (company, network, 'technical', agent, at(2026, 5, 10, 9),
                    None),
                (company, billing, 'financial', supervisor,
                    at(2026, 5, 12, 9), agent),
                (company, None, 'technical', None, at(2026, 4, 20, 9), None),
                (company, billing, 'financial', agent, at(2026, 4, 2, 9),
                    agent),
                (tt, None, 'technical', None, at(2026, 5, 4, 9), None),
                ]:
            record = self._claim(
                company_, customer if company_ == company else tt_customer)
            resolved = resolver and opened + dt.timedelta(days=1)
            cursor.execute(*claim.update(
                    [claim.type, claim.branch, claim.agent, claim.opened_at,
                        claim.state, claim.resolved_at, claim.resolved_by],
                    [type_ and type_.id, branch, assigned and assigned.id,
                        opened, 'resolved' if resolver else 'open',
                        resolved, resolver and resolver.id],
                    where=claim.id == record.id))
        for month in [dt.date(2026, 4, 1), dt.date(2026, 5, 1)]:
            Breakdown.compute([company, tt], month)

        def statistic(division, start, end=dt.date(2026, 5, 1)):
            with Transaction().set_context(
                    company=company.id, division=division,
                    from_period=start, to_period=end):
                return {s.label: s.value for s in Statistic.search([])}
        may = dt.date(2026, 5, 1)
        with as_user(manager):
            self.assertEqual(
                statistic('claims_type', may), {"Réseau": 2,
                    "Facturation": 1})
            self.assertEqual(
                statistic('claims_type', dt.date(2026, 4, 1)),
                {"Réseau": 2, "Facturation": 2, "(none)": 1})
            self.assertEqual(
                statistic('claims_branch', may),
                {"Technical": 2, "Financial": 1})
            self.assertEqual(
                statistic('claims_agent', may),
                {agent.rec_name: 2, supervisor.rec_name: 1})
            self.assertEqual(
                statistic('claims_resolved_agent', dt.date(2026, 4, 1)),
                {agent.rec_name: 2, supervisor.rec_name: 1})
            # an empty month
            self.assertEqual(statistic('claims_type', dt.date(2026, 1, 1),
                    dt.date(2026, 1, 1)), {})

            # from the network claims of April and May to them
            context = dict(company=company.id, division='claims_type',
                from_period=dt.date(2026, 4, 1), to_period=may)
            with Transaction().set_context(**context):
                rows = {s.label: s for s in Statistic.search([])}
                row = rows["Réseau"]
                session_id, _, _ = Open.create()
                with Transaction().set_context(
                        active_model=Statistic.__name__,
                        active_id=row.id, active_ids=[row.id]):
                    action, = Open.execute(
                        session_id, {}, 'open_')['actions']
                Open.delete(session_id)
                ids = [r.id for r in rows.values()]
                ext, content, _, _ = Report.execute(ids, {
                        'model': Statistic.__name__, 'ids': ids})
            action, _ = action
            domain = PYSONDecoder().decode(action['pyson_domain'])
            self.assertEqual(
                sorted(c.opened_at for c in Claim.search(domain)),
                [at(2026, 5, 3, 9), at(2026, 5, 10, 9)])
        self.assertEqual(ext, 'xlsx')
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            strings = workbook.read('xl/sharedStrings.xml').decode()
            sheet = workbook.read('xl/worksheets/sheet1.xml').decode()
        for text in ['Claims opened by type', 'Réseau', 'Facturation',
                'by claim type']:
            self.assertIn(text, strings)
        # figure, definition, two months, a blank, header, 3 rows
        self.assertEqual(sheet.count('<row '), 8)

        # a row read under one figure, opened under another: refused
        with as_user(manager), Transaction().set_context(
                company=company.id, division='claims_type',
                from_period=may, to_period=may):
            row = Statistic.search([])[0]
            self.assertEqual(
                (row.division, row.label), ('claims_type', "Réseau"))
        with as_user(manager), Transaction().set_context(
                company=company.id, division='claims_branch',
                from_period=may, to_period=may):
            with self.assertRaises(UserError) as cm:
                row.records_domain()
            assert_message(
                self, cm.exception, 'telco_dashboard.msg_breakdown_no_records')

        # the other operator's claim in its own breakdown only
        with Transaction().set_context(
                company=tt.id, division='claims_branch',
                from_period=may, to_period=may):
            self.assertEqual(
                {s.label: s.value for s in Statistic.search([])},
                {"Technical": 1})
        # without the claims feature, no claim division
        Subscription = pool.get('telco.operator.feature')
        Subscription.write(Subscription.search([
                    ('company', '=', tt.id),
                    ('feature.code', '=', 'claims')]), {
                'end_date': dt.date.today() - dt.timedelta(days=1)})
        self.assertFalse([b for b in Breakdown.compute([tt], may)
                if b.division.startswith('claims')])

    @with_transaction()
    def test_recommendations(self):
        """The claim types that grow fastest and the customers at risk of
        June 30th 2026, by hand"""
        pool = Pool()
        Claim = pool.get('telco.claim')
        ClaimType = pool.get('telco.claim.type')
        Party = pool.get('party.party')
        Line = pool.get('telco.line')
        Recommendation = pool.get('telco.dashboard.recommendation')
        ChurnRisk = pool.get('telco.dashboard.churn_risk')
        company, agent, supervisor, customer = self._setup(
            ['clients', 'claims', 'dashboard'])
        with Transaction().set_context(company=company.id):
            network, billing = ClaimType.create([{
                        'company': company.id, 'code': code, 'name': name,
                        'branch': branch}
                    for code, name, branch in [
                        ('NET', "Réseau", 'technical'),
                        ('BILL', "Facturation", 'financial')]])
            other, = Party.create([{
                        'name': "Amel Ben Salah", 'company': company.id}])
        cursor = Transaction().connection.cursor()
        claim = Claim.__table__()
        at = dt.datetime
        redo = "Redémarrage de l'antenne\nLe site de Sfax a été relancé."
        rows = (
            # the network: 6 claims from April to June, 2 before
            [(network, at(2026, 4, 2, 9) + dt.timedelta(days=14 * i),
                    'open', None, None)
                for i in range(4)]
            + [(network, at(2026, 6, 20, 9), 'resolved',
                    at(2026, 6, 21, 9), redo),
                (network, at(2026, 6, 25, 9), 'resolved',
                    at(2026, 6, 26, 9), "Changement de SIM")]
            + [(network, at(2026, 2, 10, 9), 'resolved', at(2026, 2, 11, 9),
                    redo),
                (network, at(2026, 1, 10, 9), 'cancelled', None, None),
                (network, at(2026, 3, 1, 9), 'closed', None, None)]
            # billing: 5 and 5, no growth
            + [(billing, at(2026, 4, 5 + i, 9), 'open', None, None)
                for i in range(5)]
            + [(billing, at(2026, 1, 5 + i, 9), 'open', None, None)
                for i in range(5)])
        for type_, opened, state, resolved, resolution in rows:
            record = self._claim(company, customer)
            cursor.execute(*claim.update(
                    [claim.type, claim.opened_at, claim.state,
                        claim.resolved_at, claim.resolution],
                    [type_.id, opened, state, resolved, resolution],
                    where=claim.id == record.id))
        # the other customer: two claims in 90 days, not suspended
        for day in [10, 12]:
            record = self._claim(company, other)
            cursor.execute(*claim.update(
                    [claim.opened_at], [at(2026, 6, day, 9)],
                    where=claim.id == record.id))
        party = Party.__table__()
        cursor.execute(*party.update(
                [party.customer_state], ['suspended'],
                where=party.id == customer.id))
        with Transaction().set_context(company=company.id):
            lines = Line.create([{
                        'company': company.id, 'customer': customer.id,
                        'number': n, 'kind': 'mobile_prepaid'}
                    for n in ['+21698000001', '+21698000002']])
        line = Line.__table__()
        cursor.execute(*line.update(
                [line.activation_date, line.state],
                [dt.date(2026, 1, 1), 'active'],
                where=line.id.in_([l.id for l in lines])))

        recommendations = Recommendation.compute(
            [company], dt.date(2026, 6, 30))
        claims, = [r for r in recommendations if r.strategy == 'claims']
        # 6 against 2 (the cancelled one aside): +200 %
        self.assertEqual(claims.title,
            'Reduce the "Réseau" claims: they grow fastest')
        self.assertEqual(claims.score, Decimal('200.00'))
        self.assertEqual(claims.claim_type, network)
        self.assertEqual(claims.figures,
            '"Réseau": 6 claims in the last 3 months against 2 in '
            'the 3 months before (200 % more), 3000.00 per 1,000 lines in '
            'service. The resolution that works best: "Redémarrage de '
            'l\'antenne" (2 of the 3 claims resolved in 6 months).')
        self.assertIn('25 %', claims.method)
        self.assertEqual(claims.action, 'owner')
        found = Claim.search(PYSONDecoder().decode(claims.records_domain))
        self.assertEqual(len(found), 6)
        self.assertEqual({c.type for c in found}, {network})

        # the customer: suspended (40) with 11 claims in 90 days (25); the
        # other: 2 claims (25)
        self.assertEqual(
            {(r.party, r.score) for r in ChurnRisk.search([])},
            {(customer, 65), (other, 25)})
        retention, = [r for r in recommendations
            if r.strategy == 'retention']
        self.assertEqual(retention.title,
            'Keep the customers most at risk of leaving (1)')
        self.assertEqual(retention.figures,
            '1 of the 2 customers showing a signal score 50 or more: '
            'two claims or more in 90 days: 1, suspended: 1.')
        self.assertIn('- suspended: 40', retention.method)
        self.assertIn('- two claims or more in 90 days: 25', retention.method)
        risks = pool.get(retention.records_model).search(
            PYSONDecoder().decode(retention.records_domain))
        self.assertEqual([r.party for r in risks], [customer])


del PlatformTestCase
