# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import Pool, PoolMeta
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
