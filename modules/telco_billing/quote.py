# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.modules.account.tax import TaxableMixin
from trytond.modules.product import price_digits
from trytond.modules.telco_base.input import (
    MAX_AMOUNT, MAX_QUANTITY, date_domain)
from trytond.modules.telco_base.model import ButtonFieldsMixin, OperatorMixin
from trytond.modules.telco_base.template import text_to_html
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import QuoteError
from .words import amount_in_words, date_in_words

QUOTE_STATES = [
    ('draft', "Draft"),
    ('sent', "Sent"),
    ('accepted', "Accepted"),
    ('refused', "Refused"),
    ('expired', "Expired"),
    ('revised', "Revised"),
    ]


class Quote(
        ButtonFieldsMixin, OperatorMixin, Workflow, ModelSQL, ModelView,
        TaxableMixin):
    "Quote sent to a customer; revised quotes keep their earlier revisions"
    __name__ = 'telco.quote'
    __string__ = "Quote"
    # set by the buttons (send, accept, revise) and the quote request's
    _button_fields = {
        'state': 'draft',
        'number': None,
        'revision': 1,
        'previous': None,
        'request': None,
        'quote_date': None,
        'sale': None,
        'subscription': None,
        }

    _states = {'readonly': Eval('state') != 'draft'}

    number = fields.Char(
        "Number", readonly=True,
        help="The same for every revision of the quote.")
    revision = fields.Integer("Revision", readonly=True, required=True)
    previous = fields.Many2One(
        'telco.quote', "Previous Revision", readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    revisions = fields.Function(fields.Many2Many(
            'telco.quote', None, None, "Revisions",
            help="Every revision of the quote."), 'get_revisions')
    request = fields.Many2One(
        'telco.quote.request', "Request", readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'},
        states=_states)
    payer_account = fields.Many2One(
        'telco.payer_account', "Payer Account", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('customer', '=', Eval('customer', -1)),
            ],
        states=_states,
        help="Who receives the bills of the monthly services.")
    invoice_address = fields.Many2One(
        'party.address', "Invoice Address", ondelete='RESTRICT',
        domain=[('party', '=', Eval('customer', -1))], states=_states)
    quote_date = fields.Date("Quote Date", readonly=True)
    validity_date = fields.Date(
        "Valid Until", states=_states,
        domain=[If(Bool(Eval('quote_date')) & Bool(Eval('validity_date')),
                ('validity_date', '>=', Eval('quote_date')),
                ()),
            date_domain('validity_date')],
        help="Computed from the operator's validity when sent if empty.")
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states)
    description = fields.Text("Description", states=_states)
    lines = fields.One2Many(
        'telco.quote.line', 'quote', "Lines", states=_states)
    untaxed_amount = fields.Function(
        fields.Numeric("Untaxed", digits='currency'), 'get_amounts')
    tax_amount = fields.Function(
        fields.Numeric("Tax", digits='currency'), 'get_amounts')
    total_amount = fields.Function(
        fields.Numeric("Total", digits='currency'), 'get_amounts')
    monthly_amount = fields.Function(
        fields.Numeric(
            "Monthly", digits='currency',
            help="The untaxed amount billed each month."),
        'get_amounts')
    state = fields.Selection(
        QUOTE_STATES, "State", readonly=True, required=True, sort=False)
    document = fields.Binary(
        "Document", readonly=True, filename='document_name',
        file_id='document_id')
    document_id = fields.Char("Document ID", readonly=True)
    document_name = fields.Function(
        fields.Char("Document Name"), 'get_document_name')
    sale = fields.Many2One(
        'sale.sale', "Sale", readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    subscription = fields.Many2One(
        'sale.subscription', "Subscription", readonly=True,
        domain=[('company', '=', Eval('company', -1))])

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {
            'readonly': (Eval('state') != 'draft') | Eval('lines', [0]),
            }
        cls.number.search_unaccented = False
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.company, Index.Range()),
                    (t.number, Index.Equality()),
                    (t.revision, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'sent'),
                })
        cls._order = [
            ('number', 'DESC NULLS FIRST'),
            ('revision', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'sent'),
            ('sent', 'accepted'),
            ('sent', 'refused'),
            ('sent', 'expired'),
            ('sent', 'revised'),
            ('expired', 'revised'),
            ('refused', 'revised'),
            }
        cls._buttons.update({
                'send': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'revise': {
                    'invisible': ~Eval('state').in_(
                        ['sent', 'expired', 'refused']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_revision(cls):
        return 1

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id

    @fields.depends('customer', 'company')
    def on_change_customer(self):
        pool = Pool()
        PayerAccount = pool.get('telco.payer_account')
        if self.company and not getattr(self, 'currency', None):
            self.currency = self.company.currency
        if self.customer:
            self.invoice_address = self.customer.address_get(type='invoice')
            accounts = PayerAccount.search([
                    ('customer', '=', self.customer.id),
                    ], limit=2)
            if len(accounts) == 1:
                self.payer_account, = accounts

    def get_rec_name(self, name):
        if self.number:
            return '%s/R%s' % (self.number, self.revision)
        return gettext('telco_billing.msg_quote_draft_name', id=self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        if isinstance(value, str) and '/R' in value.upper():
            number, _, revision = value.upper().rpartition('/R')
            if revision.isdigit():
                return [
                    ('number', operator, number),
                    ('revision', '=', int(revision)),
                    ]
        return [('number',) + tuple(clause[1:])]

    def get_revisions(self, name):
        if not self.number:
            return [self.id]
        return [q.id for q in self.search([
                    ('company', '=', self.company.id),
                    ('number', '=', self.number),
                    ], order=[('revision', 'ASC')])]

    def get_document_name(self, name):
        if self.number:
            return '%s-R%s.pdf' % (self.number, self.revision)

    @property
    def taxable_lines(self):
        lines = []
        for line in self.lines or []:
            lines.extend(line.taxable_lines)
        return lines

    @property
    def tax_date(self):
        return self.quote_date or Pool().get('ir.date').today()

    @classmethod
    def get_amounts(cls, quotes, names):
        result = {n: {} for n in names}
        for quote in quotes:
            untaxed = sum(
                (line.amount or Decimal(0) for line in quote.lines),
                Decimal(0))
            monthly = sum(
                (line.amount or Decimal(0) for line in quote.lines
                    if line.recurring), Decimal(0))
            tax = sum(
                (t.amount for t in quote._get_taxes().values()), Decimal(0))
            values = {
                'untaxed_amount': untaxed,
                'tax_amount': quote.currency.round(tax),
                'total_amount': quote.currency.round(untaxed + tax),
                'monthly_amount': monthly,
                }
            for name in names:
                result[name][quote.id] = values[name]
        return result

    def amount_in_words(self, language=None):
        "The total written in words in the language of the document"
        return amount_in_words(
            self.total_amount, self.currency.code, self.currency.digits,
            language or self.language_code())

    def language_code(self):
        "The code of the language of the documents sent to the customer"
        pool = Pool()
        Config = pool.get('ir.configuration')
        lang = self.company.customer_language(self.customer)
        # as the report does for a record without language
        return lang.code if lang else Config.get_language()

    @classmethod
    def copy(cls, quotes, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'previous', 'quote_date', 'document',
                'document_id', 'sale',
                'subscription', 'request']:
            default.setdefault(name, None)
        default.setdefault('revision', 1)
        return super().copy(quotes, default=default)

    @classmethod
    def check_modification(cls, mode, quotes, values=None, external=False):
        super().check_modification(
            mode, quotes, values=values, external=external)
        if mode == 'write' and external:
            for quote in quotes:
                if quote.state != 'draft':
                    raise QuoteError(gettext(
                            'telco_billing.msg_quote_modify_sent',
                            quote=quote.rec_name))
        if mode == 'delete':
            for quote in quotes:
                if quote.state != 'draft' or quote.number:
                    raise QuoteError(gettext(
                            'telco_billing.msg_quote_delete_sent',
                            quote=quote.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('sent')
    def send(cls, quotes):
        """Number the quote, freeze its PDF and e-mail it to the customer"""
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        for quote in quotes:
            if not quote.lines:
                raise QuoteError(gettext(
                        'telco_billing.msg_quote_no_line',
                        quote=quote.rec_name))
            with Transaction().set_context(company=quote.company.id):
                today = Date.today()
            quote.quote_date = today
            if not quote.number:
                quote.number = Company.next_quote_number(quote.company.id)
            if not quote.validity_date:
                quote.validity_date = today + dt.timedelta(
                    days=quote.company.quote_validity_days or 30)
            elif quote.validity_date < today:
                raise QuoteError(gettext(
                        'telco_billing.msg_quote_validity_past',
                        quote=quote.rec_name))
        cls.save(quotes)
        for quote in quotes:
            quote.document = quote.render_document()
        cls.save(quotes)
        cls.__queue__.email_customer(quotes)

    def render_document(self):
        "Return the PDF of the quote as printed now"
        pool = Pool()
        Report = pool.get('telco.quote', type='report')
        _, content, _, _ = Report.execute([self.id], {})
        return content

    @classmethod
    def email_customer(cls, quotes):
        "Send the quote's PDF to the customer's e-mail, in their language"
        pool = Pool()
        Email = pool.get('ir.email')
        for quote in quotes:
            email = quote.customer.email
            if not email or not quote.document:
                continue
            language = quote.language_code()
            with Transaction().set_context(language=language):
                subject = gettext(
                    'telco_billing.msg_quote_email_subject',
                    operator=quote.company.display_name,
                    quote=quote.rec_name)
                body = text_to_html(gettext(
                    'telco_billing.msg_quote_email_body',
                    customer=quote.customer.rec_name,
                    quote=quote.rec_name,
                    total=quote.amount_in_words(language),
                    date=date_in_words(quote.validity_date, language)))
            Email.send(
                to=email, subject=subject, body=body,
                files=[(quote.document_name, quote.document)],
                record=[cls.__name__, quote.id])

    @classmethod
    @ModelView.button_action('telco_billing.act_quote_form')
    @Workflow.transition('revised')
    def revise(cls, quotes):
        "Keep the quote as sent and open a new revision to change"
        new_quotes = []
        for quote in quotes:
            new, = cls.copy([quote], default={
                    'number': quote.number,
                    'revision': quote.revision + 1,
                    'previous': quote.id,
                    'request': quote.request.id if quote.request else None,
                    'validity_date': None,
                    })
            new_quotes.append(new)
        return {'res_id': [q.id for q in new_quotes]}

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, quotes):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, quotes):
        "Order the one-off products and subscribe the monthly services"
        pool = Pool()
        Date = pool.get('ir.date')
        Sale = pool.get('sale.sale')
        Subscription = pool.get('sale.subscription')
        sales, subscriptions = [], []
        for quote in quotes:
            with Transaction().set_context(company=quote.company.id):
                today = Date.today()
            if quote.validity_date and quote.validity_date < today:
                raise QuoteError(gettext(
                        'telco_billing.msg_quote_expired',
                        quote=quote.rec_name, date=quote.validity_date))
            one_off = [l for l in quote.lines if not l.recurring]
            recurring = [l for l in quote.lines if l.recurring]
            if one_off:
                quote.sale = sale = quote._get_sale(one_off)
                sales.append(sale)
            if recurring:
                if not quote.payer_account:
                    raise QuoteError(gettext(
                            'telco_billing.msg_quote_payer_account_required',
                            quote=quote.rec_name))
                quote.subscription = subscription = (
                    quote._get_subscription(recurring, today))
                subscriptions.append(subscription)
        Sale.save(sales)
        Subscription.save(subscriptions)
        cls.save(quotes)
        if sales:
            Sale.quote(sales)
            Sale.confirm(sales)
        if subscriptions:
            Subscription.quote(subscriptions)
            Subscription.run(subscriptions)

    def _get_sale(self, lines):
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        sale = Sale(
            company=self.company, party=self.customer,
            currency=self.currency, reference=self.rec_name,
            description=self.description and self.description[:200],
            origin=self)
        sale.on_change_party()
        if self.invoice_address:
            sale.invoice_address = self.invoice_address
        if self.payer_account:
            sale.invoice_party = self.payer_account.payer
            if self.payer_account.invoice_address:
                sale.invoice_address = self.payer_account.invoice_address
        if any(l.product.type == 'goods' for l in lines):
            sale.invoice_method = 'fulfillment'
        sale_lines = []
        for line in lines:
            sale_line = SaleLine(
                type='line', product=line.product, quantity=line.quantity,
                unit=line.unit, sale=sale)
            sale_line.on_change_product()
            sale_line.unit_price = line.unit_price
            sale_line.description = line.description
            sale_line.taxes = list(line.taxes)
            sale_lines.append(sale_line)
        sale.lines = sale_lines
        return sale

    def _get_subscription(self, lines, start_date):
        pool = Pool()
        Subscription = pool.get('sale.subscription')
        SubscriptionLine = pool.get('sale.subscription.line')
        ModelData = pool.get('ir.model.data')
        RuleSet = pool.get('sale.subscription.recurrence.rule.set')
        monthly = RuleSet(ModelData.get_id(
                'telco_billing', 'recurrence_monthly'))
        subscription = Subscription(
            company=self.company, party=self.customer,
            currency=self.currency, start_date=start_date,
            invoice_recurrence=monthly, payer_account=self.payer_account,
            reference=self.rec_name, telco_quote=self)
        subscription.on_change_party()
        subscription.on_change_payer_account()
        if not subscription.invoice_address:
            subscription.invoice_address = (
                self.invoice_address
                or self.payer_account.payer.address_get(type='invoice'))
        if not subscription.invoice_address:
            raise QuoteError(gettext(
                    'telco_billing.msg_quote_invoice_address_required',
                    quote=self.rec_name))
        sub_lines = []
        for line in lines:
            service = line.product.subscription_services[0]
            sub_line = SubscriptionLine(
                subscription=subscription, service=service,
                quantity=line.quantity, unit=line.unit,
                unit_price=line.unit_price, description=line.description,
                start_date=start_date,
                consumption_recurrence=(
                    service.consumption_recurrence or monthly))
            sub_lines.append(sub_line)
        subscription.lines = sub_lines
        return subscription

    @classmethod
    def expire(cls, date=None):
        "Mark as expired the sent quotes past their validity (cron)"
        pool = Pool()
        Date = pool.get('ir.date')
        if date is None:
            date = Date.today()
        quotes = cls.search([
                ('state', '=', 'sent'),
                ('validity_date', '<', date),
                ])
        cls.write(quotes, {'state': 'expired'})


class QuoteLine(sequence_ordered(), ModelSQL, ModelView):
    "Product or service of a quote"
    __name__ = 'telco.quote.line'
    __string__ = "Quote Line"

    quote = fields.Many2One(
        'telco.quote', "Quote", required=True, ondelete='CASCADE')
    company = fields.Function(
        fields.Many2One('company.company', "Operator"),
        'on_change_with_company')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        domain=[
            ('salable', '=', True),
            ('template.company', '=', Eval('company', -1)),
            ],
        context={'company': Eval('company', -1)}, depends={'company'})
    description = fields.Text("Description")
    quantity = fields.Float(
        "Quantity", required=True, digits='unit',
        domain=[('quantity', '>', 0), ('quantity', '<=', MAX_QUANTITY)])
    unit = fields.Many2One('product.uom', "Unit", required=True)
    unit_price = fields.Numeric(
        "Unit Price", digits=price_digits, required=True,
        domain=[('unit_price', '>=', 0), ('unit_price', '<=', MAX_AMOUNT)])
    taxes = fields.Many2Many(
        'telco.quote.line-account.tax', 'line', 'tax', "Taxes",
        domain=[
            ('parent', '=', None),
            ('company', '=', Eval('company', -1)),
            ['OR', ('group', '=', None), ('group.kind', 'in',
                    ['sale', 'both'])],
            ])
    recurring = fields.Function(
        fields.Boolean(
            "Monthly", help="Billed each month by the subscription."),
        'on_change_with_recurring')
    amount = fields.Function(
        fields.Numeric("Amount", digits='currency'),
        'on_change_with_amount')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('quote')

    @classmethod
    def default_quantity(cls):
        return 1

    @fields.depends('quote', '_parent_quote.company')
    def on_change_with_company(self, name=None):
        return self.quote.company if self.quote else None

    @fields.depends('quote', '_parent_quote.currency')
    def on_change_with_currency(self, name=None):
        return self.quote.currency if self.quote else None

    @fields.depends('product')
    def on_change_with_recurring(self, name=None):
        return bool(self.product and self.product.type == 'service'
            and any(s.active for s in self.product.subscription_services))

    @fields.depends('quantity', 'unit_price', 'quote',
        '_parent_quote.currency')
    def on_change_with_amount(self, name=None):
        if self.quantity is None or self.unit_price is None:
            return None
        amount = Decimal(str(self.quantity)) * self.unit_price
        if self.quote and self.quote.currency:
            amount = self.quote.currency.round(amount)
        return amount

    @fields.depends('product', 'unit', 'quote', '_parent_quote.company',
        '_parent_quote.currency', '_parent_quote.customer', 'quantity',
        'description', 'unit_price', 'taxes')
    def on_change_product(self):
        pool = Pool()
        Product = pool.get('product.product')
        if not self.product:
            return
        self.unit = self.product.sale_uom
        self.description = self.product.rec_name
        context = {}
        if self.quote and self.quote.company:
            context['company'] = self.quote.company.id
        if self.quote and self.quote.currency:
            context['currency'] = self.quote.currency.id
        if self.quote and self.quote.customer:
            context['customer'] = self.quote.customer.id
        with Transaction().set_context(context):
            product = Product(self.product.id)
            prices = Product.get_sale_price([product], self.quantity or 0)
            self.unit_price = prices[product.id]
            if self.unit_price is None:
                self.unit_price = product.list_price_used
            if self.unit_price is not None:
                self.unit_price = self.unit_price.quantize(
                    Decimal(1) / 10 ** price_digits[1])
            self.taxes = list(product.customer_taxes_used)

    @property
    def discount_label(self):
        "What the customer reads on the quote for a discounted price"
        return None

    @property
    def undiscounted_unit_price(self):
        "The unit price before the discount, shown struck on the quote"
        return None

    @property
    def taxable_lines(self):
        return [(
                list(self.taxes or []),
                self.unit_price or Decimal(0),
                self.quantity or 0,
                None)]


class QuoteLineTax(ModelSQL):
    "Quote Line - Tax"
    __name__ = 'telco.quote.line-account.tax'

    line = fields.Many2One(
        'telco.quote.line', "Line", required=True, ondelete='CASCADE')
    tax = fields.Many2One(
        'account.tax', "Tax", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('_parent_line', {}).get('company', -1)),
            ])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('line')

