# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import logging

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)


class Claim(metaclass=PoolMeta):
    __name__ = 'telco.claim'

    credit_line = fields.Many2One(
        'account.invoice.line', "Credit Line", readonly=True,
        ondelete='SET NULL',
        domain=[('company', '=', Eval('company', -1))],
        states={'invisible': Eval('branch') != 'financial'},
        help="The line of the bill or credit note that credits the "
        "customer.")
    credit_invoice = fields.Function(fields.Many2One(
            'account.invoice', "Credited on",
            states={'invisible': ~Eval('credit_invoice')}),
        'get_credit_invoice')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._button_fields = dict(cls._button_fields, credit_line=None)

    def get_credit_invoice(self, name):
        if self.credit_line and self.credit_line.invoice:
            return self.credit_line.invoice.id

    @property
    def credit_payer_account(self):
        """The payer account that receives the credit: the line's, else the
        customer's first one"""
        if self.line and self.line.payer_account:
            return self.line.payer_account
        if self.party:
            accounts = sorted(
                (a for a in self.party.payer_accounts if a.active),
                key=lambda a: a.id)
            if accounts:
                return accounts[0]

    @classmethod
    def search_to_credit(cls, company_id, date):
        "The claims of the operator resolved by the date, not credited yet"
        end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time())
        return cls.search([
                ('company', '=', company_id),
                ('state', '=', 'resolved'),
                ('credit_state', '=', 'to_credit'),
                ('resolved_at', '<', end),
                ], order=[('resolved_at', 'ASC'), ('id', 'ASC')])

    def get_credit_invoice_line(self, invoice, account):
        "Return the invoice line that credits the claim's amount"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        with Transaction().set_context(
                language=invoice.party.lang.code
                if invoice.party.lang else None):
            description = gettext(
                'telco_billing.msg_claim_credit_description',
                claim=self.number, subject=self.subject)
        return InvoiceLine(
            invoice=invoice, company=invoice.company,
            currency=invoice.currency, type='line', quantity=1,
            unit_price=-self.credit_amount, description=description,
            account=account, origin=self)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['telco.claim']

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        pool = Pool()
        Claim = pool.get('telco.claim')
        super().on_modification(mode, lines, field_names=field_names)
        if mode == 'delete':
            # the credit goes to the next bill
            claims = Claim.search([
                    ('credit_line', 'in', [l.id for l in lines]),
                    ])
            if claims:
                Claim.write(claims, {
                        'credit_state': 'to_credit',
                        'credit_line': None,
                        })


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    claim_credit_account = fields.Many2One(
        'account.account', "Claim Credit Account",
        domain=[
            ('company', '=', Eval('id', -1)),
            ('type.revenue', '=', True),
            ('closed', '!=', True),
            ],
        help="The revenue account debited by the credits of financial "
        "claims.\nLeave empty to use the default revenue account of the "
        "accounting configuration.")

    def get_claim_credit_account(self):
        pool = Pool()
        Configuration = pool.get('account.configuration')
        if self.claim_credit_account:
            return self.claim_credit_account
        return Configuration(1).get_multivalue(
            'default_category_account_revenue', company=self.id)


class BillRun(metaclass=PoolMeta):
    __name__ = 'telco.bill_run'

    @classmethod
    def _other_due_payer_accounts(cls, company_id, date):
        pool = Pool()
        Claim = pool.get('telco.claim')
        accounts = super()._other_due_payer_accounts(company_id, date)
        for claim in Claim.search_to_credit(company_id, date):
            account = claim.credit_payer_account
            if account:
                accounts.append(account.id)
        return accounts

    @classmethod
    def _bill_others(cls, run, account_ids, invoice_ids):
        """Credit the financial claims resolved by the date on the bill of
        their payer account, or on a credit note when the account has no
        bill in the run"""
        pool = Pool()
        Claim = pool.get('telco.claim')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        invoice_ids = super()._bill_others(run, account_ids, invoice_ids)
        wanted = set(account_ids)
        by_account = {}
        for claim in Claim.search_to_credit(run.company.id, run.date):
            account = claim.credit_payer_account
            if account and account.id in wanted:
                by_account.setdefault(account, []).append(claim)
        if not by_account:
            return invoice_ids
        credit_account = run.company.get_claim_credit_account()
        if not credit_account:
            logger.warning(
                "bill run %s: no account to credit %s claims on",
                run.id, sum(len(c) for c in by_account.values()))
            return invoice_ids
        bills = {i.payer_account: i for i in Invoice.browse(invoice_ids)
            if i.state == 'draft' and i.currency == run.company.currency}
        new_invoices = []
        for account in by_account:
            if account not in bills:
                bills[account] = invoice = cls._credit_note(run, account)
                new_invoices.append(invoice)
        Invoice.save(new_invoices)
        lines, credited = [], []
        for account, claims in by_account.items():
            for claim in claims:
                lines.append(claim.get_credit_invoice_line(
                        bills[account], credit_account))
                credited.append(claim)
        InvoiceLine.save(lines)
        for claim, line in zip(credited, lines):
            claim.credit_state = 'credited'
            claim.credit_line = line
        Claim.save(credited)
        return invoice_ids + [i.id for i in new_invoices]

    @classmethod
    def _credit_note(cls, run, account):
        "A draft credit note of the run for the payer account"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Journal = pool.get('account.journal')
        with Transaction().set_context(company=run.company.id):
            journal = Journal.find({'type': 'revenue'})
        invoice = Invoice(
            company=run.company, type='out', party=account.payer,
            currency=run.company.currency, journal=journal,
            invoice_date=run.date, payer_account=account, bill_run=run,
            description=gettext(
                'telco_billing.msg_bill_run_description', date=run.date))
        invoice.on_change_party()
        if account.invoice_address:
            invoice.invoice_address = account.invoice_address
        return invoice
