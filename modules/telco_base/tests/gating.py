# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    STAFF_GROUPS, as_user, create_operator, create_staff, savepoint)


class GatingTestMixin:
    """Feature gating: an operator uses only the features it subscribed
    to, tested on the Clients & Prospects feature of telco_party"""

    def _gating_setup(self):
        pool = Pool()
        Party = pool.get('party.party')
        Category = pool.get('telco.customer.category')
        # Ooredoo pays for Clients & Prospects, Tunisie Telecom for nothing
        ooredoo = create_operator(
            "Ooredoo Tunisie", 'OOREDOO', features=['clients'])
        tt = create_operator("Tunisie Telecom", 'TT', features=[])
        for company in [ooredoo, tt]:
            Party.create([{'name': f'Client {company.code} {i}',
                        'company': company.id} for i in range(3)])
            Category.create([{
                        'company': company.id, 'kind': 'tax',
                        'code': 'EXO', 'name': 'Exonéré'}])
        return (
            ooredoo, create_staff('ooredoo_agent', ooredoo, STAFF_GROUPS),
            tt, create_staff('tt_agent', tt, STAFF_GROUPS))

    def _customers_menu(self):
        "Whether the user sees the Customers & Prospects menu"
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        menu = Menu(ModelData.get_id('telco_party', 'menu_customer'))
        return menu in Menu.search([])

    def _refused(self, exception, operator):
        "The exception refuses the Clients & Prospects feature to operator"
        Feature = Pool().get('telco.feature')
        with Transaction().set_user(0):
            clients, = Feature.search([('code', '=', 'clients')])
            feature = clients.rec_name
        self.assertEqual(exception.message, gettext(
                'telco_base.msg_feature_disabled',
                feature=feature, operator=operator.rec_name))

    @with_transaction()
    def test_gating_menus_and_models(self):
        "A feature the operator has not subscribed is hidden and refused"
        pool = Pool()
        Category = pool.get('telco.customer.category')
        Party = pool.get('party.party')
        ooredoo, ooredoo_agent, tt, tt_agent = self._gating_setup()
        tt_category, = Category.search([('company', '=', tt.id)])

        with as_user(ooredoo_agent):
            self.assertTrue(self._customers_menu())
            self.assertEqual(len(Category.search([])), 1)
            self.assertEqual(Party.search_count([('name', 'like', 'Client%')]),
                3)
        with as_user(tt_agent):
            self.assertFalse(self._customers_menu())
            for call in [
                    lambda: Category.search([]),
                    lambda: Category.read([tt_category.id], ['name']),
                    lambda: Category.create([{'kind': 'tax', 'code': 'X',
                                'name': "X"}]),
                    ]:
                with self.assertRaises(AccessError) as cm:
                    call()
                self._refused(cm.exception, tt)

    @with_transaction()
    def test_gating_disable_keeps_data(self):
        "Ending a subscription hides the data, a new one shows it again"
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        Category = pool.get('telco.customer.category')
        Feature = pool.get('telco.feature')
        ooredoo, ooredoo_agent, tt, tt_agent = self._gating_setup()
        clients, = Feature.search([('code', '=', 'clients')])
        today = dt.date.today()
        yesterday = today - dt.timedelta(days=1)

        subscription, = [
            s for s in ooredoo.features if s.feature == clients]
        Subscription.write([subscription], {'end_date': yesterday})
        self.assertEqual(Subscription(subscription.id).state, 'ended')
        with as_user(ooredoo_agent):
            self.assertFalse(self._customers_menu())
            with self.assertRaises(AccessError) as cm:
                Category.search([])
            self._refused(cm.exception, ooredoo)
        # the data is kept
        self.assertEqual(
            Category.search_count([('company', '=', ooredoo.id)]), 1)

        # TT subscribes: its data, kept since before, is served to it only
        Subscription.create([{
                    'company': tt.id, 'feature': clients.id,
                    'start_date': today}])
        with as_user(tt_agent):
            self.assertTrue(self._customers_menu())
            category, = Category.search([])
            self.assertEqual(category.company, tt)
        Subscription.create([{
                    'company': ooredoo.id, 'feature': clients.id,
                    'start_date': today}])
        with as_user(ooredoo_agent):
            category, = Category.search([])
            self.assertEqual(category.company, ooredoo)

    @with_transaction()
    def test_subscription_dates(self):
        "Subscriptions keep their dates and refuse overlaps"
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        Feature = pool.get('telco.feature')
        ooredoo, _, _, _ = self._gating_setup()
        clients, = Feature.search([('code', '=', 'clients')])
        running, = Subscription.search([
                ('company', '=', ooredoo.id),
                ('feature', '=', clients.id)])
        self.assertEqual(running.state, 'running')
        Subscription.write([running], {
                'end_date': dt.date.today() + dt.timedelta(days=30)})
        self.assertEqual(running.state, 'running')
        later, = Subscription.create([{
                    'company': ooredoo.id, 'feature': clients.id,
                    'start_date': dt.date.today() + dt.timedelta(days=400),
                    }])
        self.assertEqual(later.state, 'planned')
        with self.assertRaises(ValidationError) as cm, savepoint():
            Subscription.create([{
                        'company': ooredoo.id, 'feature': clients.id,
                        'start_date': dt.date.today()}])
        self.assertEqual(cm.exception.message, gettext(
                'telco_base.msg_operator_feature_overlap',
                operator=ooredoo.rec_name, feature=clients.rec_name))
        # an end before the start is refused by the domain of the dates
        with self.assertRaises(DomainValidationError) as cm, savepoint():
            Subscription.create([{
                        'company': ooredoo.id, 'feature': clients.id,
                        'start_date': dt.date(2030, 2, 1),
                        'end_date': dt.date(2030, 1, 1)}])
        names = Subscription.__names__('end_date')
        names['record'] = f'{ooredoo.rec_name} - {clients.rec_name}'
        names['value'] = str(dt.date(2030, 1, 1))
        self.assertEqual(cm.exception.message, gettext(
                'ir.msg_domain_validation_record', **names))

    @with_transaction()
    def test_platform_admin_not_gated(self):
        """The platform administrator works for every operator, whatever
        their subscriptions"""
        pool = Pool()
        User = pool.get('res.user')
        Category = pool.get('telco.customer.category')
        ooredoo, _, tt, _ = self._gating_setup()
        admin = User(1)
        self.assertIn(tt, admin.companies)
        User.write([admin], {'company_filter': 'all'})
        with Transaction().set_user(1), Transaction().set_context(
                company=tt.id, _check_access=True):
            companies = {c.company for c in Category.search([])}
        self.assertEqual(companies, {ooredoo, tt})
