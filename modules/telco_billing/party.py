# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond import backend
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    quotes = fields.One2Many(
        'telco.quote', 'customer', "Quotes", readonly=True)
    invoice_requests = fields.One2Many(
        'telco.invoice.request', 'customer', "Invoice Requests",
        readonly=True)
    overdue = fields.Function(Monetary(
            "Overdue", currency='currency', digits='currency',
            help="The receivable whose due date is past."),
        'get_overdue')
    invoices = fields.One2Many(
        'account.invoice', 'party', "Invoices", readonly=True,
        filter=[('type', '=', 'out')], order=[
            ('invoice_date', 'DESC NULLS FIRST'), ('id', 'DESC')])
    # it depends on the invoices: the form shows it only to the users who
    # may read them, so not at an operator without quotes and invoices
    balance_due = fields.Function(Monetary(
            "Balance Due", currency='currency', digits='currency',
            help="What remains to pay on the customer's posted invoices.",
            depends=['invoices']),
        'get_balance_due')

    @classmethod
    def get_balance_due(cls, parties, name):
        pool = Pool()
        Currency = pool.get('currency.currency')
        Invoice = pool.get('account.invoice')
        amounts = {p.id: Decimal(0) for p in parties}
        currencies = {p.id: p.currency for p in parties}
        for sub in grouped_slice(
                parties, backend.MAX_QUERY_PARAMS):
            for invoice in Invoice.search([
                        ('party', 'in', [p.id for p in sub]),
                        ('type', '=', 'out'),
                        ('state', '=', 'posted'),
                        ]):
                party = invoice.party.id
                amount = invoice.amount_to_pay
                currency = currencies[party]
                if currency and currency != invoice.currency:
                    with Transaction().set_context(
                            date=invoice.currency_date):
                        amount = Currency.compute(
                            invoice.currency, amount, currency)
                amounts[party] += amount
        return amounts

    @classmethod
    def get_overdue(cls, parties, name):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Transaction().context.get('date') or Date.today()
        # receivable_today counts what is due on the date itself
        with Transaction().set_context(date=today - dt.timedelta(days=1)):
            amounts = cls.get_receivable_payable(
                parties, ['receivable_today'])['receivable_today']
        return {p.id: amounts[p.id] for p in parties}


class PayerAccount(metaclass=PoolMeta):
    __name__ = 'telco.payer_account'

    subscriptions = fields.One2Many(
        'sale.subscription', 'payer_account', "Subscriptions",
        readonly=True)
    invoices = fields.One2Many(
        'account.invoice', 'payer_account', "Invoices", readonly=True)


class Sale(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for field in [cls.party, cls.invoice_party, cls.shipment_party]:
            same_operator(field)
        same_operator(cls.contact, 'party.company')
        same_operator(cls.invoices_ignored)

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['telco.quote']

    def _get_invoice(self):
        pool = Pool()
        Quote = pool.get('telco.quote')
        invoice = super()._get_invoice()
        if isinstance(self.origin, Quote) and self.origin.payer_account:
            invoice.payer_account = self.origin.payer_account
        return invoice


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.product, 'template.company')
        same_operator(cls.moves_ignored)
