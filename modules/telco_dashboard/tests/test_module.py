# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, create_operator, create_staff)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

GROUPS = STAFF_GROUPS + ['telco_dashboard.group_dashboard']


class TelcoDashboardTestCase(CompanyTestMixin, PlatformTestCase):
    "Test Telco Dashboard module"
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
        """The statistics are hidden and refused to an operator without the
        dashboard feature (the mechanism is tested in telco_base)"""
        pool = Pool()
        PartyMonth = pool.get('telco.statistics.party_month')
        CustomerCategory = pool.get('telco.customer.category')
        Feature = pool.get('telco.feature')
        ooredoo, ooredoo_agent, tt, tt_agent = self._setup()
        dashboard, = Feature.search([('code', '=', 'dashboard')])

        with as_user(ooredoo_agent):
            self.assertEqual(
                self._menus(), {'statistics': True, 'customers': True})
            self.assertTrue(PartyMonth.search([]))
            self.assertEqual(len(CustomerCategory.search([])), 1)

        with as_user(tt_agent):
            self.assertEqual(
                self._menus(), {'statistics': False, 'customers': True})
            for call in [
                    lambda: PartyMonth.search([]),
                    lambda: PartyMonth.read([1], ['parties']),
                    ]:
                with self.assertRaises(AccessError) as cm:
                    call()
                self.assertEqual(cm.exception.message, gettext(
                        'telco_base.msg_feature_disabled',
                        feature=dashboard.rec_name, operator=tt.rec_name))
            self.assertEqual(len(CustomerCategory.search([])), 1)


del PlatformTestCase
