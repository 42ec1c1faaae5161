# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    quotes = fields.One2Many(
        'telco.quote', 'customer', "Quotes", readonly=True)
    invoice_requests = fields.One2Many(
        'telco.invoice.request', 'customer', "Invoice Requests",
        readonly=True)


class PayerAccount(metaclass=PoolMeta):
    __name__ = 'telco.payer_account'

    subscriptions = fields.One2Many(
        'sale.subscription', 'payer_account', "Subscriptions",
        readonly=True)
    invoices = fields.One2Many(
        'account.invoice', 'payer_account', "Invoices", readonly=True)


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['telco.quote']
