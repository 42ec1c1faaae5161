# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import html
import re
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessButtonError, AccessError, DomainValidationError)
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.account_product.exceptions import AccountError
from trytond.modules.telco_billing.exceptions import (
    InvoiceMergeError, QuoteError)
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, assert_message, create_operator, create_staff,
    run_queue, savepoint, with_transaction)
from trytond.modules.telco_billing.tests.tools import (
    AGENT, BILLING, create_catalogue, create_invoice, setup_accounting)
from trytond.modules.telco_billing.words import (
    amount_in_words, date_in_words)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction


def pdf_text(data):
    "The text of a PDF, as a reader would copy it"
    import io

    from pypdf import PdfReader
    return '\n'.join(
        page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def load_french():
    """Load the French translation of the module and of telco_base (the
    documents' layout), as activation does"""
    import os

    import trytond.modules.telco_base as telco_base
    pool = Pool()
    Translation = pool.get('ir.translation')
    for module, directory in [
            ('telco_base', os.path.dirname(telco_base.__file__)),
            ('telco_billing', os.path.dirname(os.path.dirname(__file__))),
            ]:
        path = os.path.join(directory, 'locale', 'fr.po')
        Translation.translation_import('fr', module, [path])


def load_french_months():
    "Load the French names of the months, as activation in French does"
    import os

    import trytond.ir
    pool = Pool()
    Translation = pool.get('ir.translation')
    path = os.path.join(
        os.path.dirname(trytond.ir.__file__), 'locale', 'fr.po')
    Translation.translation_import('fr', 'ir', [path])


FRENCH_MONTHS = [
    'janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
    'septembre', 'octobre', 'novembre', 'décembre']


def french_date(date):
    "A date as a French letter writes it: 1er mars 2026, 5 décembre 2026"
    day = '1er' if date.day == 1 else str(date.day)
    return f'{day} {FRENCH_MONTHS[date.month - 1]} {date.year}'


def words(amount, lang):
    "The amount of dinars in words, by num2words alone"
    from num2words import num2words
    units = int(amount)
    millimes = int((amount - units) * 1000)
    and_ = {'fr': 'et', 'en': 'and'}[lang]
    return (f'{num2words(units, lang=lang)} dinars {and_} '
        f'{num2words(millimes, lang=lang)} millimes')


def flat(text):
    "The text with every run of blanks as one space"
    return ' '.join(text.split())


LEGAL_EN = "Limited company with a capital of 230,000,000 dinars"
LEGAL_FR = "Société anonyme au capital de 230 000 000 dinars"


class TelcoBillingTestCase(SMTPTestMixin, CompanyTestMixin, PlatformTestCase):
    "Test Telco Billing module"
    module = 'telco_billing'

    def _setup(self, code='OOREDOO', name="Ooredoo Tunisie"):
        pool = Pool()
        Party = pool.get('party.party')
        company = create_operator(name, code, ['clients', 'billing'])
        accounting = setup_accounting(company)
        products = create_catalogue(company, accounting)
        agent = create_staff(
            f'agent_{code.lower()}', company, AGENT,
            email=f'agent@{code.lower()}.example.com')
        with Transaction().set_context(company=company.id):
            customer, = Party.create([{
                        'name': "Sami Trabelsi", 'company': company.id,
                        'addresses': [('create', [{'city': 'Tunis'}])],
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'sami@example.tn'}])],
                        }])
        return company, accounting, products, agent, customer

    def _payer_account(self, company, customer):
        pool = Pool()
        PayerAccount = pool.get('telco.payer_account')
        with Transaction().set_context(company=company.id):
            account, = PayerAccount.create([{
                        'company': company.id, 'customer': customer.id,
                        'payer': customer.id, 'name': customer.name}])
        return account

    def _quote(self, company, customer, lines, payer_account=None):
        pool = Pool()
        Quote = pool.get('telco.quote')
        Line = pool.get('telco.quote.line')
        quote = Quote(company=company, customer=customer)
        quote.on_change_customer()
        if payer_account:
            quote.payer_account = payer_account
        quote_lines = []
        for product, quantity in lines:
            line = Line(quote=quote, product=product, quantity=quantity)
            line.on_change_product()
            quote_lines.append(line)
        quote.lines = quote_lines
        quote.save()
        return quote

    @with_transaction()
    def test_absurd_values(self):
        "Quantities, prices, dates and delays out of bounds"
        pool = Pool()
        Line = pool.get('telco.quote.line')
        Quote = pool.get('telco.quote')
        BillRun = pool.get('telco.bill_run')
        Company = pool.get('company.company')
        company, accounting, products, agent, customer = self._setup()
        quote = self._quote(company, customer, [(products['PHONE'], 1)])
        line, = quote.lines
        with Transaction().set_context(company=company.id):
            run, = BillRun.create([{
                        'company': company.id, 'date': dt.date(2026, 1, 1)}])
        for Model, record, name, value in [
                (Line, line, 'quantity', 1e10),
                (Line, line, 'unit_price', Decimal(10 ** 10)),
                (Quote, quote, 'validity_date', dt.date(3000, 1, 1)),
                (BillRun, run, 'date', dt.date(2500, 1, 1)),
                (Company, company, 'quote_validity_days', 10 ** 6),
                ]:
            with self.subTest(model=Model.__name__, name=name):
                with self.assertRaises(DomainValidationError) as cm, \
                        savepoint():
                    Model.write([Model(record.id)], {name: value})
                # the message names the record as written
                names = Model.__names__(name, Model(record.id))
                if Model == BillRun:
                    names['record'] = f'{company.rec_name} {value}'
                names['value'] = str(value)
                self.assertEqual(cm.exception.message, gettext(
                        'ir.msg_domain_validation_record', **names))

    @with_transaction()
    def test_quote_request_to_quote(self):
        "A request becomes a draft quote at the catalogue prices"
        pool = Pool()
        Request = pool.get('telco.quote.request')
        company, accounting, products, agent, customer = self._setup()
        with as_user(agent):
            request, = Request.create([{
                        'customer': customer.id, 'channel': 'phone',
                        'description': "Un téléphone et un forfait",
                        'lines': [('create', [
                                    {'product': products['PHONE'].id},
                                    {'product': products['MOBILE'].id,
                                        'quantity': 2},
                                    ])],
                        }])
            Request.create_quote([request])
            self.assertEqual(request.state, 'quoted')
            quote = request.quote
            self.assertEqual(quote.state, 'draft')
            self.assertEqual(quote.customer, customer)
            self.assertEqual(
                [(l.product, l.quantity, l.unit_price, l.recurring)
                    for l in quote.lines], [
                    (products['PHONE'], 1, Decimal('549.0000'), False),
                    (products['MOBILE'], 2, Decimal('35.0000'), True),
                    ])
            # 549 + 70 = 619, VAT 19 % = 117.610
            self.assertEqual(quote.untaxed_amount, Decimal('619.000'))
            self.assertEqual(quote.tax_amount, Decimal('117.610'))
            self.assertEqual(quote.total_amount, Decimal('736.610'))
            self.assertEqual(quote.monthly_amount, Decimal('70.000'))

    @with_transaction()
    def test_quote_request_without_line(self):
        "A request without product is refused a quote, and nothing is made"
        pool = Pool()
        Request = pool.get('telco.quote.request')
        Quote = pool.get('telco.quote')
        company, accounting, products, agent, customer = self._setup()
        with as_user(agent):
            request, = Request.create([{'customer': customer.id}])
            with self.assertRaises(QuoteError) as cm:
                Request.create_quote([request])
            assert_message(self, cm.exception,
                'telco_billing.msg_quote_request_no_line')
            self.assertEqual(Quote.search([]), [])

    @with_transaction()
    def test_quote_revision(self):
        "Revising a sent quote keeps the sent one read-only with its PDF"
        pool = Pool()
        Quote = pool.get('telco.quote')
        company, accounting, products, agent, customer = self._setup()
        with as_user(agent):
            quote = self._quote(company, customer, [(products['PHONE'], 1)])
            Quote.send([quote])
            run_queue()
            self.assertEqual(quote.state, 'sent')
            self.assertRegex(quote.number, r'^D\d{4}-00001$')
            self.assertEqual(quote.rec_name, quote.number + '/R1')
            self.assertTrue(quote.document.startswith(b'%PDF'))
            first_pdf = quote.document
            Quote.revise([quote])
            self.assertEqual(quote.state, 'revised')
            revision, = Quote.search([('previous', '=', quote.id)])
            self.assertEqual(revision.number, quote.number)
            self.assertEqual(revision.revision, 2)
            self.assertEqual(revision.state, 'draft')
            self.assertIsNone(revision.document)
            # the earlier revision can no longer change
            with self.assertRaises(QuoteError) as cm:
                Quote.write([quote], {'description': "changed"})
            self.assertEqual(cm.exception.message, gettext(
                    'telco_billing.msg_quote_modify_sent',
                    quote=quote.rec_name))
            with self.assertRaises(QuoteError) as cm:
                Quote.delete([quote])
            self.assertEqual(cm.exception.message, gettext(
                    'telco_billing.msg_quote_delete_sent',
                    quote=quote.rec_name))
            revision.lines[0].quantity = 2
            revision.lines[0].save()
            Quote.send([revision])
            self.assertEqual(revision.rec_name, quote.number + '/R2')
            self.assertEqual(
                [q.revision for q in revision.revisions], [1, 2])
            self.assertEqual(quote.document, first_pdf)
            self.assertNotEqual(revision.document, first_pdf)
            self.assertEqual(
                Quote.search([('rec_name', '=', quote.number + '/R2')]),
                [revision])

    @with_transaction()
    def test_quote_email_escapes_customer_text(self):
        "Markup in a customer's name reaches the quote e-mail as text"
        pool = Pool()
        Quote = pool.get('telco.quote')
        Party = pool.get('party.party')
        company, accounting, products, agent, customer = self._setup()
        evil = '<a href="http://evil.example">Gagnez</a><img src=x>'
        Party.write([customer], {'name': evil})
        with as_user(agent):
            quote = self._quote(company, customer, [(products['PHONE'], 1)])
            Quote.send([quote])
            run_queue()
        # the HTML body sent at commit, as ir.email keeps it
        email, = pool.get('ir.email').search([
                ('resource', '=', str(quote))])
        self.assertEqual(email.recipients, 'sami@example.tn')
        self.assertNotIn('<a href="http://evil.example">', email.body)
        self.assertNotIn('<img src=x>', email.body)
        self.assertIn(
            '&lt;a href=&quot;http://evil.example&quot;&gt;Gagnez'
            '&lt;/a&gt;&lt;img src=x&gt;', email.body)

    @with_transaction()
    def test_quote_accept_creates_sale_and_subscription(self):
        "Accepting orders the products and subscribes the services"
        pool = Pool()
        Quote = pool.get('telco.quote')
        company, accounting, products, agent, customer = self._setup()
        with as_user(agent):
            quote = self._quote(company, customer, [
                    (products['PHONE'], 1), (products['FIBRE'], 1)])
            Quote.send([quote])
            with self.assertRaises(QuoteError) as cm:
                Quote.accept([quote])
            assert_message(self, cm.exception,
                'telco_billing.msg_quote_payer_account_required')
            self.assertEqual(Quote(quote.id).state, 'sent')
        account = self._payer_account(company, customer)
        with as_user(agent):
            quote = self._quote(company, customer, [
                    (products['PHONE'], 1), (products['FIBRE'], 1)])
            self.assertEqual(quote.payer_account, account)
            Quote.send([quote])
            Quote.accept([quote])
            self.assertEqual(quote.state, 'accepted')
            sale = quote.sale
            self.assertEqual(sale.state, 'confirmed')
            self.assertEqual(sale.invoice_method, 'fulfillment')
            self.assertEqual(
                [l.product for l in sale.lines], [products['PHONE']])
            subscription = quote.subscription
            self.assertEqual(subscription.state, 'running')
            self.assertEqual(subscription.payer_account, account)
            self.assertEqual(
                [(l.service.product, l.unit_price)
                    for l in subscription.lines],
                [(products['FIBRE'], Decimal('79.9000'))])

    @with_transaction()
    def test_quote_expire(self):
        "Sent quotes past their validity expire and can no longer be accepted"
        pool = Pool()
        Quote = pool.get('telco.quote')
        company, accounting, products, agent, customer = self._setup()
        with as_user(agent):
            quote = self._quote(company, customer, [(products['PHONE'], 1)])
            Quote.send([quote])
        Quote.expire(date=quote.validity_date + dt.timedelta(days=1))
        self.assertEqual(Quote(quote.id).state, 'expired')

    def _subscribe(self, company, customer, account, services, start):
        "A running subscription of the payer account from start"
        pool = Pool()
        Subscription = pool.get('sale.subscription')
        ModelData = pool.get('ir.model.data')
        Service = pool.get('sale.subscription.service')
        monthly = ModelData.get_id('telco_billing', 'recurrence_monthly')
        with Transaction().set_context(company=company.id):
            lines = []
            for product, price in services:
                service, = Service.search([('product', '=', product.id)])
                lines.append({
                        'service': service.id, 'quantity': 1,
                        'unit': product.sale_uom.id, 'unit_price': price,
                        'start_date': start,
                        'consumption_recurrence': monthly})
            subscription, = Subscription.create([{
                        'company': company.id, 'party': customer.id,
                        'payer_account': account.id if account else None,
                        'invoice_party': account.payer.id if account
                        else None,
                        'invoice_address': customer.addresses[0].id,
                        'currency': company.currency.id,
                        'start_date': start, 'invoice_recurrence': monthly,
                        'lines': [('create', lines)],
                        }])
            Subscription.quote([subscription])
            Subscription.run([subscription])
        return subscription

    def _customers(self, company, count):
        pool = Pool()
        Party = pool.get('party.party')
        with Transaction().set_context(company=company.id):
            return Party.create([{
                        'name': f"Client {i}", 'company': company.id,
                        'addresses': [('create', [{'city': 'Sfax'}])],
                        } for i in range(count)])

    @with_transaction()
    def test_bill_run(self):
        "One invoice per payer account, the same as Tryton computes"
        pool = Pool()
        BillRun = pool.get('telco.bill_run')
        Invoice = pool.get('account.invoice')
        company, accounting, products, agent, customer = self._setup()
        start = dt.date.today().replace(day=1) - dt.timedelta(days=40)
        start = start.replace(day=1)
        accounts = []
        for i, party in enumerate(self._customers(company, 3)):
            account = self._payer_account(company, party)
            accounts.append(account)
            services = [(products['MOBILE'], Decimal('35'))]
            if i:
                services.append((products['FIBRE'], Decimal('79.9')))
            self._subscribe(company, party, account, services, start)
            if i == 2:
                # a second subscription of the same account
                self._subscribe(company, party, account,
                    [(products['MOBILE'], Decimal('20'))], start)
        date = dt.date.today()
        with Transaction().set_context(company=company.id):
            run, = BillRun.create([{'company': company.id, 'date': date}])
            BillRun.run([run])
            self.assertEqual(run.state, 'running')
            self.assertEqual(run.accounts_total, 3)
            run_queue()
            run = BillRun(run.id)
            self.assertEqual(run.state, 'done')
            self.assertEqual(run.invoice_count, 3)
            self.assertEqual(run.progress, 1.0)
            invoices = Invoice.search([('bill_run', '=', run.id)])
            self.assertEqual(
                sorted(i.payer_account.id for i in invoices),
                sorted(a.id for a in accounts))
            months = len({
                    c.date for c in pool.get(
                        'sale.subscription.line.consumption').search([])})
            self.assertGreaterEqual(months, 2)
            by_account = {i.payer_account: i for i in invoices}
            first = by_account[accounts[0]]
            self.assertEqual(first.untaxed_amount, 35 * months)
            self.assertEqual(
                by_account[accounts[2]].untaxed_amount,
                (35 + Decimal('79.9') + 20) * months)
            for invoice in invoices:
                self.assertEqual(invoice.state, 'draft')
                self.assertEqual(invoice.invoice_date, date)
                self.assertEqual(invoice.party, invoice.payer_account.payer)
                self.assertEqual(
                    invoice.tax_amount,
                    (invoice.untaxed_amount * Decimal('0.19')).quantize(
                        Decimal('0.001')))
            # the rows written in bulk are what Tryton computes itself
            Invoice.update_taxes(invoices, exception=True)
            Invoice.post(invoices)
            self.assertTrue(all(i.number for i in invoices))

            # a second run bills nothing more
            again, = BillRun.create([{
                        'company': company.id,
                        'date': date + dt.timedelta(days=1)}])
            BillRun.run([again])
            run_queue()
            self.assertEqual(BillRun(again.id).invoice_count, 0)
            self.assertEqual(BillRun(again.id).state, 'done')
            self.assertEqual(
                Invoice.search_count([('bill_run', '!=', None)]), 3)

    @with_transaction()
    def test_bill_run_crash_half_way(self):
        "A batch that fails leaves nothing; the next run bills the rest once"
        pool = Pool()
        BillRun = pool.get('telco.bill_run')
        Invoice = pool.get('account.invoice')
        Template = pool.get('product.template')
        Consumption = pool.get('sale.subscription.line.consumption')
        company, accounting, products, agent, customer = self._setup()
        start = dt.date.today().replace(day=1)
        parties = self._customers(company, 2)
        accounts = [self._payer_account(company, p) for p in parties]
        self._subscribe(company, parties[0], accounts[0],
            [(products['MOBILE'], Decimal('35'))], start)
        self._subscribe(company, parties[1], accounts[1],
            [(products['FIBRE'], Decimal('79.9'))], start)
        fibre = products['FIBRE'].template
        category = fibre.account_category
        transaction = Transaction()
        with transaction.set_context(company=company.id):
            run, = BillRun.create([{
                        'company': company.id, 'date': start}])
            Template.write([fibre], {'account_category': None})
            BillRun.bill_batch([run], [accounts[0].id])
            savepoint = transaction.connection.cursor()
            savepoint.execute('SAVEPOINT crash')
            # the product has no account: Tryton's own error, the batch
            # undone
            with self.assertRaises(AccountError) as cm:
                BillRun.bill_batch([run], [accounts[1].id])
            assert_message(
                self, cm.exception, 'account_product.msg_missing_account')
            savepoint.execute('ROLLBACK TO SAVEPOINT crash')
            transaction.cache.clear()
            self.assertEqual(Invoice.search_count([]), 1)
            self.assertEqual(Consumption.search_count([
                        ('line.subscription.payer_account', '=',
                            accounts[1].id)]), 0)
            Template.write([fibre], {'account_category': category.id})
            BillRun.run([run])
            run_queue()
            run = BillRun(run.id)
            self.assertEqual(run.state, 'done')
            self.assertEqual(run.invoice_count, 2)
            self.assertEqual(
                sorted(i.payer_account.id for i in Invoice.search([])),
                sorted(a.id for a in accounts))

    @with_transaction()
    def test_bill_run_fields_by_button(self):
        "A billing officer runs a bill run but never writes its figures"
        pool = Pool()
        BillRun = pool.get('telco.bill_run')
        company, accounting, products, agent, customer = self._setup()
        officer = create_staff('officer', company, BILLING)
        account = self._payer_account(company, customer)
        start = dt.date.today().replace(day=1)
        self._subscribe(company, customer, account,
            [(products['MOBILE'], Decimal('35'))], start)
        with as_user(officer):
            run, = BillRun.create([{'company': company.id, 'date': start}])
            for values in [
                    {'state': 'done'},
                    {'accounts_total': 0},
                    {'accounts_done': 1},
                    {'invoice_count': 7},
                    {'started': dt.datetime(2020, 1, 1)},
                    {'finished': dt.datetime(2020, 1, 1)},
                    ]:
                field, = values
                with self.subTest(field=field):
                    with self.assertRaises(AccessError) as cm:
                        BillRun.write([run], values)
                    self.assertEqual(cm.exception.message, gettext(
                            'telco_base.msg_field_by_button',
                            field=getattr(BillRun, field).string,
                            model=BillRun.__names__()['model']))
            with self.assertRaises(AccessError) as cm:
                BillRun.create([{
                            'company': company.id,
                            'date': start + dt.timedelta(days=1),
                            'state': 'done', 'invoice_count': 3}])
            assert_message(
                self, cm.exception, 'telco_base.msg_field_by_button')
            # what the run sets, the button sets
            BillRun.run([run])
        run = BillRun(run.id)
        self.assertEqual(
            (run.state, run.accounts_total, run.accounts_done),
            ('running', 1, 0))
        self.assertIsNotNone(run.started)
        with Transaction().set_context(company=company.id):
            run_queue()
        run = BillRun(run.id)
        self.assertEqual(
            (run.state, run.accounts_done, run.invoice_count),
            ('done', 1, 1))
        self.assertIsNotNone(run.finished)
        # a done run is not offered to be run again, nor run by a user
        with as_user(officer):
            view = BillRun.fields_view_get(view_type='form')
            button, = [b for b in re.findall(r'<button [^>]*>', view['arch'])
                if 'name="run"' in b]
            states = html.unescape(
                re.search(r'states="([^"]*)"', button).group(1))
            for state, invisible in [
                    ('draft', False), ('running', True), ('done', True)]:
                self.assertEqual(PYSONDecoder({'state': state}).decode(
                        states).get('invisible', False), invisible)
            with self.assertRaises(AccessButtonError) as cm:
                BillRun.run([run])
            self.assertEqual(cm.exception.message, gettext(
                    'ir.msg_button_state_record', button='run',
                    **BillRun.__names__(record=run)))
        # a copy starts from nothing
        with as_user(officer):
            copy, = BillRun.copy([run], default={
                    'date': start + dt.timedelta(days=2)})
            self.assertEqual(
                (copy.state, copy.accounts_total, copy.invoice_count,
                    copy.started),
                ('draft', 0, 0, None))

    @with_transaction()
    def test_bill_run_same_as_standard(self):
        "The bill run gives the amounts of sale_subscription's invoicing"
        pool = Pool()
        BillRun = pool.get('telco.bill_run')
        Invoice = pool.get('account.invoice')
        Subscription = pool.get('sale.subscription')
        SubscriptionLine = pool.get('sale.subscription.line')
        company, accounting, products, agent, customer = self._setup()
        start = dt.date.today().replace(day=1)
        ours, theirs = self._customers(company, 2)
        account = self._payer_account(company, ours)
        services = [
            (products['MOBILE'], Decimal('35.333')),
            (products['FIBRE'], Decimal('79.9'))]
        billed = self._subscribe(company, ours, account, services, start)
        standard = self._subscribe(company, theirs, None, services, start)
        with Transaction().set_context(company=company.id):
            run, = BillRun.create([{'company': company.id, 'date': start}])
            BillRun.run([run])
            run_queue()
            # the standard crons leave the payer accounts to the bill run
            SubscriptionLine.generate_consumption(date=start)
            Subscription.generate_invoice(date=start)
            mine, = Invoice.search([('party', '=', ours.id)])
            other, = Invoice.search([('party', '=', theirs.id)])
            self.assertEqual(mine.bill_run, run)
            self.assertEqual(
                [l.origin for l in other.lines if l.origin],
                list(standard.lines))
            for name in ['untaxed_amount', 'tax_amount', 'total_amount']:
                self.assertEqual(
                    getattr(mine, name), getattr(other, name), name)
            self.assertEqual(
                sorted((l.product, l.quantity, l.unit_price, l.account,
                        tuple(l.taxes)) for l in mine.lines),
                sorted((l.product, l.quantity, l.unit_price, l.account,
                        tuple(l.taxes)) for l in other.lines))
            # both subscriptions move on to the same next dates (the bill
            # run wrote in SQL: read again as the next transaction would)
            Transaction().cache.clear()
            billed, standard = Subscription.browse([billed.id, standard.id])
            self.assertGreater(billed.next_invoice_date, start)
            self.assertEqual(
                billed.next_invoice_date, standard.next_invoice_date)
            self.assertEqual(
                [l.next_consumption_date for l in billed.lines],
                [l.next_consumption_date for l in standard.lines])

    @with_transaction()
    def test_bill_run_cron(self):
        "The cron starts the run of the operators on their billing day only"
        pool = Pool()
        BillRun = pool.get('telco.bill_run')
        Company = pool.get('company.company')
        company, accounting, products, agent, customer = self._setup()
        Company.write([company], {'billing_day': 5})
        runs = BillRun.run_billing_day(date=dt.date(2026, 11, 4))
        self.assertEqual(runs, [])
        runs = BillRun.run_billing_day(date=dt.date(2026, 11, 5))
        self.assertEqual([r.date for r in runs], [dt.date(2026, 11, 5)])
        again = BillRun.run_billing_day(date=dt.date(2026, 11, 5))
        self.assertEqual(again, runs)
        self.assertEqual(BillRun.search_count([]), 1)

    @with_transaction()
    def test_claim_credit(self):
        """The credit of a resolved financial claim goes on the next bill of
        the customer's payer account, or on a credit note without bill"""
        pool = Pool()
        Claim = pool.get('telco.claim')
        BillRun = pool.get('telco.bill_run')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Company = pool.get('company.company')
        company, accounting, products, agent, customer = self._setup()
        Company.write([company], {
                'claim_credit_account': accounting['accounts']['revenue'].id})
        billed = customer
        credited_only, without_account = self._customers(company, 2)
        start = (dt.date.today().replace(day=1) - dt.timedelta(days=1)
            ).replace(day=1)
        billed_account = self._payer_account(company, billed)
        self._subscribe(company, billed, billed_account,
            [(products['MOBILE'], Decimal('35'))], start)
        other_account = self._payer_account(company, credited_only)

        def resolved_claim(party, amount):
            with Transaction().set_context(company=company.id):
                claim, = Claim.create([{
                            'company': company.id, 'party': party.id,
                            'branch': 'financial',
                            'subject': "Facture erronée",
                            'credit_amount': amount,
                            'resolution': "Geste commercial"}])
                Claim.open([claim])
                Claim.resolve([claim])
            self.assertEqual(claim.credit_state, 'to_credit')
            return claim

        on_bill = resolved_claim(billed, Decimal('10.000'))
        on_note = resolved_claim(credited_only, Decimal('5.500'))
        waiting = resolved_claim(without_account, Decimal('3.000'))
        date = dt.date.today()

        def bill(date):
            with Transaction().set_context(company=company.id):
                run, = BillRun.create([{'company': company.id, 'date': date}])
                BillRun.run([run])
                run_queue()
            return BillRun(run.id)

        run = bill(date)
        # the account with a credit only is billed too
        self.assertEqual(run.accounts_total, 2)
        self.assertEqual(run.invoice_count, 2)
        invoices = {i.payer_account: i for i in Invoice.search(
                [('bill_run', '=', run.id)])}
        service, credit = sorted(
            invoices[billed_account].lines, key=lambda l: l.amount,
            reverse=True)
        # one line per subscription line, its quantity the months billed
        months = Decimal(str(service.quantity))
        self.assertEqual(months, 2)
        self.assertEqual(credit.amount, Decimal('-10.000'))
        self.assertEqual(
            invoices[billed_account].untaxed_amount,
            Decimal('35') * months - Decimal('10'))
        note = invoices[other_account]
        self.assertEqual(note.untaxed_amount, Decimal('-5.500'))
        self.assertEqual(note.total_amount, Decimal('-5.500'))
        self.assertEqual(note.party, credited_only)
        for claim, invoice in [(on_bill, invoices[billed_account]),
                (on_note, note)]:
            claim = Claim(claim.id)
            self.assertEqual(claim.credit_state, 'credited')
            self.assertEqual(claim.credit_invoice, invoice)
            self.assertEqual(claim.credit_line.origin, claim)
            self.assertEqual(
                claim.credit_line.amount, -claim.credit_amount)
            self.assertIn(claim.number, claim.credit_line.description)
        # a customer without payer account keeps the credit for later
        self.assertEqual(Claim(waiting.id).credit_state, 'to_credit')

        # the credit note deleted, the credit goes to the next run
        InvoiceLine.delete(list(note.lines))
        Invoice.delete([note])
        self.assertEqual(Claim(on_note.id).credit_state, 'to_credit')
        self.assertIsNone(Claim(on_note.id).credit_line)
        again = bill(date + dt.timedelta(days=1))
        self.assertEqual(again.invoice_count, 1)
        note, = Invoice.search([('bill_run', '=', again.id)])
        self.assertEqual(note.total_amount, Decimal('-5.500'))
        self.assertEqual(Claim(on_note.id).credit_invoice, note)

        # the bill with its credit posts as any invoice; the other is
        # numbered as a credit note
        with Transaction().set_context(company=company.id):
            Invoice.post([invoices[billed_account]])
        self.assertTrue(invoices[billed_account].number)
        self.assertEqual(note.sequence_type, 'credit_note')

    def _draft_invoice(self, company, party, product, price):
        return create_invoice(company, party, product, price)

    @with_transaction()
    def test_invoice_merge(self):
        "Draft invoices of one payer merge; the sources keep the link"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        company, accounting, products, agent, customer = self._setup()
        key = self._draft_invoice(company, customer, products['KEY4G'], '89')
        mobile = self._draft_invoice(
            company, customer, products['MOBILE'], '35')
        with Transaction().set_context(company=company.id):
            merged = Invoice.merge([key, mobile])
            self.assertEqual(merged.state, 'draft')
            self.assertEqual(merged.party, customer)
            self.assertEqual(
                sorted(l.product.code for l in merged.lines),
                ['KEY4G', 'MOBILE'])
            self.assertEqual(merged.untaxed_amount, Decimal('124.000'))
            self.assertEqual(merged.tax_amount, Decimal('23.560'))
            self.assertEqual(set(merged.merged_invoices), {key, mobile})
            for source in [key, mobile]:
                source = Invoice(source.id)
                self.assertEqual(source.state, 'cancelled')
                self.assertEqual(source.merged_into, merged)
                self.assertFalse(source.lines)
            Invoice.post([merged])
            self.assertTrue(merged.number)

            other, = Party.create([{'name': "Other", 'company': company.id,
                        'addresses': [('create', [{}])]}])
            a = self._draft_invoice(company, customer, products['KEY4G'], '1')
            b = self._draft_invoice(company, other, products['KEY4G'], '1')
            with self.assertRaises(InvoiceMergeError) as cm:
                Invoice.merge([a, b])
            assert_message(
                self, cm.exception, 'telco_billing.msg_invoice_merge_party')
            self.assertEqual(Invoice(a.id).state, 'draft')
            with self.assertRaises(InvoiceMergeError) as cm:
                Invoice.merge([merged, a])
            assert_message(
                self, cm.exception, 'telco_billing.msg_invoice_merge_draft')
            with self.assertRaises(InvoiceMergeError) as cm:
                Invoice.merge([a])
            assert_message(
                self, cm.exception, 'telco_billing.msg_invoice_merge_two')

            home = self._payer_account(company, customer)
            office = self._payer_account(company, customer)
            c = self._draft_invoice(company, customer, products['KEY4G'], '1')
            Invoice.write([a], {'payer_account': home.id})
            Invoice.write([c], {'payer_account': office.id})
            with self.assertRaises(InvoiceMergeError) as cm:
                Invoice.merge([a, c])
            assert_message(
                self, cm.exception,
                'telco_billing.msg_invoice_merge_payer_account')
            d = self._draft_invoice(company, customer, products['KEY4G'], '1')
            merged = Invoice.merge([d, a])
            self.assertEqual(merged.payer_account, home)

    @with_transaction()
    def test_invoice_merge_operators(self):
        "Invoices of two operators never merge"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        company, accounting, products, agent, customer = self._setup()
        company_b, _, products_b, _, customer_b = self._setup(
            'ORANGE', "Orange Tunisie")
        a = self._draft_invoice(company, customer, products['KEY4G'], '1')
        b = self._draft_invoice(
            company_b, customer_b, products_b['KEY4G'], '1')
        with self.assertRaises(InvoiceMergeError) as cm:
            Invoice.merge([a, b])
        assert_message(
            self, cm.exception, 'telco_billing.msg_invoice_merge_company')

    @with_transaction()
    def test_relations_of_operator(self):
        "A sale, a subscription or an invoice takes its operator's parties"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Subscription = pool.get('sale.subscription')
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')
        company, accounting, products, agent, customer = self._setup()
        _, _, _, _, customer_b = self._setup('ORANGE', "Orange Tunisie")
        with Transaction().set_context(company=company.id):
            other, = Party.create([{
                        'name': "Leila Ben Salah", 'company': company.id,
                        'addresses': [('create', [{'city': 'Sfax'}])],
                        }])
            sale, = Sale.create([{
                        'company': company.id, 'party': customer.id,
                        'currency': company.currency.id}])
            subscription, = Subscription.create([{
                        'company': company.id, 'party': customer.id,
                        'currency': company.currency.id,
                        'start_date': dt.date.today(),
                        'invoice_recurrence': ModelData.get_id(
                            'telco_billing', 'recurrence_monthly'),
                        }])
        invoice = self._draft_invoice(
            company, customer, products['KEY4G'], '1')

        def values(Model, name, party):
            if Model == Invoice:
                return {name: party.id,
                    'invoice_address': party.addresses[0].id}
            return {name: party.id}

        for Model, record, names in [
                (Sale, sale, ['party', 'invoice_party', 'shipment_party']),
                (Subscription, subscription, ['party', 'invoice_party']),
                (Invoice, invoice, ['party']),
                ]:
            for name in names:
                with self.subTest(model=Model.__name__, field=name):
                    with self.assertRaises(DomainValidationError) as cm:
                        Model.write([record], values(Model, name, customer_b))
                    self.assertEqual(cm.exception.message, gettext(
                            'ir.msg_domain_validation_record',
                            **Model.__names__(name, Model(record.id))))
                    # the operator's own customers are taken
                    Model.write([record], values(Model, name, other))
                    self.assertEqual(getattr(Model(record.id), name), other)

    @with_transaction()
    def test_documents(self):
        "Quote and invoice PDFs carry the operator and the amount in words"
        pool = Pool()
        Quote = pool.get('telco.quote')
        Invoice = pool.get('account.invoice')
        Company = pool.get('company.company')
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        company, accounting, products, agent, customer = self._setup()
        Company.write([company], {
                'footer': "RC B123456 - MF 1234567/A/M/000"})
        fr, = Lang.search([('code', '=', 'fr')])
        Lang.write([fr], {'translatable': True})
        load_french()
        with Transaction().set_context(company=company.id):
            Party.write([customer], {'lang': fr.id})
        with as_user(agent):
            quote = self._quote(company, customer, [(products['PHONE'], 2)])
            Quote.send([quote])
            text = pdf_text(quote.document)
        self.assertIn("Ooredoo Tunisie", text)
        self.assertIn("RC B123456", text)
        self.assertIn(quote.rec_name, text)
        # 2 × 549 = 1098, VAT 19 % = 208.620, total 1306.620
        self.assertIn(
            "Arrêté le présent devis à la somme de mille trois cent six "
            "dinars et six cent vingt millimes",
            ' '.join(text.split()))
        invoice = self._draft_invoice(
            company, customer, products['KEY4G'], '89')
        with Transaction().set_context(company=company.id):
            Invoice.post([invoice])
            text = ' '.join(pdf_text(invoice.render_document()).split())
        self.assertIn("Ooredoo Tunisie", text)
        self.assertIn(invoice.number, text)
        # 89 + 16.910 = 105.910
        self.assertIn(
            "Arrêtée la présente facture à la somme de "
            "cent cinq dinars et neuf cent dix millimes", text)

    def _operator_documents(self, company):
        """Give the operator French for its customers, an address, a tax
        identifier and legal mentions in English and French"""
        pool = Pool()
        Company = pool.get('company.company')
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        fr, = Lang.search([('code', '=', 'fr')])
        Lang.write([fr], {'translatable': True})
        load_french()
        load_french_months()
        party = company.party
        address = {
            'street': "Immeuble Zenith, Les Berges du Lac",
            'postal_code': '1053', 'city': "Tunis"}
        if party.addresses:
            Address.write(list(party.addresses[:1]), address)
        else:
            Address.create([dict(address, party=party.id)])
        Party.write([party], {
                'identifiers': [('create', [{
                                # the Tunisian matricule fiscal
                                'type': 'tn_vat',
                                'code': '1234567MAE001'}])],
                })
        Company.write([company], {
                'customer_lang': fr.id, 'legal_mentions': LEGAL_EN})
        with Transaction().set_context(language='fr'):
            Company.write([company], {'legal_mentions': LEGAL_FR})
        return fr

    @with_transaction()
    def test_amounts_and_dates_in_words(self):
        "Amounts and dates are written out in French and in English"
        pool = Pool()
        Lang = pool.get('ir.lang')
        fr, = Lang.search([('code', '=', 'fr')])
        Lang.write([fr], {'translatable': True})
        load_french()
        load_french_months()
        for amount, lang, text in [
                ('1.001', 'fr', "un dinar et un millime"),
                ('2105.250', 'fr', "deux mille cent cinq dinars "
                    "et deux cent cinquante millimes"),
                ('21', 'fr', "vingt et un dinars"),
                ('-80', 'fr', "moins quatre-vingts dinars"),
                ('1.001', 'en', "one dinar and one millime"),
                ('2105.250', 'en', "two thousand, one hundred and five "
                    "dinars and two hundred and fifty millimes"),
                ('-80', 'en', "minus eighty dinars"),
                ]:
            with self.subTest(amount=amount, lang=lang):
                self.assertEqual(
                    amount_in_words(Decimal(amount), 'TND', 3, lang), text)
        self.assertEqual(
            amount_in_words(Decimal('12.50'), 'EUR', 2, 'fr'),
            "douze euros et cinquante centimes")
        for date, lang, text in [
                (dt.date(2026, 12, 5), 'fr', "5 décembre 2026"),
                (dt.date(2027, 3, 1), 'fr', "1er mars 2027"),
                (dt.date(2026, 8, 31), fr, "31 août 2026"),
                (dt.date(2026, 12, 5), 'en', "December 5, 2026"),
                (dt.date(2027, 3, 1), 'en', "March 1, 2027"),
                ]:
            with self.subTest(date=date, lang=lang):
                self.assertEqual(date_in_words(date, lang), text)
        # without language: the one of the context
        with Transaction().set_context(language='fr'):
            self.assertEqual(
                date_in_words(dt.date(2026, 2, 1)), "1er février 2026")

    @with_transaction()
    def test_documents_operator_language(self):
        "A customer without language gets the operator's on every document"
        pool = Pool()
        Quote = pool.get('telco.quote')
        Invoice = pool.get('account.invoice')
        Email = pool.get('ir.email')
        company, accounting, products, agent, customer = self._setup()
        self._operator_documents(company)
        billing = create_staff('billing_ooredoo', company, BILLING)
        with Transaction().set_context(company=company.id):
            self.assertIsNone(customer.lang)
        with as_user(agent):
            quote = self._quote(company, customer, [(products['PHONE'], 2)])
            Quote.send([quote])
            run_queue()
            quote = Quote(quote.id)
            text = flat(pdf_text(quote.document))
        self.assertEqual(
            date_in_words(dt.date(2027, 3, 1), 'fr'), "1er mars 2027")
        self.assertEqual(
            date_in_words(dt.date(2027, 3, 1), 'en'), "March 1, 2027")
        self.assertIn(f"Devis {quote.rec_name}", text)
        self.assertIn(f"Date : {french_date(quote.quote_date)}", text)
        self.assertIn(
            f"Valable jusqu'au : {french_date(quote.validity_date)}", text)
        total = 2 * Decimal('549.000') * Decimal('1.19')
        self.assertEqual(quote.total_amount, total)
        self.assertIn(
            "Arrêté le présent devis à la somme de "
            f"{words(total, 'fr')}.", text)
        self.assertIn("Ooredoo Tunisie", text)
        self.assertIn("Immeuble Zenith, Les Berges du Lac", text)
        self.assertIn("1053 Tunis", text)
        self.assertIn("Matricule fiscal : 1234567/M/A/E/001", text)
        self.assertIn(LEGAL_FR, text)
        self.assertNotIn(LEGAL_EN, text)
        self.assertNotIn("closed at the sum", text)
        email, = Email.search([('resource', '=', str(quote))])
        self.assertEqual(
            email.subject, f"Ooredoo Tunisie : votre devis {quote.rec_name}")
        body = html.unescape(email.body)
        self.assertIn("Bonjour Sami Trabelsi,", body)
        self.assertIn(f"d'un montant total de {words(total, 'fr')}.", body)
        self.assertIn(
            f"Il est valable jusqu'au {french_date(quote.validity_date)}.",
            body)

        invoice = self._draft_invoice(
            company, customer, products['KEY4G'], '89')
        self.assertEqual(invoice.party_lang, 'fr')
        with as_user(billing):
            Invoice.post([invoice])
            # the operator's PDF is kept when the invoice is posted
            run_queue()
            invoice = Invoice(invoice.id)
            self.assertEqual(invoice.invoice_report_format, 'pdf')
            kept = invoice.invoice_report_cache
            self.assertEqual(invoice.render_document(), kept)
            Invoice.send_email([invoice])
        text = flat(pdf_text(kept))
        total = Decimal('89.000') * Decimal('1.19')
        self.assertEqual(invoice.total_amount, total)
        self.assertIn(f"Facture {invoice.number}", text)
        self.assertIn(f"Date : {french_date(invoice.invoice_date)}", text)
        self.assertIn(
            "Arrêtée la présente facture à la somme de "
            f"{words(total, 'fr')}.", text)
        self.assertIn("Immeuble Zenith, Les Berges du Lac", text)
        self.assertIn("Matricule fiscal : 1234567/M/A/E/001", text)
        self.assertIn(LEGAL_FR, text)
        self.assertNotIn("closed at the sum", text)
        email, = Email.search([('resource', '=', str(invoice))])
        self.assertEqual(
            email.subject,
            f"Ooredoo Tunisie : votre facture {invoice.number}")
        body = html.unescape(email.body)
        self.assertIn("Bonjour Sami Trabelsi,", body)
        self.assertIn(
            f"la facture {invoice.number}, d'un montant total de "
            f"{words(total, 'fr')}.", body)

    @with_transaction()
    def test_documents_customer_language(self):
        "A customer's own language wins over the operator's"
        pool = Pool()
        Quote = pool.get('telco.quote')
        Invoice = pool.get('account.invoice')
        Email = pool.get('ir.email')
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        company, accounting, products, agent, customer = self._setup()
        self._operator_documents(company)
        en, = Lang.search([('code', '=', 'en')])
        with Transaction().set_context(company=company.id):
            Party.write([customer], {'lang': en.id})
        with as_user(agent):
            quote = self._quote(company, customer, [(products['FIBRE'], 1)])
            Quote.send([quote])
            run_queue()
            quote = Quote(quote.id)
            text = flat(pdf_text(quote.document))

        def english_date(date):
            return f"{date:%B} {date.day}, {date.year}"
        total = Decimal('79.900') * Decimal('1.19')
        self.assertEqual(quote.total_amount, total)
        self.assertIn(f"Quote {quote.rec_name}", text)
        self.assertIn(f"Date: {english_date(quote.quote_date)}", text)
        self.assertIn(
            f"Valid until: {english_date(quote.validity_date)}", text)
        self.assertIn(
            f"This quote is closed at the sum of {words(total, 'en')}.",
            text)
        self.assertIn("Tax identifier: 1234567/M/A/E/001", text)
        self.assertIn(LEGAL_EN, text)
        self.assertNotIn(LEGAL_FR, text)
        self.assertNotIn("Arrêté", text)
        email, = Email.search([('resource', '=', str(quote))])
        self.assertEqual(
            email.subject, f"Ooredoo Tunisie: your quote {quote.rec_name}")
        self.assertIn(
            f"It is valid until {english_date(quote.validity_date)}.",
            html.unescape(email.body))

        invoice = self._draft_invoice(
            company, customer, products['KEY4G'], '89')
        self.assertEqual(invoice.party_lang, 'en')
        with Transaction().set_context(company=company.id):
            Invoice.post([invoice])
            text = flat(pdf_text(invoice.render_document()))
        total = Decimal('89.000') * Decimal('1.19')
        self.assertIn(f"Invoice {invoice.number}", text)
        self.assertIn(
            f"Date: {english_date(invoice.invoice_date)}", text)
        self.assertIn(
            f"This invoice is closed at the sum of {words(total, 'en')}.",
            text)
        self.assertIn(LEGAL_EN, text)

    @with_transaction()
    def test_standard_invoice_report_not_offered(self):
        "Staff print the operator's invoice, never the standard ODT"
        pool = Pool()
        Keyword = pool.get('ir.action.keyword')
        ModelData = pool.get('ir.model.data')
        Invoice = pool.get('account.invoice')
        Revision = pool.get('account.invoice.report.revision')
        Refresh = pool.get(
            'account.invoice.refresh_invoice_report', type='wizard')
        company, accounting, products, agent, customer = self._setup()
        ours = ModelData.get_id('telco_billing', 'report_invoice')
        standard = ModelData.get_id('account_invoice', 'report_invoice')
        billing = create_staff(
            'billing_ooredoo', company,
            BILLING + ['account.group_account_admin'])
        invoice = self._draft_invoice(
            company, customer, products['KEY4G'], '89')
        for user in [agent, billing]:
            with self.subTest(user=user.login), as_user(user):
                actions = [a['id'] for a in Keyword.get_keyword(
                        'form_print', ('account.invoice', invoice.id))]
                self.assertIn(ours, actions)
                self.assertNotIn(standard, actions)
        with as_user(billing):
            Invoice.post([invoice])
            run_queue()
            invoice = Invoice(invoice.id)
            kept = invoice.invoice_report_cache
            self.assertEqual(invoice.invoice_report_format, 'pdf')
            self.assertIn(invoice.number, pdf_text(kept))
            # refreshing keeps the former PDF and prints the operator's
            session_id, _, _ = Refresh.create()
            with Transaction().set_context(
                    active_model='account.invoice', active_id=invoice.id,
                    active_ids=[invoice.id]):
                result = Refresh.execute(session_id, {}, 'archive')
            action, = result['actions']
            self.assertEqual(action[0]['id'], ours)
            revision, = Revision.search([('invoice', '=', invoice.id)])
            self.assertEqual(revision.invoice_report_cache, kept)
            self.assertTrue(revision.filename.endswith('.pdf'))
            self.assertIsNone(Invoice(invoice.id).invoice_report_cache)
            invoice.render_document()
            self.assertEqual(
                Invoice(invoice.id).invoice_report_format, 'pdf')

    @with_transaction()
    def test_one_off_invoiced_on_delivery(self):
        "A phone of an accepted quote is invoiced when it is delivered"
        pool = Pool()
        Quote = pool.get('telco.quote')
        Sale = pool.get('sale.sale')
        Shipment = pool.get('stock.shipment.out')
        company, accounting, products, agent, customer = self._setup()
        account = self._payer_account(company, customer)
        with as_user(agent):
            quote = self._quote(company, customer, [
                    (products['PHONE'], 1), (products['MOBILE'], 1)],
                payer_account=account)
            Quote.send([quote])
            Quote.accept([quote])
            run_queue()
            sale = Sale(quote.sale.id)
            self.assertEqual(sale.invoices, ())
            shipment, = sale.shipments
        with Transaction().set_context(company=company.id):
            Shipment.assign_force([shipment])
            Shipment.pick([shipment])
            Shipment.pack([shipment])
            Shipment.do([shipment])
            run_queue()
        with as_user(agent):
            sale = Sale(sale.id)
            invoice, = sale.invoices
            self.assertEqual(invoice.state, 'draft')
            self.assertEqual(invoice.party, customer)
            self.assertEqual(invoice.payer_account, account)
            self.assertEqual(
                [(l.product, l.quantity) for l in invoice.lines],
                [(products['PHONE'], 1)])
            # 549 + 19 % VAT
            self.assertEqual(invoice.total_amount, Decimal('653.310'))

    @with_transaction()
    def test_payment_balance_overdue(self):
        "Payments lower the customer's balance; unpaid past due is overdue"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        MoveLine = pool.get('account.move.line')
        company, accounting, products, agent, customer = self._setup()
        invoice = self._draft_invoice(
            company, customer, products['PHONE'], '549')
        billing = create_staff(
            'billing_ooredoo', company, BILLING,
            email='billing@ooredoo.example.com')
        with as_user(billing):
            Invoice.post([invoice])
            due = invoice.lines_to_pay[0].maturity_date
            self.assertEqual(due, invoice.invoice_date + dt.timedelta(30))
            customer = Party(customer.id)
            self.assertEqual(customer.receivable, Decimal('653.310'))
            self.assertEqual(customer.overdue, Decimal(0))
            with Transaction().set_context(date=due):
                self.assertEqual(Party(customer.id).overdue, Decimal(0))
            with Transaction().set_context(date=due + dt.timedelta(1)):
                self.assertEqual(
                    Party(customer.id).overdue, Decimal('653.310'))

            def pay(amount):
                "What the pay wizard does, as a cashier at the shop"
                invoice = Invoice(invoice_id)
                lines = invoice.pay_invoice(
                    Decimal(amount), accounting['payment_method'],
                    invoice.invoice_date, "Paiement en agence")
                invoice = Invoice(invoice_id)
                if not invoice.amount_to_pay:
                    MoveLine.reconcile(
                        list(invoice.lines_to_pay)
                        + list(invoice.payment_lines))
                    run_queue()
                return lines
            invoice_id = invoice.id
            pay('300')
            invoice = Invoice(invoice.id)
            self.assertEqual(invoice.state, 'posted')
            self.assertEqual(invoice.amount_to_pay, Decimal('353.310'))
            self.assertEqual(
                Party(customer.id).receivable, Decimal('353.310'))
            pay('353.310')
            self.assertEqual(Invoice(invoice.id).state, 'paid')
            self.assertEqual(Party(customer.id).receivable, Decimal(0))
            with Transaction().set_context(date=due + dt.timedelta(1)):
                self.assertEqual(Party(customer.id).overdue, Decimal(0))


    @with_transaction()
    def test_party_balance_due(self):
        "The customer's balance due is what remains due on its invoices"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        company, accounting, products, agent, customer = self._setup()
        phone = self._draft_invoice(
            company, customer, products['PHONE'], '549')
        key = self._draft_invoice(company, customer, products['KEY4G'], '89')
        draft = self._draft_invoice(
            company, customer, products['MOBILE'], '35')
        billing = create_staff(
            'billing_ooredoo', company, BILLING,
            email='billing@ooredoo.example.com')
        with as_user(billing):
            Invoice.post([phone, key])
            phone = Invoice(phone.id)
            phone.pay_invoice(
                Decimal('300'), accounting['payment_method'],
                phone.invoice_date, "Paiement en agence")
        # 549 and 89 with 19 % VAT, 300 paid on the first
        vat = Decimal('1.19')
        expected = (Decimal('549') * vat - Decimal('300')
            + Decimal('89') * vat)
        self.assertEqual(expected, Decimal('459.220'))
        with as_user(agent):
            customer = Party(customer.id)
            self.assertEqual(customer.balance_due, expected)
            self.assertEqual(
                sorted(customer.invoices), sorted([phone, key, draft]))
            # the invoices tab sums to the balance the form shows
            self.assertEqual(
                sum(i.amount_to_pay for i in customer.invoices),
                customer.balance_due)
            self.assertEqual(
                Party.read([customer.id], ['balance_due'])[0]['balance_due'],
                expected)
            # the agent's form has the quotes and invoices tabs and the
            # balance on the first tab
            arch = Party.fields_view_get(view_type='form')['arch']
            for part in ['<page name="quotes"', '<page name="invoices"',
                    'name="balance_due"', 'name="credit_class"']:
                self.assertIn(part, arch)
            # the invoices tab sums the amounts to pay under the list
            view = Invoice.fields_view_get(
                view_id=ModelData.get_id(
                    'telco_billing', 'invoice_view_list_party'),
                view_type='tree')
            self.assertRegex(
                view['arch'], r'<field name="amount_to_pay"[^>]* sum="1"')

        # an operator without quotes and invoices: no tab, no balance,
        # and its agents' customer form reads
        tt = create_operator("Tunisie Telecom", 'TT', ['clients'])
        tt_agent = create_staff('agent_tt', tt, AGENT)
        with Transaction().set_context(company=tt.id):
            tt_customer, = Party.create([{
                        'name': "Client TT", 'company': tt.id}])
        with as_user(tt_agent):
            view = Party.fields_view_get(view_type='form')
            for name in ['quotes', 'invoices', 'balance_due', 'overdue',
                    'invoice_requests']:
                with self.subTest(name=name):
                    self.assertNotIn(f'name="{name}"', view['arch'])
                    self.assertNotIn(name, view['fields'])
            self.assertIn('name="credit_class"', view['arch'])
            record, = Party.read([tt_customer.id], list(view['fields']))
            self.assertEqual(record['id'], tt_customer.id)
            view = Party.fields_view_get(view_type='tree')
            Party.read([tt_customer.id], list(view['fields']))

    @with_transaction()
    def test_catalogue_gated_by_selling_features(self):
        """Without a feature that sells products, the catalogue
        administration is refused; with billing it is allowed"""
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        groups = STAFF_GROUPS + ['product.group_product_admin']
        clients_only = create_operator("Ooredoo", 'OOREDOO', ['clients'])
        staff = create_staff('staff', clients_only, groups)
        with as_user(staff):
            with self.assertRaises(AccessError) as cm:
                Template.create([{'name': "Phone", 'default_uom': unit.id}])
            assert_message(
                self, cm.exception, 'telco_base.msg_feature_disabled')
        billing = create_operator("Orange", 'ORANGE', ['clients', 'billing'])
        seller = create_staff('seller', billing, groups)
        with as_user(seller):
            template, = Template.create([
                    {'name': "Phone", 'default_uom': unit.id}])
        self.assertEqual(template.company, billing)

    @with_transaction()
    def test_dashboard_figures(self):
        "The billing figures of May 2026 computed by hand"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        Line = pool.get('telco.line')
        Figure = pool.get('telco.dashboard.figure')
        company, accounting, products, agent, customer = self._setup()
        # a customer since January with two lines
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.update(
                [party.customer_date], [dt.date(2026, 1, 1)],
                where=party.id == customer.id))
        with Transaction().set_context(company=company.id):
            lines = Line.create([{
                        'company': company.id, 'customer': customer.id,
                        'number': n, 'kind': 'mobile_postpaid'}
                    for n in ['+21698000001', '+21698000002']])
        line = Line.__table__()
        cursor.execute(*line.update(
                [line.activation_date, line.state],
                [dt.date(2026, 1, 1), 'active'],
                where=line.id.in_([l.id for l in lines])))
        # 549 in May (due June 9th), 89 in April (due May 5th), a draft
        invoices = {}
        for name, product, price, date in [
                ('may', 'PHONE', '549', dt.date(2026, 5, 10)),
                ('april', 'KEY4G', '89', dt.date(2026, 4, 5)),
                ('draft', 'MOBILE', '35', dt.date(2026, 5, 20)),
                ]:
            invoice = self._draft_invoice(
                company, customer, products[product], price)
            invoice.invoice_date = date
            invoice.save()
            invoices[name] = invoice
        # their due dates are in the past: warned, posted anyway
        with Transaction().set_context(_skip_warnings=True):
            Invoice.post([invoices['may'], invoices['april']])

        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], dt.date(2026, 5, 1))}
        self.assertEqual(
            figures['revenue'], (Decimal('549.000'), Decimal('89.000')))
        # one customer, two lines
        self.assertEqual(
            figures['arpu_customer'], (Decimal('549.00'), Decimal('89.00')))
        self.assertEqual(
            figures['arpu_line'], (Decimal('274.50'), Decimal('44.50')))
        # with 19 % VAT: 653.310 + 105.910 owed at the end of May, of which
        # April's invoice is overdue; at the end of April, April's only
        self.assertEqual(
            figures['receivable'], (Decimal('759.220'), Decimal('105.910')))
        self.assertEqual(figures['overdue'], (Decimal('105.910'), 0))
        # the revenue of May by product: the phone's invoice alone, beside
        # the two lines by kind
        Breakdown = pool.get('telco.dashboard.breakdown')
        self.assertEqual(
            {(b.division, b.label): b.value
                for b in Breakdown.compute([company], dt.date(2026, 5, 1))},
            {('revenue_product', products['PHONE'].rec_name):
                    Decimal('549.000'),
                ('lines_kind', "Mobile Postpaid"): 2})
        # quotes sent in May: 3 (one accepted, one refused, one waiting),
        # in April: 1 accepted; a draft dated in May is not sent
        Quote = pool.get('telco.quote')
        quote = Quote.__table__()
        for state, date in [
                ('accepted', dt.date(2026, 5, 4)),
                ('refused', dt.date(2026, 5, 12)),
                ('sent', dt.date(2026, 5, 31)),
                ('accepted', dt.date(2026, 4, 30)),
                ('draft', dt.date(2026, 5, 15)),
                ]:
            record = self._quote(company, customer, [(products['PHONE'], 1)])
            cursor.execute(*quote.update(
                    [quote.state, quote.quote_date], [state, date],
                    where=quote.id == record.id))
        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], dt.date(2026, 5, 1))}
        self.assertEqual(figures['quotes_sent'], (3, 1))
        self.assertEqual(
            figures['quotes_accepted'], (Decimal('33.33'), Decimal('100.00')))
        model, domain, _ = Figure.get_kpi('quotes_accepted').records(
            company.id, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
        self.assertEqual(
            [q.quote_date for q in Quote.search(domain)],
            [dt.date(2026, 5, 4)])
        # the customer's segment in May: the posted invoice, not the draft,
        # beside his two lines
        Segment = pool.get('telco.dashboard.segment')
        segment, = Segment.compute([company], dt.date(2026, 5, 1))
        self.assertEqual(
            (segment.customers, segment.lines, segment.revenue),
            (1, 2, Decimal('549.000')))
        # ARPU in the statistic: May alone 549 for one customer and two
        # lines; April and May (89 + 549) / 2 months; month by month
        Segment.compute([company], dt.date(2026, 4, 1))
        Statistic = pool.get('telco.dashboard.statistic')

        def arpu(dimension, start):
            with Transaction().set_context(company=company.id,
                    dimension=dimension, from_period=start,
                    to_period=dt.date(2026, 5, 1)):
                return sorted((s.arpu_customer, s.arpu_line)
                    for s in Statistic.search([]))
        self.assertEqual(arpu('category', dt.date(2026, 5, 1)),
            [(Decimal('549.00'), Decimal('274.50'))])
        self.assertEqual(arpu('category', dt.date(2026, 4, 1)),
            [(Decimal('319.00'), Decimal('159.50'))])
        self.assertEqual(arpu('period', dt.date(2026, 4, 1)), [
                (Decimal('89.00'), Decimal('44.50')),
                (Decimal('549.00'), Decimal('274.50'))])

        # April's invoice paid in June: still owed at the end of May
        april = Invoice(invoices['april'].id)
        april.pay_invoice(
            Decimal('105.910'), accounting['payment_method'],
            dt.date(2026, 6, 2), "Paiement en agence")
        pool.get('account.move.line').reconcile(
            list(Invoice(april.id).lines_to_pay)
            + list(Invoice(april.id).payment_lines))
        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], dt.date(2026, 6, 1))}
        self.assertEqual(figures['receivable'][1], Decimal('759.220'))
        self.assertEqual(figures['receivable'][0], Decimal('653.310'))
        self.assertEqual(figures['revenue'], (0, Decimal('549.000')))


    @with_transaction()
    def test_churn_signals(self):
        """The billing signals of churn: overdue invoices, spend fallen by
        30 % or more, a commitment ending within 60 days"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        ChurnRisk = pool.get('telco.dashboard.churn_risk')
        Subscription = pool.get('sale.subscription')
        company, accounting, products, agent, customer = self._setup()
        # 549 in May (due June 9th), 89 in April (due May 5th), unpaid
        for product, price, date in [
                ('KEY4G', '89', dt.date(2026, 4, 5)),
                ('PHONE', '549', dt.date(2026, 5, 10)),
                ]:
            invoice = self._draft_invoice(
                company, customer, products[product], price)
            invoice.invoice_date = date
            invoice.save()
            with Transaction().set_context(_skip_warnings=True):
                Invoice.post([invoice])
        committed, = self._customers(company, 1)
        subscription = self._subscribe(
            company, committed, None,
            [(products['MOBILE'], Decimal('35'))], dt.date(2026, 1, 1))
        table = Subscription.__table__()
        Transaction().connection.cursor().execute(*table.update(
                [table.end_date], [dt.date(2026, 7, 15)],
                where=table.id == subscription.id))

        def signals(date):
            return {
                r.party: set(r.signal_codes.split(',')) for r in
                ChurnRisk.compute(company.id, date)}

        # June 1st: April's invoice is overdue, May's not yet; both are in
        # the last 3 months, nothing in the 3 before: no fall; the
        # subscription ends in 44 days
        self.assertEqual(signals(dt.date(2026, 6, 1)), {
                customer: {'overdue'}, committed: {'commitment'}})
        # September 1st: both overdue; nothing since June 2nd against 638
        # in the 3 months before; the subscription has ended
        self.assertEqual(signals(dt.date(2026, 9, 1)), {
                customer: {'overdue', 'falling_spend'}})
        risk, = ChurnRisk.search([('party', '=', customer.id)])
        # 30 + 20: at risk (50 or more)
        self.assertEqual(risk.score, 50)
        self.assertIn('overdue invoices', risk.signals_string)


del PlatformTestCase
