# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, create_operator, create_staff, savepoint)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

GROUPS = STAFF_GROUPS + ['telco_dashboard.group_dashboard']


class TelcoDashboardTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Telco Dashboard module and per-operator feature gating"
    module = 'telco_dashboard'

    def _setup(self):
        pool = Pool()
        Party = pool.get('party.party')
        CustomerCategory = pool.get('telco.customer.category')
        # Ooredoo pays for clients and dashboard, Tunisie Telecom for clients
        ooredoo = create_operator(
            "Ooredoo Tunisie", 'OOREDOO', features=['clients', 'dashboard'])
        tt = create_operator(
            "Tunisie Telecom", 'TT', features=['clients'])
        for company in [ooredoo, tt]:
            Party.create([{'name': f'Client {company.code} {i}',
                        'company': company.id} for i in range(3)])
            CustomerCategory.create([{
                        'company': company.id, 'kind': 'tax',
                        'code': 'EXO', 'name': 'Exonéré'}])
        return (
            ooredoo, create_staff('ooredoo_agent', ooredoo, GROUPS),
            tt, create_staff('tt_agent', tt, GROUPS))

    def _menus(self):
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        visible = set(Menu.search([]))
        return {
            name: Menu(ModelData.get_id(module, fs_id)) in visible
            for name, (module, fs_id) in {
                'statistics': ('telco_dashboard', 'menu_statistics'),
                'customers': ('telco_party', 'menu_customer'),
                }.items()}

    @with_transaction()
    def test_statistics(self):
        "Registrations per month count each operator's parties"
        pool = Pool()
        PartyMonth = pool.get('telco.statistics.party_month')
        ooredoo, ooredoo_agent, tt, _ = self._setup()
        with as_user(ooredoo_agent):
            rows = PartyMonth.search([])
            # its three clients, not the operator's own party
            self.assertEqual(sum(r.parties for r in rows), 3)
            self.assertEqual({r.company for r in rows}, {ooredoo})
            today = dt.date.today()
            self.assertEqual(
                rows[-1].period, f'{today.year:04d}-{today.month:02d}')

        # a prospect counts in the month it became one, even when its
        # record was created later (an import)
        Party = pool.get('party.party')
        party, = Party.search([
                ('company', '=', ooredoo.id), ('customer_base', '=', True)],
            limit=1)
        Party.write([party], {'prospect_date': dt.date(2025, 3, 14)})
        with as_user(ooredoo_agent):
            counts = {r.period: r.parties for r in PartyMonth.search([])}
        self.assertEqual(counts['2025-03'], 1)
        self.assertEqual(counts[f'{today.year:04d}-{today.month:02d}'], 2)

    @with_transaction()
    def test_gating_menus_and_models(self):
        "A feature the operator has not enabled is hidden and refused"
        pool = Pool()
        PartyMonth = pool.get('telco.statistics.party_month')
        CustomerCategory = pool.get('telco.customer.category')
        ooredoo, ooredoo_agent, tt, tt_agent = self._setup()

        with as_user(ooredoo_agent):
            self.assertEqual(
                self._menus(), {'statistics': True, 'customers': True})
            self.assertTrue(PartyMonth.search([]))
            self.assertEqual(len(CustomerCategory.search([])), 1)

        with as_user(tt_agent):
            self.assertEqual(
                self._menus(), {'statistics': False, 'customers': True})
            with self.assertRaises(AccessError) as cm:
                PartyMonth.search([])
            self.assertIn("Statistics & Dashboard", cm.exception.message)
            self.assertIn("Tunisie Telecom", cm.exception.message)
            with self.assertRaises(AccessError):
                PartyMonth.read([1], ['parties'])
            self.assertEqual(len(CustomerCategory.search([])), 1)

    @with_transaction()
    def test_gating_disable_keeps_data(self):
        "Disabling a feature hides its data, enabling it shows it again"
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        CustomerCategory = pool.get('telco.customer.category')
        ooredoo, ooredoo_agent, tt, tt_agent = self._setup()
        today = dt.date.today()
        yesterday = today - dt.timedelta(days=1)

        clients, = [s for s in tt.features if s.feature.code == 'clients']
        Subscription.write([clients], {'end_date': yesterday})
        with as_user(tt_agent):
            self.assertEqual(
                self._menus(), {'statistics': False, 'customers': False})
            with self.assertRaises(AccessError) as cm:
                CustomerCategory.search([])
            self.assertIn("Clients & Prospects", cm.exception.message)
        # the other operator is not affected
        with as_user(ooredoo_agent):
            self.assertEqual(len(CustomerCategory.search([])), 1)
        # the data is kept
        self.assertEqual(
            CustomerCategory.search_count([('company', '=', tt.id)]), 1)

        Subscription.create([{
                    'company': tt.id, 'feature': clients.feature.id,
                    'start_date': today}])
        with as_user(tt_agent):
            self.assertEqual(self._menus()['customers'], True)
            category, = CustomerCategory.search([])
            self.assertEqual(category.company, tt)

    @with_transaction()
    def test_subscription_dates(self):
        "Subscriptions keep their dates and refuse overlaps"
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        Feature = pool.get('telco.feature')
        ooredoo, _, _, _ = self._setup()
        dashboard, = Feature.search([('code', '=', 'dashboard')])
        running, = Subscription.search([
                ('company', '=', ooredoo.id),
                ('feature', '=', dashboard.id)])
        self.assertEqual(running.state, 'running')
        self.assertEqual(
            Subscription.search([
                    ('company', '=', ooredoo.id),
                    ('state', '=', 'running')], count=True), 2)
        with self.assertRaises(ValidationError) as cm, savepoint():
            Subscription.create([{
                        'company': ooredoo.id, 'feature': dashboard.id,
                        'start_date': dt.date.today()}])
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_operator_feature_overlap',
                operator=ooredoo.rec_name, feature=dashboard.rec_name))
        # an end before the start is refused by the domain of the dates
        with self.assertRaises(DomainValidationError) as cm, savepoint():
            Subscription.create([{
                        'company': ooredoo.id, 'feature': dashboard.id,
                        'start_date': dt.date(2030, 2, 1),
                        'end_date': dt.date(2030, 1, 1)}])
        names = Subscription.__names__('end_date')
        names['record'] = f'{ooredoo.rec_name} - {dashboard.rec_name}'
        names['value'] = str(dt.date(2030, 1, 1))
        self.assertEqual(cm.exception.message, gettext(
                'ir.msg_domain_validation_record', **names))

    @with_transaction()
    def test_platform_admin_not_gated(self):
        "The platform administrator sees every operator's features"
        pool = Pool()
        User = pool.get('res.user')
        PartyMonth = pool.get('telco.statistics.party_month')
        ooredoo, _, tt, _ = self._setup()
        ModelData = pool.get('ir.model.data')
        admin = User(1)
        User.write([admin], {
                'company_filter': 'all',
                'groups': [('add', [ModelData.get_id(
                                'telco_dashboard', 'group_dashboard')])],
                })
        with Transaction().set_user(1), Transaction().set_context(
                company=tt.id, _check_access=True):
            companies = {r.company for r in PartyMonth.search([])}
        self.assertEqual(companies, {ooredoo, tt})


del ModuleTestCase
