# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import zipfile
from decimal import Decimal

from trytond.i18n import gettext
from trytond.modules.telco_dashboard.exceptions import RecommendationError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, assert_message, create_operator, create_staff,
    run_queue)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction
from trytond.tests.test_tryton import with_transaction

GROUPS = STAFF_GROUPS + ['telco_dashboard.group_dashboard']


class TelcoDashboardTestCase(
        SMTPTestMixin, CompanyTestMixin, PlatformTestCase):
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


    # --- key figures -------------------------------------------------

    def _customer(self, company, name, prospect=None, customer=None,
            terminated=None):
        "A party of the customer base with its dates written as history"
        pool = Pool()
        Party = pool.get('party.party')
        party, = Party.create([{'name': name, 'company': company.id}])
        table = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.prospect_date, table.customer_date,
                    table.termination_date],
                [prospect, customer, terminated],
                where=table.id == party.id))
        return party

    def _customers(self, company):
        "The customer base of the figures' hand-computed example"
        d = dt.date
        return {
            'P1': self._customer(company, 'P1', d(2026, 3, 10), d(2026, 4, 5)),
            'P2': self._customer(
                company, 'P2', d(2026, 4, 20), d(2026, 5, 10)),
            'P3': self._customer(company, 'P3', d(2026, 5, 2), d(2026, 5, 12)),
            'P4': self._customer(
                company, 'P4', d(2025, 12, 1), d(2026, 1, 1),
                terminated=d(2026, 5, 15)),
            'P5': self._customer(company, 'P5', d(2026, 5, 20)),
            'P6': self._customer(company, 'P6', d(2026, 2, 1)),
            'P7': self._customer(company, 'P7', d(2026, 5, 25), d(2026, 6, 3)),
            }

    def _figures(self, company, period):
        Figure = Pool().get('telco.dashboard.figure')
        return {
            f.kpi: f for f in Figure.compute([company], period)}

    @with_transaction()
    def test_figures_customers(self):
        "The customer figures of May 2026 computed by hand"
        ooredoo, ooredoo_manager, tt, _ = self._setup()
        # the three clients of _setup became prospects today, after May
        self._customers(ooredoo)
        figures = self._figures(ooredoo, dt.date(2026, 5, 17))
        values = {k: (f.value, f.previous) for k, f in figures.items()}
        # end of May: P1, P2, P3 (P4 terminated, P7 in June); end of April:
        # P1, P4
        self.assertEqual(values['customers'], (3, 2))
        # May: P2, P3; April: P1
        self.assertEqual(values['customers_new'], (2, 1))
        self.assertEqual(values['terminations'], (1, 0))
        # May: P4 of the 2 customers at the end of April; April: none of
        # the 1 at the end of March (P4)
        self.assertEqual(values['churn_rate'], (Decimal('50.00'), 0))
        # May: P3, P5, P7; April: P2
        self.assertEqual(values['prospects_new'], (3, 1))
        # May: P2 and P3 of the prospects P2, P3, P5, P6, P7; April: P1 of
        # P1, P2, P6 (P4 was a customer since January)
        self.assertEqual(
            values['conversion_rate'],
            (Decimal('40.00'), Decimal('33.33')))
        # May: (20 + 10) / 2 days; April: 26 days (P1)
        self.assertEqual(
            values['conversion_delay'], (Decimal('15.0'), Decimal('26.0')))
        customers = figures['customers']
        self.assertEqual(customers.period, dt.date(2026, 5, 1))
        self.assertEqual(
            (customers.change, customers.trend, customers.judgement),
            (Decimal('50.0'), 'up', 'good'))
        # more terminations is bad news; no change in % from nothing
        terminations = figures['terminations']
        self.assertEqual(
            (terminations.change, terminations.trend,
                terminations.judgement),
            (None, 'up', 'bad'))
        self.assertIn('terminated', customers.definition.lower())

        # computed again: replaced, not added
        Figure = Pool().get('telco.dashboard.figure')
        count = Figure.search_count([('company', '=', ooredoo.id)])
        self._figures(ooredoo, dt.date(2026, 5, 1))
        self.assertEqual(
            Figure.search_count([('company', '=', ooredoo.id)]), count)

    @with_transaction()
    def test_figures_empty(self):
        "An operator without customers and a month without data"
        ooredoo, _, tt, _ = self._setup()
        self._customers(ooredoo)
        figures = self._figures(ooredoo, dt.date(2019, 1, 1))
        self.assertEqual(figures['customers'].value, 0)
        self.assertEqual(figures['terminations'].value, 0)
        # rates of an empty base have no meaning: left empty
        for code in ['churn_rate', 'conversion_rate', 'conversion_delay']:
            self.assertIsNone(figures[code].value, msg=code)
            self.assertIsNone(figures[code].trend, msg=code)
        # another operator's customers count for it only
        empty = create_operator(
            "Orange Tunisie", 'ORANGE', ['clients', 'dashboard'])
        figures = self._figures(empty, dt.date(2026, 5, 1))
        self.assertEqual(figures['customers'].value, 0)
        self.assertEqual(figures['customers_new'].value, 0)

    @with_transaction()
    def test_figures_records(self):
        "From a figure to the records it counts, as the operator's manager"
        pool = Pool()
        FigureOpen = pool.get('telco.dashboard.figure.open', type='wizard')
        Party = pool.get('party.party')
        ooredoo, manager, tt, tt_manager = self._setup()
        parties = self._customers(ooredoo)
        self._customers(tt)
        figures = self._figures(ooredoo, dt.date(2026, 5, 1))
        with as_user(manager):
            session_id, _, _ = FigureOpen.create()
            with Transaction().set_context(
                    active_model='telco.dashboard.figure',
                    active_id=figures['customers_new'].id,
                    active_ids=[figures['customers_new'].id]):
                action, = FigureOpen.execute(
                    session_id, {}, 'open_')['actions']
            FigureOpen.delete(session_id)
            action, _ = action
            self.assertEqual(action['res_model'], 'party.party')
            domain = PYSONDecoder().decode(action['pyson_domain'])
            found = Party.search(domain)
            self.assertEqual(
                sorted(p.name for p in found), ['P2', 'P3'])
            self.assertEqual(
                {p.id for p in found}, {parties['P2'].id, parties['P3'].id})

            # the figures of the list, as a workbook
            Report = pool.get('telco.dashboard.figure.xlsx', type='report')
            ids = [figures[k].id for k in ['customers', 'churn_rate']]
            ext, content, _, name = Report.execute(ids, {
                    'model': 'telco.dashboard.figure', 'ids': ids})
        self.assertEqual(ext, 'xlsx')
        self.assertTrue(name.startswith('Key Figures (.xlsx)'))
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            strings = workbook.read('xl/sharedStrings.xml').decode()
            sheet = workbook.read('xl/worksheets/sheet1.xml').decode()
        for text in ['Active customers', 'Churn rate', 'Previous Month',
                'Terminations of the month divided by']:
            self.assertIn(text, strings)
        # a header and the two figures; May's 3 customers beside April's 2
        self.assertEqual(sheet.count('<row '), 3)
        self.assertIn('<v>3</v>', sheet)
        self.assertIn('<v>50</v>', sheet)

    @with_transaction()
    def test_figures_operator(self):
        """Each operator computes and reads its own figures; an operator
        without the dashboard feature is refused them"""
        pool = Pool()
        Figure = pool.get('telco.dashboard.figure')
        Refresh = pool.get('telco.dashboard.figure.refresh', type='wizard')
        Feature = pool.get('telco.feature')
        ooredoo, manager, tt, tt_manager = self._setup()
        self._customers(ooredoo)
        orange = create_operator(
            "Orange Tunisie", 'ORANGE', ['clients', 'dashboard'])
        orange_manager = create_staff('orange_manager', orange, GROUPS)
        self._customers(orange)
        with as_user(manager):
            session_id, _, _ = Refresh.create()
            Refresh.execute(session_id, {
                    'start': {'period': dt.date(2026, 5, 20)},
                    }, 'compute')
            Refresh.delete(session_id)
            mine = Figure.search([])
            self.assertTrue(mine)
            self.assertEqual({f.company for f in mine}, {ooredoo})
            self.assertEqual({f.period for f in mine}, {dt.date(2026, 5, 1)})
        with as_user(orange_manager):
            self.assertEqual(Figure.search([]), [])
            with self.assertRaises(AccessError) as cm:
                Figure.read([mine[0].id], ['value'])
            # behind the database's wall the record does not exist
            assert_message(self, cm.exception, 'ir.msg_read_error')
        dashboard, = Feature.search([('code', '=', 'dashboard')])
        with as_user(tt_manager):
            with self.assertRaises(AccessError) as cm:
                Figure.search([])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_base.msg_feature_disabled',
                    feature=dashboard.rec_name, operator=tt.rec_name))

    @with_transaction()
    def test_figures_cron(self):
        "The cron computes the two last months of the dashboard's operators"
        pool = Pool()
        Figure = pool.get('telco.dashboard.figure')
        ooredoo, _, tt, _ = self._setup()
        Figure.refresh_cron()
        today = dt.date.today().replace(day=1)
        self.assertEqual(
            {(f.company, f.period) for f in Figure.search([])},
            {(ooredoo, today),
                (ooredoo, (today - dt.timedelta(days=1)).replace(day=1))})


    # --- the customer base by segment --------------------------------

    def _segments_example(self, company):
        """The customers of _customers given a category, an address in a
        governorate, a type and a birth date"""
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Category = pool.get('telco.customer.category')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        parties = self._customers(company)
        tunisia, = Country.search([('code', '=', 'TN')]) or Country.create(
            [{'name': "Tunisia", 'code': 'TN'}])
        subdivisions = {
            s.code: s for s in Subdivision.search([
                    ('code', 'in', ['TN-11', 'TN-61'])])}
        for code, name in [('TN-11', "Tunis"), ('TN-61', "Sfax")]:
            if code not in subdivisions:
                subdivisions[code], = Subdivision.create([{
                            'country': tunisia.id, 'code': code,
                            'name': name, 'type': 'governorate'}])
        public, business = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': code, 'name': name}
                for code, name in [
                    ('GP', "Grand public"), ('ENT', "Entreprises")]])
        tunis, sfax = subdivisions['TN-11'], subdivisions['TN-61']
        for name, category, subdivision, type_, birth in [
                ('P1', public, tunis, 'person', dt.date(2000, 6, 1)),
                ('P2', public, sfax, 'person', dt.date(1960, 1, 1)),
                ('P3', business, tunis, 'organization', None),
                ('P4', public, tunis, 'person', None),
                ]:
            party = parties[name]
            Party.write([party], {
                    'commercial_category_1': category.id,
                    'customer_type': type_,
                    'birth_date': birth,
                    })
            Address.create([{'party': party.id, 'subdivision': subdivision.id,
                        'country': tunisia.id}])
        return parties, public, business, tunis, sfax

    def _statistic(self, **context):
        Statistic = Pool().get('telco.dashboard.statistic')
        with Transaction().set_context(**context):
            return {
                s.segment: (s.customers, s.customers_new, s.terminations)
                for s in Statistic.search([])}

    @with_transaction()
    def test_segments(self):
        "The customer base by segment of April and May 2026, by hand"
        pool = Pool()
        Segment = pool.get('telco.dashboard.segment')
        ooredoo, manager, tt, tt_manager = self._setup()
        parties, public, business, tunis, sfax = self._segments_example(
            ooredoo)
        self._segments_example(tt)
        for period in [dt.date(2026, 4, 1), dt.date(2026, 5, 1)]:
            Segment.compute([ooredoo, tt], period)
        may = dict(from_period=dt.date(2026, 5, 1),
            to_period=dt.date(2026, 5, 31))
        with as_user(manager):
            # end of May: P1 (public, Tunis, 25 on 31 May), P2 (public,
            # Sfax, 66), P3 (business, Tunis); new: P2, P3; P4 (public,
            # Tunis) terminated
            self.assertEqual(self._statistic(dimension='category', **may), {
                    "[GP] Grand public": (2, 1, 1),
                    "[ENT] Entreprises": (1, 1, 0),
                    })
            self.assertEqual(
                self._statistic(dimension='subdivision', **may), {
                    "Tunis": (2, 1, 1),
                    "Sfax": (1, 1, 0),
                    })
            self.assertEqual(self._statistic(dimension='age_band', **may), {
                    "25 to 34": (1, 0, 0),
                    "65 and over": (1, 1, 0),
                    # an organization and a person without birth date
                    "(none)": (1, 1, 1),
                    })
            self.assertEqual(
                self._statistic(dimension='customer_type', **may), {
                    "Natural Person": (2, 1, 1),
                    "Legal Person": (1, 1, 0),
                    })
            # filtered by category and governorate
            self.assertEqual(self._statistic(
                    dimension='subdivision', category=public.id, **may), {
                    "Tunis": (1, 0, 1),
                    "Sfax": (1, 1, 0),
                    })
            self.assertEqual(self._statistic(
                    dimension='category', subdivision=tunis.id,
                    customer_type='person', **may), {
                    "[GP] Grand public": (1, 0, 1),
                    })
            # April and May: the customers at the end of May, the new ones
            # and the terminations of both months
            both = dict(may, from_period=dt.date(2026, 4, 1))
            self.assertEqual(self._statistic(dimension='category', **both), {
                    "[GP] Grand public": (2, 2, 1),
                    "[ENT] Entreprises": (1, 1, 0),
                    })
            # month by month: each month's customers at its end
            self.assertEqual(self._statistic(dimension='period', **both), {
                    "2026-04": (2, 1, 0),
                    "2026-05": (3, 2, 1),
                    })
            # a month without data
            self.assertEqual(self._statistic(
                    dimension='category', from_period=dt.date(2019, 1, 1),
                    to_period=dt.date(2019, 1, 1)), {})
        # computed again: replaced, not added
        count = Segment.search_count([])
        Segment.compute([ooredoo], dt.date(2026, 5, 1))
        self.assertEqual(Segment.search_count([]), count)

    @with_transaction()
    def test_segments_records_and_xlsx(self):
        """From a segment to its customers, and the statistic with its
        filters as a workbook"""
        pool = Pool()
        Segment = pool.get('telco.dashboard.segment')
        Statistic = pool.get('telco.dashboard.statistic')
        Open = pool.get('telco.dashboard.statistic.open', type='wizard')
        Party = pool.get('party.party')
        Report = pool.get('telco.dashboard.statistic.xlsx', type='report')
        ooredoo, manager, tt, tt_manager = self._setup()
        parties, public, business, tunis, sfax = self._segments_example(
            ooredoo)
        Segment.compute([ooredoo], dt.date(2026, 5, 1))
        context = dict(
            dimension='subdivision', category=public.id,
            from_period=dt.date(2026, 5, 1), to_period=dt.date(2026, 5, 1))
        with as_user(manager), Transaction().set_context(**context):
            statistics = {s.segment: s for s in Statistic.search([])}
            session_id, _, _ = Open.create()
            with Transaction().set_context(
                    active_model='telco.dashboard.statistic',
                    active_id=statistics["Sfax"].id,
                    active_ids=[statistics["Sfax"].id]):
                action, = Open.execute(session_id, {}, 'open_')['actions']
            Open.delete(session_id)
            action, _ = action
            domain = PYSONDecoder().decode(action['pyson_domain'])
            self.assertEqual(
                [p.name for p in Party.search(domain)], ['P2'])

            ids = [s.id for s in statistics.values()]
            ext, content, _, name = Report.execute(ids, {
                    'model': 'telco.dashboard.statistic', 'ids': ids})
        self.assertEqual(ext, 'xlsx')
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            strings = workbook.read('xl/sharedStrings.xml').decode()
            sheet = workbook.read('xl/worksheets/sheet1.xml').decode()
        # the filters written above the figures
        for text in ['Governorate', 'Grand public', 'Tunis', 'Sfax',
                'Customers', 'New Customers']:
            self.assertIn(text, strings)
        # dimension, two months, the category, a blank, header, 2 rows
        self.assertEqual(sheet.count('<row '), 7)

    @with_transaction()
    def test_segments_operator(self):
        """An operator's statistics hold its own customers only; the
        dashboard feature gates them"""
        pool = Pool()
        Segment = pool.get('telco.dashboard.segment')
        Statistic = pool.get('telco.dashboard.statistic')
        Feature = pool.get('telco.feature')
        ooredoo, manager, tt, tt_manager = self._setup()
        orange = create_operator(
            "Orange Tunisie", 'ORANGE', ['clients', 'dashboard'])
        orange_manager = create_staff('orange_manager', orange, GROUPS)
        self._segments_example(ooredoo)
        Segment.compute([ooredoo, orange], dt.date(2026, 5, 1))
        may = dict(dimension='category', from_period=dt.date(2026, 5, 1),
            to_period=dt.date(2026, 5, 1))
        ours = Segment.search([('company', '=', ooredoo.id)])
        with as_user(orange_manager):
            self.assertEqual(self._statistic(**may), {})
            # even when the context names the other operator (which the
            # RPC refuses before)
            self.assertEqual(self._statistic(company=ooredoo.id, **may), {})
            self.assertEqual(Segment.search([]), [])
            with self.assertRaises(AccessError):
                Segment.read([ours[0].id], ['customers'])
        dashboard, = Feature.search([('code', '=', 'dashboard')])
        with as_user(tt_manager):
            with self.assertRaises(AccessError) as cm:
                Statistic.search([])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_base.msg_feature_disabled',
                    feature=dashboard.rec_name, operator=tt.rec_name))

    # --- recommendations ------------------------------------------------

    def _prospecting_example(self, company):
        """Customers and prospects of four governorates at June 30th 2026:
        old customers (before the 12 months) and the prospects of the 12
        months, some converted"""
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        tunisia, = Country.search([('code', '=', 'TN')]) or Country.create(
            [{'name': "Tunisia", 'code': 'TN'}])
        d = dt.date
        subdivisions = {}
        # name: old customers, prospects of the 12 months, converted
        zones = {
            'Tunis': ('TN-11', 10, 10, 2),
            'Sfax': ('TN-61', 2, 6, 3),
            'Sousse': ('TN-51', 4, 5, 0),
            'Bizerte': ('TN-23', 8, 0, 0),
            }
        table = Party.__table__()
        cursor = Transaction().connection.cursor()
        for name, (code, old, prospects, converted) in zones.items():
            subdivision, = Subdivision.search([('code', '=', code)]) or (
                Subdivision.create([{
                            'country': tunisia.id, 'code': code,
                            'name': name, 'type': 'governorate'}]))
            subdivisions[name] = subdivision
            people = []
            for i in range(old):
                people.append((f'{name} old {i}', d(2024, 12, 1),
                        d(2025, 1, 1)))
            for i in range(prospects):
                people.append((f'{name} prospect {i}', d(2025, 9, 1 + i),
                        d(2026, 2, 1 + i) if i < converted else None))
            for person, prospect, customer in people:
                party, = Party.create([{
                            'name': person, 'company': company.id}])
                Address.create([{'party': party.id,
                            'country': tunisia.id,
                            'subdivision': subdivision.id}])
                cursor.execute(*table.update(
                        [table.prospect_date, table.customer_date,
                            table.customer_state],
                        [prospect, customer,
                            'active' if customer else 'prospect'],
                        where=table.id == party.id))
        return subdivisions

    @with_transaction()
    def test_recommendation_prospecting(self):
        "Where to prospect at June 30th 2026, by hand"
        pool = Pool()
        Recommendation = pool.get('telco.dashboard.recommendation')
        Open = pool.get('telco.dashboard.recommendation.open', type='wizard')
        Party = pool.get('party.party')
        ooredoo, manager, tt, tt_manager = self._setup()
        subdivisions = self._prospecting_example(ooredoo)
        # prospects of the 12 months: Tunis 2 of 10, Sfax 3 of 6, Sousse 0
        # of 5 (5 of 21, 23.81 %); customers: Tunis 12, Sfax 5, Sousse 4,
        # Bizerte 8 of 29, the median share 27.59 % (Bizerte's): Sfax
        # converts best and its base (17.24 %) is below the median
        recommendation, = Recommendation.compute(
            [ooredoo], dt.date(2026, 6, 30))
        self.assertEqual(recommendation.strategy, 'prospecting')
        self.assertEqual(recommendation.title, "Prospect in Sfax: prospects "
            "convert well there and the customer base is thin")
        self.assertEqual(recommendation.figures,
            "Sfax: 3 of the 6 prospects of the last 12 months became "
            "customers (50 %; the operator's average: 24 %). 5 customers, "
            "17 % of the base (the median: 28 %).")
        self.assertEqual(recommendation.score, Decimal('50.00'))
        self.assertEqual(recommendation.subdivision, subdivisions['Sfax'])
        self.assertIn('Prospects at Least', recommendation.method)
        self.assertEqual(
            (recommendation.state, recommendation.action), ('open', 'owner'))

        # the records behind it: Sfax's prospects still to convert
        with as_user(manager):
            session_id, _, _ = Open.create()
            with Transaction().set_context(
                    active_model='telco.dashboard.recommendation',
                    active_id=recommendation.id,
                    active_ids=[recommendation.id]):
                action, = Open.execute(session_id, {}, 'open_')['actions']
            Open.delete(session_id)
            action, _ = action
            self.assertEqual(action['res_model'], 'party.party')
            found = Party.search(
                PYSONDecoder().decode(action['pyson_domain']))
            self.assertEqual(sorted(p.name for p in found), [
                    'Sfax prospect 3', 'Sfax prospect 4', 'Sfax prospect 5'])

        # an operator that asks for 7 prospects at least: Sfax had 6
        Configuration = pool.get('telco.configuration')
        with Transaction().set_context(company=ooredoo.id):
            configuration = Configuration(1)
            configuration.recommendation_min_prospects = 7
            configuration.save()
        self.assertEqual(
            Recommendation.compute([ooredoo], dt.date(2026, 6, 30)), [])

        # no data, no advice
        orange = create_operator(
            "Orange Tunisie", 'ORANGE', ['clients', 'dashboard'])
        self.assertEqual(
            Recommendation.compute([orange], dt.date(2026, 6, 30)), [])

    @with_transaction()
    def test_recommendation_actions(self):
        """A recommendation assigned to one of the staff, who is notified;
        dismissed, it is not given again until reopened; another operator
        neither sees nor assigns it"""
        pool = Pool()
        Recommendation = pool.get('telco.dashboard.recommendation')
        Assign = pool.get(
            'telco.dashboard.recommendation.assign', type='wizard')
        Notification = pool.get('telco.notification')
        ooredoo, manager, tt, tt_manager = self._setup()
        seller = create_staff('ooredoo_seller', ooredoo, STAFF_GROUPS)
        self._prospecting_example(ooredoo)
        date = dt.date(2026, 6, 30)
        recommendation, = Recommendation.compute([ooredoo], date)

        def assign(user, owner):
            with as_user(user):
                session_id, _, _ = Assign.create()
                with Transaction().set_context(
                        active_model='telco.dashboard.recommendation',
                        active_id=recommendation.id,
                        active_ids=[recommendation.id]):
                    Assign.execute(session_id, {
                            'start': {'owner': owner.id,
                                'company': ooredoo.id},
                            }, 'assign')
                Assign.delete(session_id)

        # the owner must be of the operator's staff: another operator's
        # user is not even found
        with self.assertRaises(AccessError):
            assign(manager, tt_manager)
        # and the step checks it again where no rule applies (a cron, the
        # platform's administrator)
        with self.assertRaises(RecommendationError) as cm:
            session_id, _, _ = Assign.create()
            with Transaction().set_context(
                    active_model='telco.dashboard.recommendation',
                    active_id=recommendation.id,
                    active_ids=[recommendation.id]):
                Assign.execute(session_id, {
                        'start': {'owner': tt_manager.id,
                            'company': ooredoo.id},
                        }, 'assign')
        assert_message(self, cm.exception,
            'telco_dashboard.msg_recommendation_owner_company')
        self.assertEqual(Recommendation(recommendation.id).state, 'open')
        assign(manager, seller)
        recommendation = Recommendation(recommendation.id)
        self.assertEqual(
            (recommendation.state, recommendation.owner), ('done', seller))
        notification, = Notification.search([('user', '=', seller.id)])
        self.assertEqual(notification.subject, recommendation.title)
        self.assertIn('3 of the 6 prospects', notification.body)
        # done: kept, not given again
        self.assertEqual(Recommendation.compute([ooredoo], date), [])

        # dismissed: not given again until reopened
        Recommendation.write([recommendation], {'state': 'open'})
        with as_user(manager):
            Recommendation.dismiss([recommendation])
            self.assertEqual(Recommendation.compute([ooredoo], date), [])
            Recommendation.reopen([recommendation])
        self.assertEqual(Recommendation(recommendation.id).state, 'open')
        # computed again: the open one is replaced
        new, = Recommendation.compute([ooredoo], date)
        self.assertEqual(Recommendation.search([]), [new])

        orange = create_operator(
            "Orange Tunisie", 'ORANGE', ['clients', 'dashboard'])
        orange_manager = create_staff('orange_manager', orange, GROUPS)
        with as_user(orange_manager):
            self.assertEqual(Recommendation.search([]), [])
            with self.assertRaises(AccessError):
                Recommendation.dismiss([Recommendation(new.id)])
        self.assertEqual(Recommendation(new.id).state, 'open')

    @with_transaction()
    def test_digest(self):
        """The weekly digest e-mails the figures to the readers of each
        operator with the dashboard, the workbook attached"""
        pool = Pool()
        User = pool.get('res.user')
        Notification = pool.get('telco.notification')
        Figure = pool.get('telco.dashboard.figure')
        ooredoo, manager, tt, tt_manager = self._setup()
        User.write([manager], {'email': 'manager@ooredoo.example.com'})
        User.write([tt_manager], {'email': 'manager@tt.example.com'})
        self._customers(ooredoo)
        # an agent of Ooredoo who does not read the figures
        create_staff(
            'agent', ooredoo, STAFF_GROUPS, email='agent@ooredoo.example.com')

        Figure.send_digest()
        run_queue()
        # Tunisie Telecom has no dashboard: nothing to its manager
        self.assertEqual(
            [to for to, _ in self.smtp.messages],
            [['manager@ooredoo.example.com']])
        message = self.smtp.messages[0][1]
        month = dt.date.today().strftime('%Y-%m')
        self.assertEqual(
            message['Subject'], f'Key figures of Ooredoo Tunisie, {month}')
        body, attachment = [
            p for p in message.iter_parts()]
        # P1, P2, P3 and P7 (P4 terminated in May), this month and the last
        self.assertIn(
            'Active customers: 4 (the month before: 4)',
            body.get_content())
        # the three clients of _setup became prospects today
        self.assertIn(
            'New prospects: 3 (the month before: 0)', body.get_content())
        self.assertIn(
            'Churn rate: 0.00 % (the month before: 0.00)', body.get_content())
        self.assertIn(
            'Conversion delay: - (the month before: -)',
            body.get_content())
        self.assertEqual(
            attachment.get_filename(), f'key-figures-OOREDOO-{month}.xlsx')
        with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as book:
            self.assertIn(
                'Active customers',
                book.read('xl/sharedStrings.xml').decode())
        notification, = Notification.search([('user', '=', manager.id)])
        self.assertEqual(notification.company, ooredoo)
        self.assertEqual(
            bytes(notification.attachment), attachment.get_content())


del PlatformTestCase
