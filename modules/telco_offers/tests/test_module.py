# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    as_user, assert_message, create_operator, create_staff, savepoint,
    with_transaction)
from trytond.modules.telco_billing.tests.test_module import pdf_text
from trytond.modules.telco_billing.tests.tools import (
    create_catalogue, create_invoice, setup_accounting)
from trytond.modules.telco_offers.exceptions import EligibilityError
from trytond.modules.telco_offers.advertise import MESSAGE_PLACEHOLDERS
from trytond.modules.telco_offers.eligibility import CustomerProfile
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.sendmail import SMTPDataManager
from trytond.transaction import Transaction

from .tools import (
    MARKETING, MARKETING_EMAIL, SALES, create_customer, create_products,
    create_sale, tunisia)

SUMMER_DAY = dt.date(2026, 7, 14)
WINTER_DAY = dt.date(2026, 11, 20)


class TelcoOffersTestCase(SMTPTestMixin, CompanyTestMixin, PlatformTestCase):
    "Test Telco Offers module"
    module = 'telco_offers'

    def _operator(self, code='OOREDOO', name="Ooredoo Tunisie",
            features=('clients', 'offers')):
        pool = Pool()
        Company = pool.get('company.company')
        country, _ = tunisia()
        company = create_operator(name, code, list(features))
        Company.write([company], {'phone_country': country.id})
        return company

    def _zone(self, company, code, subdivisions):
        pool = Pool()
        Zone = pool.get('telco.offer.zone')
        zone, = Zone.create([{
                    'company': company.id, 'code': code, 'name': code.title(),
                    'subdivisions': [('add', [s.id for s in subdivisions])],
                    }])
        return zone

    def _band(self, company, name, minimum, maximum=None):
        pool = Pool()
        Band = pool.get('telco.offer.consumption_band')
        band, = Band.create([{
                    'company': company.id, 'name': name,
                    'minimum': Decimal(minimum),
                    'maximum': Decimal(maximum) if maximum else None,
                    }])
        return band

    def _season(self, company, name, start, end, periods=()):
        pool = Pool()
        Season = pool.get('telco.offer.season')
        season, = Season.create([{
                    'company': company.id, 'name': name,
                    'start_month': start[0] if start else None,
                    'start_day': start[1] if start else None,
                    'end_month': end[0] if end else None,
                    'end_day': end[1] if end else None,
                    'periods': [('create', [{
                                    'start_date': s, 'end_date': e}
                                for s, e in periods])],
                    }])
        return season

    def _promotion(self, company, name, formula, **values):
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        promotion, = Promotion.create([{
                    'company': company.id, 'name': name,
                    'formula': formula, **values}])
        return promotion

    def _activate_line(self, company, customer, number, kind):
        pool = Pool()
        Line = pool.get('telco.line')
        with Transaction().set_context(company=company.id):
            line, = Line.create([{
                        'company': company.id, 'customer': customer.id,
                        'number': number, 'kind': kind}])
            Line.write([line], {'state': 'active'})
        return line

    @with_transaction()
    def test_season_contains(self):
        "Seasons by days of the year, across the year end and dated"
        company = self._operator()
        summer = self._season(company, "Summer", (6, 15), (8, 31))
        year_end = self._season(company, "Year End", (12, 15), (1, 10))
        ramadan = self._season(company, "Ramadan", None, None, [
                (dt.date(2026, 2, 18), dt.date(2026, 3, 19)),
                (dt.date(2027, 2, 8), dt.date(2027, 3, 9)),
                ])
        self.assertTrue(summer.contains(SUMMER_DAY))
        self.assertTrue(summer.contains(dt.date(2030, 8, 31)))
        self.assertFalse(summer.contains(dt.date(2026, 9, 1)))
        self.assertTrue(year_end.contains(dt.date(2026, 12, 31)))
        self.assertTrue(year_end.contains(dt.date(2027, 1, 5)))
        self.assertFalse(year_end.contains(dt.date(2027, 1, 11)))
        self.assertFalse(year_end.contains(SUMMER_DAY))
        self.assertTrue(ramadan.contains(dt.date(2027, 2, 15)))
        self.assertFalse(ramadan.contains(dt.date(2027, 3, 10)))

    @with_transaction()
    def test_season_invalid_day(self):
        "A season needs days that exist or dated periods"
        company = self._operator()
        with self.assertRaisesRegex(ValidationError, "day"):
            self._season(company, "Bad", (2, 30), (3, 1))
        with self.assertRaises(ValidationError) as cm:
            self._season(company, "Empty", None, None)
        assert_message(self, cm.exception, 'ir.msg_required_validation_record')
        leap = self._season(company, "Leap", (2, 29), (3, 1))
        self.assertTrue(leap.contains(dt.date(2028, 2, 29)))

    @with_transaction()
    def test_eligibility_rules(self):
        "Each rule of an offer refuses the customers that do not meet it"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Party = pool.get('party.party')
        Category = pool.get('telco.customer.category')
        company = self._operator()
        _, subdivisions = tunisia()
        tunis = self._zone(company, 'TUNIS', [subdivisions['TN-11']])
        self._zone(company, 'SAHEL', [subdivisions['TN-51']])
        small = self._band(company, "Small", '0', '30')
        big = self._band(company, "Big", '30')
        youth, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': 'YOUTH', 'name': "Jeunes"}])
        products = create_products(company)
        offer, = Offer.create([{
                    'company': company.id, 'code': 'JEUNES',
                    'name': "Forfait Jeunes", 'kind': 'plan',
                    'product': products['LINE'].id,
                    'minutes': 120, 'sms': None, 'data_mb': 10240,
                    'customer_types': ['person'],
                    'customer_categories': [('add', [youth.id])],
                    'zones': [('add', [tunis.id])],
                    'line_kinds': ['mobile_prepaid', 'fixed'],
                    'consumption_bands': [('add', [big.id])],
                    'age_min': 18, 'age_max': 30,
                    }])
        self.assertEqual(offer.price, Decimal('35.000'))
        today = dt.date.today()
        customer = create_customer(
            company, "Sami", subdivisions['TN-11'],
            birth_date=today.replace(year=today.year - 25))

        def refusal():
            profile = CustomerProfile(
                Party(customer.id), company.id, today)
            return offer.ineligibility(profile, today)

        def rule(name):
            return gettext(
                'telco_offers.msg_rule_' + name,
                customer=customer.rec_name, rule=offer.rec_name)

        self.assertEqual(refusal(), rule('category'))
        Party.write([customer], {'commercial_category_1': youth.id})
        self.assertEqual(refusal(), rule('line_kind'))
        self._activate_line(company, customer, '+21671123456', 'fixed')
        self.assertEqual(refusal(), rule('consumption'))
        # 100 over the last 3 months
        create_sale(company, customer, [(products['CASE'], 4)],
            date=today - dt.timedelta(days=10), state='confirmed')
        profile = CustomerProfile(Party(customer.id), company.id, today)
        self.assertEqual(profile.consumption, Decimal('33.333'))
        self.assertEqual(profile.bands, {big.id})
        self.assertNotIn(small.id, profile.bands)
        self.assertIsNone(refusal())

        # the other rules one by one
        Party.write([customer], {
                'birth_date': today.replace(year=today.year - 40)})
        self.assertEqual(refusal(), rule('age'))
        Party.write([customer], {
                'birth_date': today.replace(year=today.year - 25)})
        Offer.write([offer], {'customer_types': ['organization']})
        self.assertEqual(refusal(), rule('customer_type'))
        Offer.write([offer], {'customer_types': []})
        Party.write([customer], {'addresses': [('write',
                        [a.id for a in customer.addresses],
                        {'subdivision': subdivisions['TN-51'].id})]})
        self.assertEqual(refusal(), rule('zone'))
        Offer.write([offer], {'zones': [('remove', [tunis.id])]})
        self.assertIsNone(refusal())
        Offer.write([offer], {'end_date': today - dt.timedelta(days=1)})
        self.assertEqual(refusal(), gettext(
                'telco_offers.msg_offer_not_valid',
                offer=offer.rec_name, date=today))

    @with_transaction()
    def test_absurd_values(self):
        "Bands, seasons, ages, allowances and caps out of bounds"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Band = pool.get('telco.offer.consumption_band')
        Period = pool.get('telco.offer.season.period')
        Promotion = pool.get('sale.promotion')
        company = self._operator()
        products = create_products(company)
        band = self._band(company, "Small", '0', '30')
        season = self._season(company, "Ramadan", None, None, [
                (dt.date(2026, 2, 18), dt.date(2026, 3, 19))])
        period, = season.periods
        promotion = self._promotion(
            company, "Clé -10 %", 'unit_price * 0.9', quantity_cap=2)
        offer, = Offer.create([{
                    'company': company.id, 'code': 'JEUNES',
                    'name': "Forfait Jeunes", 'kind': 'plan',
                    'product': products['LINE'].id, 'minutes': 120,
                    }])
        for Model, record, name, value in [
                (Offer, offer, 'minutes', 10 ** 9 + 1),
                (Offer, offer, 'data_mb', -1),
                (Offer, offer, 'age_min', 200),
                (Offer, offer, 'start_date', dt.date(1899, 1, 1)),
                (Offer, offer, 'end_date', dt.date(9999, 1, 1)),
                (Band, band, 'maximum', Decimal(10 ** 10)),
                (Period, period, 'end_date', dt.date(2999, 1, 1)),
                (Promotion, promotion, 'quantity_cap', 1e10),
                (Promotion, promotion, 'budget_cap', Decimal(10 ** 10)),
                ]:
            with self.subTest(model=Model.__name__, name=name):
                with self.assertRaises(DomainValidationError) as cm, \
                        savepoint():
                    Model.write([Model(record.id)], {name: value})
                names = Model.__names__(name, Model(record.id))
                names['value'] = str(value)
                self.assertEqual(cm.exception.message, gettext(
                        'ir.msg_domain_validation_record', **names))
        Offer.write([offer], {
                'minutes': 10 ** 9, 'age_min': 0, 'age_max': 150,
                'start_date': dt.date(1900, 1, 1),
                'end_date': dt.date(2200, 12, 31)})

    @with_transaction()
    def test_offer_refused_on_quote(self):
        "A sale cannot quote an offer to a customer outside its rules"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Sale = pool.get('sale.sale')
        company = self._operator()
        products = create_products(company)
        Offer.create([{
                    'company': company.id, 'code': 'PRO',
                    'name': "Forfait Pro", 'kind': 'plan',
                    'product': products['LINE'].id,
                    'customer_types': ['organization'],
                    }])
        person = create_customer(company, "Sami")
        sale = create_sale(
            company, person, [(products['LINE'], 1)], state='draft')
        with Transaction().set_context(company=company.id):
            with self.assertRaisesRegex(EligibilityError, "Forfait Pro"):
                Sale.quote([sale])
        firm = create_customer(
            company, "Sotupa", customer_type='organization')
        sale = create_sale(company, firm, [(products['LINE'], 1)])
        self.assertEqual(sale.state, 'quotation')

    @with_transaction()
    def test_pack_split(self):
        "The pack price is split on the components, the remainder last"
        pool = Pool()
        Pack = pool.get('telco.pack')
        Revenue = pool.get('telco.pack.revenue')
        company = self._operator()
        products = create_products(company, [
                ('PHONE', "Samsung Galaxy A15", 'service', '549.000'),
                ('LINE', "Ligne mobile", 'service', '35.000'),
                ('KEY4G', "Clé 4G", 'service', '89.000'),
                ('PACK', "Pack Galaxy 4G", 'service', '600.000'),
                ])
        pack, = Pack.create([{
                    'company': company.id, 'code': 'GALAXY',
                    'name': "Pack Galaxy 4G",
                    'product': products['PACK'].id,
                    'components': [('create', [
                                {'product': products[c].id, 'quantity': q}
                                for c, q in [
                                    ('PHONE', 1), ('LINE', 1),
                                    ('KEY4G', 1)]])],
                    }])
        self.assertEqual(pack.price, Decimal('600.000'))
        self.assertEqual(pack.components_price, Decimal('673.000'))
        split = pack.split(Decimal('600.000'))
        amounts = [a for _, _, a in split]
        # 600 * 549 / 673, 600 * 35 / 673, and what is left
        self.assertEqual(amounts, [
                Decimal('489.450'), Decimal('31.204'), Decimal('79.346')])
        self.assertEqual(sum(amounts), Decimal('600.000'))
        self.assertEqual(
            [c.share for c in pack.components], amounts)
        with self.assertRaises(ValidationError) as cm, savepoint():
            Pack.write([pack], {'components': [('create', [{
                                'product': products['PACK'].id,
                                'quantity': 1}])]})
        assert_message(
            self, cm.exception, 'telco_offers.msg_pack_contains_itself')

        customer = create_customer(company, "Sami")
        sale = create_sale(
            company, customer, [(products['PACK'], 2)], state='confirmed')
        line, = sale.lines
        self.assertEqual(line.pack, pack)
        revenues = Revenue.search([('sale', '=', sale.id)])
        self.assertEqual(
            sorted((r.product.code, r.quantity, r.amount) for r in revenues),
            [('KEY4G', 2, Decimal('158.693')),
                ('LINE', 2, Decimal('62.407')),
                ('PHONE', 2, Decimal('978.900'))])
        self.assertEqual(sum(r.amount for r in revenues), line.amount)

        # taken back to draft (and cancelled, the only way to cancel a
        # confirmed sale): its revenue goes, another sale's stays, and it
        # comes back with a new confirmation
        Sale = pool.get('sale.sale')
        other = create_sale(
            company, customer, [(products['PACK'], 1)], state='confirmed')
        self.assertEqual(Revenue.search_count([('sale', '=', other.id)]), 3)
        with Transaction().set_context(company=company.id):
            Sale.draft([sale])
            self.assertEqual(
                Revenue.search_count([('sale', '=', sale.id)]), 0)
            self.assertEqual(
                Revenue.search_count([('sale', '=', other.id)]), 3)
            Sale.quote([sale])
            Sale.confirm([sale])
        self.assertEqual(
            sorted((r.product.code, r.quantity, r.amount)
                for r in Revenue.search([('sale', '=', sale.id)])),
            [('KEY4G', 2, Decimal('158.693')),
                ('LINE', 2, Decimal('62.407')),
                ('PHONE', 2, Decimal('978.900'))])

    def _point(self, company, chart=True):
        "A point of sale of the operator and a card payment method"
        pool = Pool()
        POS = pool.get('sale.point')
        Journal = pool.get('account.journal')
        Location = pool.get('stock.location')
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')
        Account = pool.get('account.account')
        Method = pool.get('sale.point.payment.method')
        storage, = Location.search([('code', '=', 'STO')])
        customer, = Location.search([('type', '=', 'customer')], limit=1)
        with Transaction().set_context(company=company.id):
            if 'company' in Location._fields:
                # telco_stock: a point sells from a location of its operator
                storage, = Location.create([{
                            'name': "Tunis Centre", 'type': 'storage',
                            'company': company.id}])
            journal, = Journal.search([('type', '=', 'revenue')], limit=1)
            sequence, = Sequence.create([{
                        'name': "POS", 'company': company.id,
                        'sequence_type': ModelData.get_id(
                            'sale_point', 'sequence_type_sale'),
                        }])
            point, = POS.create([{
                        'name': "Tunis Centre", 'company': company.id,
                        'journal': journal.id, 'sequence': sequence.id,
                        'storage_location': storage.id,
                        'return_location': storage.id,
                        'customer_location': customer.id,
                        }])
            if chart:
                create_chart(company)
            account, = Account.search([
                    ('company', '=', company.id), ('code', '=', '1.1.1')])
            method, = Method.create([{
                        'company': company.id, 'name': "Carte",
                        'account': account.id, 'cash': False}])
        return point, method

    def _shop_sale(self, company, point, products, customer=None):
        "An open shop sale of the products priced as by the cash desk"
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        with Transaction().set_context(company=company.id):
            sale = POSSale(company=company, point=point, customer=customer)
            lines = []
            for product, quantity in products:
                line = Line(sale=sale, product=product, quantity=quantity)
                line.on_change_product()
                lines.append(line)
            sale.lines = lines
            sale.save()
        return sale

    def _galaxy_pack(self, company, products):
        "The pack of PHONE and KEY4G sold as PACK"
        pool = Pool()
        Pack = pool.get('telco.pack')
        pack, = Pack.create([{
                    'company': company.id, 'code': 'GALAXY',
                    'name': "Pack Galaxy 4G",
                    'product': products['PACK'].id,
                    'components': [('create', [
                                {'product': products[c].id, 'quantity': 1}
                                for c in ['PHONE', 'KEY4G']])],
                    }])
        return pack

    def _paid_shop_sale(self, company, point, method, items):
        "A shop sale of [(product, unit price)] paid and done"
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        with Transaction().set_context(company=company.id):
            sale, = POSSale.create([{
                        'company': company.id, 'point': point.id,
                        'lines': [('create', [{
                                        'product': product.id, 'quantity': 1,
                                        'unit_list_price': price,
                                        'unit_gross_price': price,
                                        } for product, price in items])],
                        }])
            Payment.create([{
                        'sale': sale.id, 'method': method.id,
                        'amount': sale.total}])
            POSSale.process([sale])
        return sale

    @with_transaction()
    def test_pack_sold_in_shop(self):
        "A pack sold at a shop's point of sale has its revenue split"
        pool = Pool()
        Revenue = pool.get('telco.pack.revenue')
        company = self._operator()
        products = create_products(company, [
                ('PHONE', "Samsung Galaxy A15", 'service', '549.000'),
                ('KEY4G', "Clé 4G", 'service', '89.000'),
                ('PACK', "Pack Galaxy 4G", 'service', '600.000'),
                ])
        self._galaxy_pack(company, products)
        point, method = self._point(company)
        sale = self._paid_shop_sale(
            company, point, method, [(products['PACK'], Decimal('600'))])
        self.assertEqual(sale.state, 'done')
        revenues = Revenue.search([('pos_line', 'in', sale.lines)])
        self.assertEqual(
            sorted((r.product.code, r.amount) for r in revenues),
            [('KEY4G', Decimal('83.699')), ('PHONE', Decimal('516.301'))])

    @with_transaction()
    def test_dashboard_figures(self):
        """The promotion and pack figures of May 2026 by hand, sales and
        shop sales together"""
        pool = Pool()
        Figure = pool.get('telco.dashboard.figure')
        POSSale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        Revenue = pool.get('telco.pack.revenue')
        company = self._operator(features=('clients', 'offers', 'dashboard'))
        products = create_catalogue(company, setup_accounting(company))
        products.update(create_products(company, [
                    ('PACK', "Pack Galaxy 4G", 'service', '600.000')]))
        # sold at the cash desk, with the accounts and taxes of the others
        pool.get('product.template').write([products['PACK'].template], {
                'account_category': products['PHONE'].account_category.id})
        self._galaxy_pack(company, products)
        self._promotion(
            company, "Clé -10 %", 'unit_price * 0.9',
            products=[('add', [products['KEY4G'].id])])
        customer = create_customer(company, "Sami")
        # May: a pack and 2 keys at 80.100 sold, a key only quoted; April:
        # a key sold
        may, april = dt.date(2026, 5, 12), dt.date(2026, 4, 3)
        create_sale(company, customer,
            [(products['PACK'], 1), (products['KEY4G'], 2)], date=may,
            state='confirmed')
        create_sale(company, customer, [(products['KEY4G'], 1)], date=may)
        create_sale(company, customer, [(products['KEY4G'], 1)],
            date=april, state='confirmed')
        # in the shop on May 20th: a pack, then a key at 80.100
        point, method = self._point(company, chart=False)
        pack_sale = self._paid_shop_sale(
            company, point, method, [(products['PACK'], Decimal('600'))])
        key_sale = self._shop_sale(company, point, [(products['KEY4G'], 1)])
        with Transaction().set_context(company=company.id):
            POSSale.pay([key_sale])
            Payment.create([{
                        'sale': key_sale.id, 'method': method.id,
                        'amount': key_sale.total}])
            POSSale.process([key_sale])
        shop_sale = POSSale.__table__()
        revenue = Revenue.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*shop_sale.update([shop_sale.date],
                [dt.date(2026, 5, 20)],
                where=shop_sale.id.in_([pack_sale.id, key_sale.id])))
        cursor.execute(*revenue.update([revenue.date],
                [dt.date(2026, 5, 20)],
                where=revenue.pos_line.in_([l.id for l in pack_sale.lines])))

        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], may)}
        # the line of 2 keys and the shop's key; the April key
        self.assertEqual(figures['promotion_uptake'], (2, 1))
        # 2 × 8.900 + 8.900; 8.900
        self.assertEqual(
            figures['promotion_cost'],
            (Decimal('26.700'), Decimal('8.900')))
        self.assertEqual(
            figures['pack_revenue'], (Decimal('1200.000'), 0))
        model, domain, _ = Figure.get_kpi('promotion_uptake').records(
            company.id, may.replace(day=1), dt.date(2026, 5, 31))
        sale, = pool.get(model).search(domain)
        self.assertEqual(
            (sale.sale_date, sale.state), (may, 'confirmed'))

        # by pack and by promotion
        Breakdown = pool.get('telco.dashboard.breakdown')
        self.assertEqual(
            {(b.division, b.label): b.value
                for b in Breakdown.compute([company], may)},
            {('pack_revenue_pack', "[GALAXY] Pack Galaxy 4G"):
                    Decimal('1200.000'),
                ('promotion_cost_promotion', "Clé -10 %"):
                    Decimal('26.700')})

        # an empty month
        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], dt.date(2025, 5, 1))}
        self.assertEqual(figures['promotion_uptake'], (0, 0))
        self.assertEqual(figures['pack_revenue'], (0, 0))

    @with_transaction()
    def test_dashboard_bands_and_offers(self):
        """The customers by consumption band at the end of May 2026 and the
        revenue of May by offer, by hand"""
        pool = Pool()
        Breakdown = pool.get('telco.dashboard.breakdown')
        Invoice = pool.get('account.invoice')
        Offer = pool.get('telco.offer')
        Party = pool.get('party.party')
        company = self._operator(features=('clients', 'offers', 'dashboard'))
        products = create_catalogue(company, setup_accounting(company))
        products.update(create_products(company, [
                    ('CARD', "Recharge 50", 'service', '50.000')]))
        mobile, fibre = Offer.create([{
                    'company': company.id, 'code': code, 'name': name,
                    'product': products[product].id}
                for code, name, product in [
                    ('M30', "Forfait Mobile", 'MOBILE'),
                    ('F100', "Fibre 100", 'FIBRE')]])
        low = self._band(company, "Low", '0', '50')
        medium = self._band(company, "Medium", '50', '400')
        self._band(company, "High", '400')
        # an inactive band counts nobody
        retired = self._band(company, "Retired", '0')
        retired.active = False
        retired.save()
        # Sami and Amel in Tunis, Rim in Sousse (the Sahel), the others
        # nowhere
        _, subdivisions = tunisia()
        tunis = self._zone(company, 'TUNIS', [subdivisions['TN-11']])
        self._zone(company, 'SAHEL', [subdivisions['TN-51']])
        where = {'Sami': 'TN-11', 'Amel': 'TN-11', 'Rim': 'TN-51'}
        names = ['Sami', 'Amel', 'Rim', 'Hedi', 'Nadia', 'Karim']
        customers = {
            n: create_customer(company, n, subdivisions.get(where.get(n)))
            for n in names}
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.update(
                [party.customer_date], [dt.date(2026, 1, 1)],
                where=party.id.in_([c.id for c in customers.values()])))
        # Karim left in May: not a customer at its end
        cursor.execute(*party.update(
                [party.termination_date], [dt.date(2026, 5, 20)],
                where=party.id == customers['Karim'].id))
        # the 90 days before June 1st start on March 3rd
        for name, items, date, state in [
                # 549 / 3 = 183: medium
                ('Sami', [('PHONE', 1)], dt.date(2026, 4, 10), 'confirmed'),
                # 89 / 3: low; the phone of February and the quotation
                # do not count
                ('Amel', [('KEY4G', 1)], dt.date(2026, 5, 31), 'confirmed'),
                ('Amel', [('PHONE', 1)], dt.date(2026, 3, 2), 'confirmed'),
                ('Amel', [('PHONE', 1)], dt.date(2026, 5, 2), 'quotation'),
                # 1,647 / 3 = 549: high
                ('Hedi', [('PHONE', 3)], dt.date(2026, 3, 3), 'confirmed'),
                # 150 / 3 = 50, the medium band's minimum: medium
                ('Nadia', [('CARD', 3)], dt.date(2026, 5, 15), 'confirmed'),
                ('Karim', [('PHONE', 1)], dt.date(2026, 5, 1), 'confirmed'),
                ]:
            create_sale(company, customers[name],
                [(products[c], q) for c, q in items], date=date, state=state)
        # invoiced in May: the mobile plan twice, the fibre once and a phone
        # (no offer); in April the mobile plan; a draft in May
        invoices = []
        for name, product, price, date in [
                ('Sami', 'MOBILE', '35', dt.date(2026, 5, 1)),
                ('Amel', 'MOBILE', '35', dt.date(2026, 5, 1)),
                ('Amel', 'FIBRE', '79.9', dt.date(2026, 5, 1)),
                ('Rim', 'PHONE', '549', dt.date(2026, 5, 3)),
                ('Sami', 'MOBILE', '35', dt.date(2026, 4, 1)),
                ]:
            invoices.append(create_invoice(
                    company, customers[name], products[product], price,
                    date))
        create_invoice(company, customers['Rim'], products['FIBRE'], '79.9',
            dt.date(2026, 5, 20))
        with Transaction().set_context(_skip_warnings=True):
            Invoice.post(invoices)

        may = dt.date(2026, 5, 1)
        divided = {
            (b.division, b.label): b.value
            for b in Breakdown.compute([company], may)
            if b.division in {
                    'customers_band', 'revenue_offer', 'revenue_zone'}}
        # Rim (nothing bought) and Amel are low
        self.assertEqual(divided, {
                ('customers_band', "Low"): 2,
                ('customers_band', "Medium"): 2,
                ('customers_band', "High"): 1,
                ('revenue_offer', "[M30] Forfait Mobile"): Decimal('70.000'),
                ('revenue_offer', "[F100] Fibre 100"): Decimal('79.900'),
                # 35 + 35 + 79.900 in Tunis, the phone in the Sahel
                ('revenue_zone', "[TUNIS] Tunis"): Decimal('149.900'),
                ('revenue_zone', "[SAHEL] Sahel"): Decimal('549.000'),
                })
        # the customers behind a band, the invoices behind an offer
        division = Breakdown.get_division('customers_band')
        model, domain, _ = division.records(
            company.id, may, dt.date(2026, 5, 31), medium.id)
        self.assertEqual(
            sorted(p.name for p in pool.get(model).search(domain)),
            ['Nadia', 'Sami'])
        model, domain, _ = division.records(
            company.id, may, dt.date(2026, 5, 31), low.id)
        self.assertEqual(
            sorted(p.name for p in pool.get(model).search(domain)),
            ['Amel', 'Rim'])
        division = Breakdown.get_division('revenue_offer')
        model, domain, _ = division.records(
            company.id, may, dt.date(2026, 5, 31), fibre.id)
        invoice, = pool.get(model).search(domain)
        self.assertEqual(invoice.party.name, 'Amel')
        self.assertEqual(invoice.invoice_date, may)
        division = Breakdown.get_division('revenue_zone')
        model, domain, _ = division.records(
            company.id, may, dt.date(2026, 5, 31), tunis.id)
        self.assertEqual(
            sorted(i.party.name for i in pool.get(model).search(domain)),
            ['Amel', 'Amel', 'Sami'])

        # a month before the customers: no band, no revenue
        self.assertFalse([
                b for b in Breakdown.compute([company], dt.date(2025, 5, 1))
                if b.division in {
                        'customers_band', 'revenue_offer', 'revenue_zone'}])

    @with_transaction()
    def test_promotion_in_shop(self):
        """The promotions apply on a shop sale when the cashier asks for the
        payment, those for customers only to a known customer"""
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        Promotion = pool.get('sale.promotion')
        company = self._operator()
        _, subdivisions = tunisia()
        sahel = self._zone(company, 'SAHEL', [subdivisions['TN-51']])
        products = create_catalogue(company, setup_accounting(company))
        key = self._promotion(
            company, "Clé -10 %", 'unit_price * 0.9', quantity_cap=2,
            products=[('add', [products['KEY4G'].id])])
        local = self._promotion(
            company, "Sahel -5", 'unit_price - 5', stacking='stackable',
            priority=5, zones=[('add', [sahel.id])],
            products=[('add', [products['PHONE'].id])])
        sami = create_customer(company, "Sami", subdivisions['TN-51'])
        point, method = self._point(company, chart=False)

        sale = self._shop_sale(company, point, [
                (products['KEY4G'], 1), (products['PHONE'], 1)])
        with Transaction().set_context(company=company.id):
            POSSale.pay([sale])
        key_line, phone_line = sale.lines
        self.assertEqual(key_line.unit_list_price, Decimal('80.1000'))
        # with the VAT of 19 %
        self.assertEqual(key_line.unit_gross_price, Decimal('95.3190'))
        self.assertEqual(
            key_line.original_unit_list_price, Decimal('89.000'))
        self.assertEqual(
            key_line.original_unit_gross_price, Decimal('105.9100'))
        self.assertEqual(key_line.promotion, key)
        # no customer: no promotion for customers
        self.assertEqual(phone_line.unit_list_price, Decimal('549.000'))
        self.assertEqual(sale.total, Decimal('748.629'))
        # an open shop sale holds its share of the cap
        self.assertEqual(Promotion(key.id).consumed_quantity, 1)

        # the customer is known: asked again, the prices start over
        with Transaction().set_context(company=company.id):
            POSSale.write([sale], {'customer': sami.id})
            POSSale.apply_promotions([sale])
        key_line, phone_line = sale.lines
        self.assertEqual(key_line.unit_list_price, Decimal('80.1000'))
        self.assertEqual(len(key_line.promotion_applications), 1)
        self.assertEqual(phone_line.unit_list_price, Decimal('544.000'))
        self.assertEqual(phone_line.promotion, local)
        self.assertEqual(Promotion(key.id).consumed_quantity, 1)

        # once paid, the prices stay
        with Transaction().set_context(company=company.id):
            Payment.create([{
                        'sale': sale.id, 'method': method.id,
                        'amount': sale.total}])
            Promotion.write([key], {'active': False})
            POSSale.apply_promotions([sale])
            self.assertEqual(
                sale.lines[0].unit_list_price, Decimal('80.1000'))
            POSSale.process([sale])
        self.assertEqual(sale.state, 'done')
        Promotion.write([key], {'active': True})

        # the cap: 1 key left
        other = self._shop_sale(
            company, point, [(products['KEY4G'], 2)])
        with Transaction().set_context(company=company.id):
            POSSale.pay([other])
        self.assertEqual(other.lines[0].unit_list_price, Decimal('89.000'))
        # a cancelled shop sale gives its keys back
        third = self._shop_sale(
            company, point, [(products['KEY4G'], 1)])
        with Transaction().set_context(company=company.id):
            POSSale.pay([third])
            self.assertEqual(Promotion(key.id).consumed_quantity, 2)
            POSSale.cancel([third])
        self.assertEqual(Promotion(key.id).consumed_quantity, 1)

    @with_transaction()
    def test_recommended_products(self):
        """A sale recommends the packs holding its products, then the
        products the operator's customers bought with them"""
        pool = Pool()
        Configuration = pool.get('sale.configuration')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        company = self._operator()
        products = create_products(company, [
                ('PHONE', "Samsung Galaxy A15", 'service', '549.000'),
                ('KEY4G', "Clé 4G", 'service', '89.000'),
                ('LINE', "Ligne mobile", 'service', '35.000'),
                ('CASE', "Coque", 'service', '25.000'),
                ('PACK', "Pack Galaxy 4G", 'service', '600.000'),
                ('OLD', "Ancien produit", 'service', '10.000'),
                ])
        self._galaxy_pack(company, products)
        customer = create_customer(company, "Sami")
        today = dt.date.today()
        for codes in [['PHONE', 'CASE']] * 3 + [
                ['PHONE', 'LINE'], ['KEY4G', 'LINE'], ['KEY4G', 'LINE']]:
            create_sale(company, customer,
                [(products[c], 1) for c in codes], state='confirmed')
        # bought together more than a year ago: forgotten
        for _ in range(5):
            create_sale(company, customer,
                [(products['PHONE'], 1), (products['OLD'], 1)],
                date=today - dt.timedelta(days=400), state='confirmed')
        # two paid shop sales of a phone and a key
        point, method = self._point(company)
        for _ in range(2):
            self._paid_shop_sale(company, point, method, [
                    (products[c], Decimal(1)) for c in ['PHONE', 'KEY4G']])
        # a draft quote is not a sale
        create_sale(company, customer, [
                (products['PHONE'], 1), (products['LINE'], 1)],
            state='draft')
        config = Configuration(1)
        config.product_recommendation_method = 'bought_together'
        config.product_recommendation_size = 3
        config.save()

        def recommended_for(company, codes):
            with Transaction().set_context(company=company.id):
                sale = Sale(company=company, state='draft')
                sale.lines = [Line(product=products[c]) for c in codes]
                return [
                    p.code for p in sale.on_change_with_recommended_products()]

        def recommended(codes):
            return recommended_for(company, codes)

        # the pack, then the case (3 sales), the key (2 shop sales)
        self.assertEqual(recommended(['PHONE']), ['PACK', 'CASE', 'KEY4G'])
        self.assertEqual(recommended(['LINE']), ['KEY4G', 'PHONE'])
        self.assertEqual(recommended(['PACK']), [])
        # a client asking with another operator and its products gets
        # none of its products
        other = self._operator('ORANGE', "Orange Tunisie")
        other_products = create_products(other, [
                ('PHONE-O', "Galaxy", 'service', '500.000'),
                ('CASE-O', "Coque", 'service', '20.000')])
        other_customer = create_customer(other, "Amel")
        create_sale(other, other_customer, [
                (other_products['PHONE-O'], 1),
                (other_products['CASE-O'], 1)], state='confirmed')
        products.update(other_products)
        staff = create_staff('seller', company, groups=SALES)
        with as_user(staff, company):
            self.assertEqual(
                recommended(['PHONE']), ['PACK', 'CASE', 'KEY4G'])
            with Transaction().set_context(company=other.id):
                sale = Sale(company=other, state='draft')
                sale.lines = [Line(product=products['PHONE-O'])]
                self.assertEqual(
                    sale.on_change_with_recommended_products(), [])
        # while its own staff gets them
        self.assertEqual(recommended_for(other, ['PHONE-O']), ['CASE-O'])
        # not without the offers feature
        Subscription = pool.get('telco.operator.feature')
        Subscription.delete(Subscription.search([
                    ('company', '=', other.id),
                    ('feature.code', '=', 'offers')]))
        self.assertEqual(recommended_for(other, ['PHONE-O']), [])

    @with_transaction()
    def test_seasonal_promotion(self):
        "A promotion of a season applies only to sales of the season"
        company = self._operator()
        products = create_products(company)
        summer = self._season(company, "Summer", (6, 15), (8, 31))
        promotion = self._promotion(
            company, "Été -20 %", 'unit_price * 0.8', season=summer.id)
        customer = create_customer(company, "Sami")
        sale = create_sale(
            company, customer, [(products['KEY4G'], 1)], date=SUMMER_DAY)
        line, = sale.lines
        self.assertEqual(line.unit_price, Decimal('71.2000'))
        self.assertEqual(line.original_unit_price, Decimal('89.0000'))
        self.assertEqual(line.promotion, promotion)
        sale = create_sale(
            company, customer, [(products['KEY4G'], 1)], date=WINTER_DAY)
        line, = sale.lines
        self.assertEqual(line.unit_price, Decimal('89.0000'))
        self.assertIsNone(line.promotion)

    @with_transaction()
    def test_promotion_discount_rate(self):
        """Marketing sets a discount in percentage: the Python formula is
        shown to the platform administrator only"""
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = self._operator()
        products = create_products(company)
        user = create_staff('marketing', company, MARKETING)
        with as_user(user):
            view = Promotion.fields_view_get(view_type='form')
            self.assertIn('name="discount_rate"', view['arch'])
            invisible = view['fields']['formula']['states']
            promotion, = Promotion.create([{
                        'company': company.id, 'name': "Clé 4G -20 %",
                        'discount_rate': Decimal(20),
                        'products': [('add', [products['KEY4G'].id])],
                        }])
            self.assertEqual(promotion.formula, 'unit_price * 0.8')
            self.assertEqual(promotion.discount_rate, Decimal('20.00'))
            with self.assertRaises(ValidationError) as cm, savepoint():
                Promotion.write([promotion], {'discount_rate': 120})
            self.assertEqual(cm.exception.message, gettext(
                    'telco_offers.msg_promotion_discount_rate',
                    promotion=promotion.rec_name))
            groups = list(User.get_groups())
        # the formula is hidden but for the platform administrator

        def hidden(groups):
            return PYSONDecoder({'context': {'groups': groups}}).decode(
                invisible)['invisible']
        self.assertTrue(hidden(groups))
        self.assertFalse(hidden(groups + [ModelData.get_id(
                        'telco_base', 'group_platform_admin')]))
        customer = create_customer(company, "Sami")
        sale = create_sale(company, customer, [(products['KEY4G'], 1)])
        line, = sale.lines
        self.assertEqual(line.unit_price, Decimal('71.2000'))
        self.assertEqual(line.promotion, promotion)
        # the percentage of a formula, none for a formula of another kind
        self.assertEqual(
            Promotion(formula="unit_price * Decimal('0.9')"
                ).on_change_with_discount_rate(), Decimal('10.00'))
        self.assertEqual(
            Promotion(formula='unit_price').on_change_with_discount_rate(),
            Decimal('0.00'))
        self.assertIsNone(
            Promotion(formula='unit_price - 5').on_change_with_discount_rate())
        Promotion.write([promotion], {'discount_rate': 0})
        self.assertEqual(Promotion(promotion.id).formula, 'unit_price')

    @with_transaction()
    def test_promotion_customer_rules(self):
        "Promotions by category, zone and consumption band"
        pool = Pool()
        Category = pool.get('telco.customer.category')
        Party = pool.get('party.party')
        company = self._operator()
        _, subdivisions = tunisia()
        sahel = self._zone(company, 'SAHEL', [subdivisions['TN-51']])
        big = self._band(company, "Big", '100')
        vip, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': 'VIP', 'name': "VIP"}])
        products = create_products(company)
        self._promotion(
            company, "Sahel VIP", 'unit_price - 10',
            zones=[('add', [sahel.id])],
            customer_categories=[('add', [vip.id])],
            consumption_bands=[('add', [big.id])])
        customer = create_customer(company, "Sami", subdivisions['TN-51'])

        def price():
            sale = create_sale(company, customer, [(products['CASE'], 1)])
            return sale.lines[0].unit_price

        self.assertEqual(price(), Decimal('25'))
        Party.write([customer], {'commercial_category_1': vip.id})
        self.assertEqual(price(), Decimal('25'))
        create_sale(company, customer, [(products['PHONE'], 1)],
            date=dt.date.today() - dt.timedelta(days=5), state='confirmed')
        self.assertEqual(price(), Decimal('15'))
        other = create_customer(company, "Amel", subdivisions['TN-11'],
            commercial_category_1=vip.id)
        sale = create_sale(company, other, [(products['CASE'], 1)])
        self.assertEqual(sale.lines[0].unit_price, Decimal('25'))

    @with_transaction()
    def test_billing_quote_promotion(self):
        """A quote gets the promotions on its one-off lines when sent; the
        sale of the accepted quote keeps the accepted prices and uses the
        caps"""
        pool = Pool()
        Quote = pool.get('telco.quote')
        QuoteLine = pool.get('telco.quote.line')
        Promotion = pool.get('sale.promotion')
        company = self._operator(features=('clients', 'billing', 'offers'))
        accounting = setup_accounting(company)
        products = create_catalogue(company, accounting)
        promotion = self._promotion(
            company, "-10 %", 'unit_price * 0.9', quantity_cap=5)
        customer = create_customer(company, "Sami")

        def new_quote(codes):
            quote = Quote(company=company, customer=customer)
            quote.on_change_customer()
            lines = []
            for code in codes:
                line = QuoteLine(
                    quote=quote, product=products[code], quantity=1)
                line.on_change_product()
                lines.append(line)
            quote.lines = lines
            quote.save()
            return quote

        with Transaction().set_context(company=company.id):
            quote = new_quote(['KEY4G', 'MOBILE'])
            Quote.apply_promotions([quote])
            key_line, plan_line = quote.lines
            self.assertEqual(key_line.unit_price, Decimal('80.1000'))
            self.assertEqual(key_line.original_unit_price, Decimal('89.000'))
            self.assertEqual(key_line.promotion, promotion)
            self.assertEqual(
                [(a.promotion, a.discount)
                    for a in key_line.promotion_applications],
                [(promotion, Decimal('8.900'))])
            # the monthly service keeps the price of its offer
            self.assertTrue(plan_line.recurring)
            self.assertEqual(plan_line.unit_price, Decimal('35.000'))
            self.assertIsNone(plan_line.promotion)
            # applied again, it starts from the original price
            Quote.apply_promotions([quote])
            key_line, _ = quote.lines
            self.assertEqual(key_line.unit_price, Decimal('80.1000'))
            self.assertEqual(len(key_line.promotion_applications), 1)

            quote = new_quote(['KEY4G'])
            Quote.send([quote])
            self.assertEqual(quote.lines[0].unit_price, Decimal('80.1000'))
            # the customer sees the promotion and the price before it
            text = ' '.join(pdf_text(quote.document).split())
            self.assertIn("Promotion: -10 %", text)
            self.assertIn("89.000", text)
            # a sent quote does not use the cap, its sale does
            self.assertEqual(Promotion(promotion.id).consumed_quantity, 0)
            # the customer accepts after the promotion ended
            Promotion.write([promotion], {'active': False})
            Quote.accept([quote])
        sale_line, = quote.sale.lines
        self.assertEqual(sale_line.unit_price, Decimal('80.1000'))
        self.assertEqual(sale_line.original_unit_price, Decimal('89.000'))
        self.assertEqual(sale_line.promotion, promotion)
        self.assertEqual(Promotion(promotion.id).consumed_quantity, 1)
        # a sale of its own does not get the ended promotion
        sale = create_sale(company, customer, [(products['KEY4G'], 1)])
        self.assertEqual(sale.lines[0].unit_price, Decimal('89.000'))

    @with_transaction()
    def test_stacking(self):
        "Exclusive promotions apply alone, stackable ones one after another"
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        company = self._operator()
        products = create_products(company)
        customer = create_customer(company, "Sami")
        ten = self._promotion(
            company, "-10 %", 'unit_price * 0.9', stacking='stackable',
            priority=20)
        five = self._promotion(
            company, "-5 DT", 'unit_price - 5', stacking='stackable',
            priority=10)
        sale = create_sale(company, customer, [(products['KEY4G'], 1)])
        line, = sale.lines
        # (89 * 0.9) - 5
        self.assertEqual(line.unit_price, Decimal('75.1000'))
        self.assertEqual(
            [(a.promotion, a.discount) for a in line.promotion_applications],
            [(ten, Decimal('8.900')), (five, Decimal('5.000'))])

        # an exclusive promotion of higher priority applies alone
        half = self._promotion(
            company, "-50 %", 'unit_price * 0.5', priority=30)
        sale = create_sale(company, customer, [(products['KEY4G'], 1)])
        line, = sale.lines
        self.assertEqual(line.unit_price, Decimal('44.5000'))
        self.assertEqual(
            [a.promotion for a in line.promotion_applications], [half])

        # an exclusive one of lower priority does not apply after others
        Promotion.write([half], {'priority': 5})
        sale = create_sale(company, customer, [(products['KEY4G'], 1)])
        line, = sale.lines
        self.assertEqual(line.unit_price, Decimal('75.1000'))
        self.assertNotIn(
            half, [a.promotion for a in line.promotion_applications])

        # back to draft: the original price and no promotion
        Sale = pool.get('sale.sale')
        with Transaction().set_context(company=company.id):
            Sale.draft([sale])
        line, = sale.lines
        self.assertEqual(line.unit_price, Decimal('89.0000'))
        self.assertEqual(line.promotion_applications, ())

    @with_transaction()
    def test_caps(self):
        "Promotions stop at their quantity or budget cap"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Promotion = pool.get('sale.promotion')
        company = self._operator()
        products = create_products(company)
        customer = create_customer(company, "Sami")
        promotion = self._promotion(
            company, "100 clés", 'unit_price - 10', quantity_cap=3)
        first = create_sale(company, customer, [(products['KEY4G'], 2)])
        self.assertEqual(first.lines[0].unit_price, Decimal('79'))
        self.assertEqual(promotion.consumed_quantity, 2)
        second = create_sale(company, customer, [(products['KEY4G'], 2)])
        self.assertEqual(second.lines[0].unit_price, Decimal('89'))
        third = create_sale(company, customer, [(products['KEY4G'], 1)])
        self.assertEqual(third.lines[0].unit_price, Decimal('79'))
        self.assertEqual(Promotion(promotion.id).consumed_quantity, 3)
        # a cancelled sale gives its quantity back
        with Transaction().set_context(company=company.id):
            Sale.cancel([first])
        self.assertEqual(Promotion(promotion.id).consumed_quantity, 1)

        budget = self._promotion(
            company, "Budget 50", 'unit_price * 0.8', budget_cap=50,
            priority=20)
        sale = create_sale(company, customer, [(products['CASE'], 2)])
        # 2 x 5 = 10 of discount
        self.assertEqual(sale.lines[0].unit_price, Decimal('20'))
        self.assertEqual(budget.consumed_budget, Decimal('10'))
        sale = create_sale(company, customer, [(products['PHONE'], 1)])
        # 109.8 of discount is over the 40 left: the other promotion
        self.assertEqual(sale.lines[0].unit_price, Decimal('539'))
        self.assertEqual(
            Promotion(budget.id).consumed_budget, Decimal('10'))

    @with_transaction()
    def test_proposals(self):
        "Proposals from the sales, their figures, and drafts from them"
        pool = Pool()
        Proposal = pool.get('telco.offer.proposal')
        Offer = pool.get('telco.offer')
        Category = pool.get('telco.customer.category')
        company = self._operator()
        _, subdivisions = tunisia()
        sahel = self._zone(company, 'SAHEL', [subdivisions['TN-51']])
        self._band(company, "Medium", '50', '400')
        vip, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': 'VIP', 'name': "VIP"}])
        # prices whose sums in floats are not round
        products = create_products(company, [
                ('PHONE', "Samsung Galaxy A15", 'service', '549.000'),
                ('KEY4G', "Clé 4G Huawei", 'service', '89.300'),
                ('LINE', "Ligne mobile", 'service', '35.100'),
                ('CASE', "Coque silicone", 'service', '25.000'),
                ])
        small, big = Offer.create([{
                    'company': company.id, 'code': code, 'name': name,
                    'product': products[product].id}
                for code, name, product in [
                    ('S', "Forfait S", 'LINE'),
                    ('L', "Forfait L", 'KEY4G')]])
        today = dt.date.today()
        day = today - dt.timedelta(days=20)
        customers = [
            create_customer(company, f"Client {i}", subdivisions['TN-51'],
                commercial_category_1=vip.id if i < 2 else None)
            for i in range(4)]
        baskets = [
            ['PHONE', 'CASE'], ['PHONE', 'CASE'], ['PHONE', 'CASE', 'LINE'],
            ['PHONE'], ['LINE'], ['KEY4G', 'LINE']]
        for i, basket in enumerate(baskets):
            create_sale(company, customers[i % 4],
                [(products[c], 1) for c in basket], date=day,
                state='confirmed')

        proposals = Proposal.compute(
            company, today - dt.timedelta(days=90), today, min_count=2)
        by_kind = {}
        for proposal in proposals:
            by_kind.setdefault(proposal.kind, []).append(proposal)
        pack, = by_kind['pack']
        # CASE in 3 sales, PHONE in 4, together in 3 out of 6
        self.assertEqual(
            (pack.product, pack.product2),
            (products['CASE'], products['PHONE']))
        self.assertEqual(pack.count, 3)
        self.assertEqual(pack.support, 0.5)
        self.assertEqual(pack.confidence, 1.0)
        self.assertEqual(pack.lift, 1.5)
        segment, = by_kind['segment']
        self.assertEqual(segment.category, vip)
        self.assertEqual(segment.count, 2)
        self.assertEqual(segment.revenue, Decimal('1307.500'))
        zone, = by_kind['zone']
        self.assertEqual((zone.zone, zone.product), (sahel, products['PHONE']))
        self.assertEqual(zone.quantity, 4)
        self.assertEqual(zone.share, round(4 / 11, 4))
        consumption = by_kind['consumption']
        self.assertTrue(consumption)
        for proposal in consumption:
            self.assertIn(proposal.offer, [small, big])

        with Transaction().set_context(company=company.id):
            Proposal.create_draft([pack, segment, zone])
        self.assertEqual(pack.state, 'done')
        self.assertFalse(pack.pack.active)
        self.assertEqual(
            [c.product for c in pack.pack.components],
            [products['CASE'], products['PHONE']])
        self.assertEqual(pack.pack.price, Decimal('516.600'))
        self.assertFalse(segment.promotion.active)
        self.assertEqual(list(segment.promotion.customer_categories), [vip])
        self.assertEqual(list(zone.promotion.zones), [sahel])
        self.assertEqual(list(zone.promotion.products), [products['PHONE']])

    @with_transaction()
    def test_proposal_access(self):
        "Marketing computes proposals and turns them into drafts, no more"
        pool = Pool()
        Proposal = pool.get('telco.offer.proposal')
        Promotion = pool.get('sale.promotion')
        ooredoo = self._operator()
        tt = self._operator('TT', "Tunisie Telecom")
        today = dt.date.today()
        for company in [ooredoo, tt]:
            products = create_products(company)
            customers = [create_customer(company, f"Client {i}")
                for i in range(2)]
            for customer in customers:
                create_sale(company, customer,
                    [(products['PHONE'], 1), (products['CASE'], 1)],
                    date=today, state='confirmed')
        theirs = Proposal.compute(
            tt, today - dt.timedelta(days=30), today)
        user = create_staff('marketing', ooredoo, MARKETING)
        with as_user(user):
            ours = Proposal.compute(
                ooredoo, today - dt.timedelta(days=30), today)
            self.assertEqual(Proposal.search([]), ours)
            pack, = [p for p in ours if p.kind == 'pack']
            self.assertEqual(pack.count, 2)
            with self.assertRaises(AccessError) as cm:
                Proposal.read([p.id for p in theirs], ['name'])
            assert_message(self, cm.exception, 'ir.msg_read_error')
            # proposals are written by the server only
            with self.assertRaises(AccessError) as cm:
                Proposal.write(ours, {'count': 99})
            assert_message(self, cm.exception, 'ir.msg_access_rule_error')
            Proposal.create_draft([pack])
            self.assertEqual(Proposal(pack.id).state, 'done')
            # a promotion cannot name a product of another operator
            with self.assertRaises(ValidationError) as cm:
                Promotion.create([{
                            'company': ooredoo.id, 'name': "X",
                            'formula': 'unit_price',
                            'products': [('add', [theirs[0].product.id])],
                            }])
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')

    @with_transaction()
    def test_proposal_compute_offered_to_marketing(self):
        "Only marketing is offered the computing of proposals"
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        Compute = pool.get('telco.offer.proposal.compute', type='wizard')
        company = self._operator()
        marketing = create_staff('marketing', company, MARKETING)
        seller = create_staff('seller', company, SALES)
        menu = Menu(ModelData.get_id('telco_offers', 'menu_proposal_compute'))
        offers = Menu(ModelData.get_id('telco_offers', 'menu_offers'))
        with as_user(marketing):
            self.assertIn(menu, Menu.search([]))
            Compute.check_access()
        with as_user(seller):
            # the seller has the offers menu, not the computing of proposals
            menus = Menu.search([])
            self.assertIn(offers, menus)
            self.assertNotIn(menu, menus)
            with self.assertRaises(AccessError) as cm:
                Compute.check_access()
            assert_message(self, cm.exception, 'ir.msg_access_wizard_error')

    @with_transaction()
    def test_segment_matches_profiles(self):
        """The customers selected with set-based queries are those the
        rules let in one profile at a time"""
        import itertools
        pool = Pool()
        Category = pool.get('telco.customer.category')
        Promotion = pool.get('sale.promotion')
        Address = pool.get('party.address')
        company = self._operator()
        _, subdivisions = tunisia()
        sahel = self._zone(company, 'SAHEL', [subdivisions['TN-51']])
        self._zone(company, 'SFAX', [subdivisions['TN-61']])
        big = self._band(company, "Big", '100')
        small = self._band(company, "Small", '0', '100')
        vip, other_category = Category.create([{
                    'company': company.id, 'kind': kind, 'code': code,
                    'name': code} for kind, code in [
                    ('commercial_1', 'VIP'), ('collection', 'GOOD')]])
        products = create_products(company)
        today = dt.date.today()
        parties = []
        kinds = ['fixed', 'fibre', None]
        places = [subdivisions['TN-51'], subdivisions['TN-11'], None]
        birth_dates = [
            None, today.replace(year=today.year - 20),
            today.replace(year=today.year - 30) + dt.timedelta(days=1),
            today.replace(year=today.year - 45)]
        for i, (kind, place, birth, category, spend, type_) in enumerate(
                itertools.islice(itertools.product(
                        kinds, places, birth_dates, [vip, other_category,
                            None], [0, 1, 3], ['person', 'organization']),
                    0, None, 7)):
            values = {'customer_type': type_}
            if type_ == 'person':
                values['birth_date'] = birth
            if category:
                field = ('commercial_category_1' if category == vip
                    else 'collection_category')
                values[field] = category.id
            party = create_customer(
                company, f"Customer {i}", place, **values)
            if kind:
                self._activate_line(
                    company, party, f'+2167{i:07d}', kind)
            if spend:
                create_sale(company, party, [(products['PHONE'], spend)],
                    date=today - dt.timedelta(days=10), state='confirmed')
            parties.append(party)
        # an address no longer used does not place the customer
        Address.write([parties[1].addresses[0]], {'active': False})
        rules = [
            {},
            {'customer_types': ['organization']},
            {'customer_categories': [('add', [vip.id])]},
            {'customer_categories': [('add', [vip.id, other_category.id])]},
            {'zones': [('add', [sahel.id])]},
            {'line_kinds': ['fibre']},
            {'consumption_bands': [('add', [big.id])]},
            {'consumption_bands': [('add', [small.id])]},
            {'age_min': 21},
            {'age_max': 29},
            {'age_min': 18, 'age_max': 30},
            {'zones': [('add', [sahel.id])],
                'consumption_bands': [('add', [big.id])],
                'customer_types': ['person']},
            {'line_kinds': ['fixed', 'fibre'],
                'customer_categories': [('add', [vip.id])]},
            ]
        for i, values in enumerate(rules):
            promotion, = Promotion.create([{
                        'company': company.id, 'name': f"Rule {i}",
                        'formula': 'unit_price', **values}])
            with self.subTest(rules=values):
                expected = {p.id for p in parties if promotion.is_eligible(
                        CustomerProfile(p, company.id))}
                self.assertEqual(
                    promotion.eligible_parties(
                        company.id, [p.id for p in parties]),
                    expected)
                if values:
                    self.assertTrue(0 < len(expected) < len(parties))

    @with_transaction()
    def test_advertise(self):
        "An offer is sent to its segment, unsubscriptions are kept"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Category = pool.get('telco.customer.category')
        EmailList = pool.get('marketing.email.list')
        Email = pool.get('marketing.email')
        Message = pool.get('marketing.email.message')
        Advertise = pool.get('telco.offer.advertise', type='wizard')
        ooredoo = self._operator()
        tt = self._operator('TT', "Tunisie Telecom")
        youth, = Category.create([{
                    'company': ooredoo.id, 'kind': 'commercial_1',
                    'code': 'YOUTH', 'name': "Jeunes"}])
        products = create_products(ooredoo)
        offer, = Offer.create([{
                    'company': ooredoo.id, 'code': 'JEUNES',
                    'name': "Forfait Jeunes", 'product': products['LINE'].id,
                    'description': "20 Go pour 20 DT",
                    'customer_categories': [('add', [youth.id])],
                    }])

        def customer(company, name, email, **values):
            return create_customer(company, name, **values,
                contact_mechanisms=[('create', [{
                                'type': 'email', 'value': email}])])
        customer(ooredoo, "Sami", 'sami@example.com',
            commercial_category_1=youth.id)
        customer(ooredoo, "Amel", 'amel@example.com')
        customer(ooredoo, "Karim", 'karim@example.com',
            commercial_category_1=youth.id)
        customer(tt, "Other", 'other@example.com')
        with Transaction().set_context(company=ooredoo.id):
            youth_list, = EmailList.create([{
                        'name': "Jeunes", 'company': ooredoo.id}])
            karim, = Email.create([{
                        'list_': youth_list.id,
                        'email': 'karim@example.com'}])
            Email.unsubscribe([karim.email_token])
        user = create_staff('marketing', ooredoo, MARKETING_EMAIL)
        with as_user(user), Transaction().set_context(
                active_model='telco.offer', active_id=offer.id,
                active_ids=[offer.id]):
            session_id, _, _ = Advertise.create()
            result = Advertise.execute(session_id, {}, 'start')
            values = {k: v for k, v in result['view']['defaults'].items()
                if not k.endswith('.')}
            self.assertEqual(values['title'], "[JEUNES] Forfait Jeunes")
            self.assertIn("20 Go pour 20 DT", values['content'])
            values['list_'] = youth_list.id
            result = Advertise.execute(
                session_id, {'start': values}, 'prepare')
            message_id, = result['actions'][0][1]['res_id']
            message = Message(message_id)
            self.assertEqual(message.company, ooredoo)
            self.assertEqual(message.list_, youth_list)
            # the address that unsubscribed stays so
            self.assertEqual(
                sorted(e.email for e in youth_list.emails),
                ['sami@example.com'])
            Message.send([message])
        self.smtp.messages.clear()
        datamanager = SMTPDataManager()
        Message.process([Message(message_id)],
            smtpd_datamanager=datamanager)
        transaction = Transaction()
        datamanager.tpc_vote(transaction)
        datamanager.tpc_finish(transaction)
        self.assertEqual(
            [to for to, _ in self.smtp.messages], [['sami@example.com']])
        _, sent = self.smtp.messages[0]
        self.assertEqual(sent['Subject'], "[JEUNES] Forfait Jeunes")
        self.assertIn('List-Unsubscribe', sent)
        self.assertEqual(Message(message_id).state, 'sent')

        # a message may only use the fixed placeholders: no walk from the
        # recipient to other models, no directive, no code
        allowed = ', '.join('${%s}' % p for p in MESSAGE_PLACEHOLDERS)
        for content, expression in [
                ('<p>${email.__class__}</p>', 'email.__class__'),
                ('<p>${email.list_.company.party.name}</p>',
                    'email.list_.company.party.name'),
                ('<p>${email.party.__class__.search([])}</p>',
                    'email.party.__class__.search([])'),
                ('<p py:for="x in [1]">x</p>', 'py:ForDirective'),
                ('<div><?python email.write([], {}) ?></div>',
                    '<?python ?>'),
                ('<a href="${email.party.company.rec_name}">x</a>',
                    'email.party.company.rec_name'),
                ]:
            with self.subTest(content=content):
                with self.assertRaises(ValidationError) as cm, savepoint():
                    Message.create([{
                                'company': ooredoo.id,
                                'list_': youth_list.id, 'title': "Test",
                                'content': '<html xmlns:py="http://genshi.'
                                'edgewall.org/"><body>%s</body></html>'
                                % content}])
                self.assertEqual(cm.exception.message, gettext(
                        'telco_base.msg_template_expression',
                        expression=expression, record="Test",
                        allowed=allowed))
        Message.create([{
                    'company': ooredoo.id, 'list_': youth_list.id,
                    'title': "Bonjour",
                    'content': '<html xmlns:py="http://genshi.edgewall.org/">'
                    '<body>Bonjour ${email.party.rec_name} '
                    '<a href="${email.get_email_unsubscribe_url()}">x</a>'
                    '</body></html>'}])

        # the other operator's marketing sees neither list nor message
        other = create_staff('marketing_tt', tt, MARKETING_EMAIL)
        with as_user(other):
            self.assertEqual(EmailList.search([]), [])
            self.assertEqual(Message.search([]), [])
            self.assertEqual(Email.search([]), [])

    @with_transaction()
    def test_isolation(self):
        "Marketing staff see only their operator's offers and proposals"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Pack = pool.get('telco.pack')
        Zone = pool.get('telco.offer.zone')
        ooredoo = self._operator()
        tt = self._operator('TT', "Tunisie Telecom")
        ooredoo_products = create_products(ooredoo)
        tt_products = create_products(tt)
        ours, = Offer.create([{
                    'company': ooredoo.id, 'code': 'S', 'name': "S",
                    'product': ooredoo_products['LINE'].id}])
        theirs, = Offer.create([{
                    'company': tt.id, 'code': 'S', 'name': "S",
                    'product': tt_products['LINE'].id}])
        self._zone(tt, 'GRAND_TUNIS', [])
        user = create_staff('marketing', ooredoo, MARKETING)
        with as_user(user):
            self.assertEqual(Offer.search([]), [ours])
            self.assertEqual(Zone.search([]), [])
            with self.assertRaises(AccessError) as cm:
                Offer.read([theirs.id], ['name'])
            assert_message(self, cm.exception, 'ir.msg_read_error')
            # a product of the other operator cannot be linked: the
            # database does not even show it to the pack's validation
            with self.assertRaises(AccessError) as cm:
                Pack.create([{
                            'company': ooredoo.id, 'code': 'P', 'name': "P",
                            'product': ooredoo_products['PHONE'].id,
                            'components': [('create', [{
                                            'product': tt_products[
                                                'CASE'].id,
                                            'quantity': 1}])],
                            }])
            assert_message(self, cm.exception, 'ir.msg_read_error')
            # nor an offer made for the other operator
            with self.assertRaises(AccessError) as cm:
                Offer.create([{
                            'company': tt.id, 'code': 'X', 'name': "X",
                            'product': tt_products['KEY4G'].id}])
            assert_message(
                self, cm.exception, 'telco_base.msg_row_other_operator')

    @with_transaction()
    def test_gating(self):
        "Without the offers feature marketing staff are refused"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        company = self._operator(features=('clients',))
        user = create_staff('marketing', company, MARKETING)
        seller = create_staff('seller', company, SALES)
        menu_id = ModelData.get_id('telco_offers', 'menu_offers')
        Feature = pool.get('telco.feature')
        offers, = Feature.search([('code', '=', 'offers')])
        refused = gettext('telco_base.msg_feature_disabled',
            feature=offers.rec_name, operator=company.rec_name)
        with as_user(user):
            with self.assertRaises(AccessError) as cm:
                Offer.search([])
            self.assertEqual(cm.exception.message, refused)
            self.assertEqual(Menu.search([('id', '=', menu_id)]), [])
        with as_user(seller):
            with self.assertRaises(AccessError) as cm:
                Offer.create([{'company': company.id, 'code': 'S',
                            'name': "S"}])
            self.assertEqual(cm.exception.message, refused)
        other = self._operator('TT', "Tunisie Telecom")
        user = create_staff('marketing_tt', other, MARKETING)
        with as_user(user):
            self.assertEqual(Offer.search([]), [])
            self.assertEqual(
                len(Menu.search([('id', '=', menu_id)])), 1)


del PlatformTestCase
