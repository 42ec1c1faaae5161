# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelView, dualmethod, fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.modules.telco_base.template import text_to_html
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import InvoiceMergeError
from .words import amount_in_words


class Invoice(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'account.invoice'

    payer_account = fields.Many2One(
        'telco.payer_account', "Payer Account", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            })
    bill_run = fields.Many2One(
        'telco.bill_run', "Bill Run", readonly=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    merged_into = fields.Many2One(
        'account.invoice', "Merged Into", readonly=True,
        domain=[('company', '=', Eval('company', -1))],
        help="The invoice that took over the lines of this one.")
    merged_invoices = fields.One2Many(
        'account.invoice', 'merged_into', "Merged Invoices", readonly=True,
        help="The invoices whose lines were merged into this one.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party)
        same_operator(cls.alternative_payees)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.bill_run, Index.Range()),
                    where=t.bill_run != None),  # noqa: E711
                Index(t, (t.merged_into, Index.Range()),
                    where=t.merged_into != None),  # noqa: E711
                })
        cls._buttons.update({
                'send_email': {
                    'invisible': ~Eval('state').in_(['posted', 'paid']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        for name in ['bill_run', 'merged_into', 'merged_invoices']:
            default.setdefault(name, None)
        return super().copy(invoices, default=default)

    @fields.depends('party', 'company')
    def on_change_with_party_lang(self, name=None):
        # a customer without language gets the operator's
        if (not (self.party and self.party.lang)
                and self.company and self.company.customer_lang):
            return self.company.customer_lang.code
        return super().on_change_with_party_lang(name=name)

    def amount_in_words(self, language=None):
        "The total written in words in the language of the document"
        return amount_in_words(
            self.total_amount, self.currency.code, self.currency.digits,
            language or (self.party_lang or Transaction().language))

    def render_document(self):
        "Return the operator's PDF of the invoice"
        pool = Pool()
        Report = pool.get('telco.invoice', type='report')
        _, content, _, _ = Report.execute([self.id], {})
        return content

    @dualmethod
    def print_invoice(cls, invoices):
        "Keep the operator's PDF of the posted invoices, not the standard one"
        pool = Pool()
        Report = pool.get('telco.invoice', type='report')
        for invoice in invoices:
            if not invoice.invoice_report_cache:
                Report.execute([invoice.id], {})

    def document_name(self):
        return '%s.pdf' % (self.number or self.id)

    def send_document(self, email=None, subject=None, body=None):
        "E-mail the invoice's PDF to the payer, logged as ir.email"
        pool = Pool()
        Email = pool.get('ir.email')
        email = email or self.party.email
        if not email:
            return
        with Transaction().set_context(language=self.party_lang):
            subject = subject or gettext(
                'telco_billing.msg_invoice_email_subject',
                operator=self.company.display_name,
                invoice=self.number or '')
            body = body or text_to_html(gettext(
                'telco_billing.msg_invoice_email_body',
                customer=self.party.rec_name, invoice=self.number or '',
                total=self.amount_in_words()))
        return Email.send(
            to=email, subject=subject, body=body,
            files=[(self.document_name(), self.render_document())],
            record=[self.__name__, self.id])

    @classmethod
    @ModelView.button
    def send_email(cls, invoices):
        for invoice in invoices:
            invoice.send_document()

    @classmethod
    def merge(cls, invoices):
        """Merge draft customer invoices of one payer into a new invoice
        that takes over their lines; the sources are cancelled and keep the
        link to it."""
        pool = Pool()
        Line = pool.get('account.invoice.line')
        if len(invoices) < 2:
            raise InvoiceMergeError(gettext(
                    'telco_billing.msg_invoice_merge_two'))
        first = invoices[0]
        for invoice in invoices:
            if invoice.state != 'draft':
                raise InvoiceMergeError(gettext(
                        'telco_billing.msg_invoice_merge_draft',
                        invoice=invoice.rec_name))
            for name, message in [
                    ('company', 'msg_invoice_merge_company'),
                    ('party', 'msg_invoice_merge_party'),
                    ('currency', 'msg_invoice_merge_currency'),
                    ('type', 'msg_invoice_merge_type'),
                    ('account', 'msg_invoice_merge_account'),
                    ]:
                if getattr(invoice, name) != getattr(first, name):
                    raise InvoiceMergeError(gettext(
                            'telco_billing.' + message,
                            invoice=invoice.rec_name, first=first.rec_name))
        payer_accounts = [i for i in invoices if i.payer_account]
        for invoice in payer_accounts:
            if invoice.payer_account != payer_accounts[0].payer_account:
                raise InvoiceMergeError(gettext(
                        'telco_billing.msg_invoice_merge_payer_account',
                        invoice=invoice.rec_name,
                        first=payer_accounts[0].rec_name))
        merged, = cls.copy([first], default={
                'lines': None,
                'taxes': None,
                'description': ' + '.join(
                    filter(None, [i.description for i in invoices]))[:200]
                or None,
                'payer_account': (
                    payer_accounts[0].payer_account.id
                    if payer_accounts else None),
                })
        lines = [l for i in invoices for l in i.lines]
        for sequence, line in enumerate(lines, 1):
            line.invoice = merged
            line.sequence = sequence
        Line.save(lines)
        cls.write(list(invoices), {'merged_into': merged.id})
        cls.update_taxes(list(invoices) + [merged])
        cls.cancel(list(invoices))
        return merged


class InvoiceMergeStart(ModelView):
    "Merge Invoices"
    __name__ = 'account.invoice.merge.start'

    invoices = fields.Many2Many(
        'account.invoice', None, None, "Invoices", readonly=True)


class InvoiceMerge(Wizard):
    "Merge draft invoices of a payer into one"
    __name__ = 'account.invoice.merge'

    start = StateView('account.invoice.merge.start',
        'telco_billing.invoice_merge_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Merge", 'merge', 'tryton-ok', default=True),
            ])
    merge = StateTransition()
    open_ = StateAction('account_invoice.act_invoice_out_form')

    def default_start(self, fields):
        return {'invoices': [r.id for r in self.records]}

    def transition_merge(self):
        self.start.invoices = [self.model.merge(list(self.records))]
        return 'open_'

    def do_open_(self, action):
        return action, {'res_id': [i.id for i in self.start.invoices]}


class RefreshInvoiceReport(metaclass=PoolMeta):
    __name__ = 'account.invoice.refresh_invoice_report'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the operator's PDF is the invoice kept, not the standard report
        cls.print_.report_name = 'telco.invoice'


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.invoice)
        same_operator(cls.party)
        same_operator(cls.product, 'template.company')
        same_operator(cls.stock_moves)

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['telco.quote']
