# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import Index, fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

# Set while the standard per-subscription invoicing runs: the subscriptions
# of payer accounts are billed by the bill run, grouped per payer account.
_STANDARD_ONLY = '_telco_standard_subscriptions_only'


class Subscription(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.subscription'

    payer_account = fields.Many2One(
        'telco.payer_account', "Payer Account", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('customer', '=', Eval('party', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The account that receives the bills of the subscription; "
        "its subscriptions are invoiced together by the bill run.")
    telco_quote = fields.Many2One(
        'telco.quote', "Quote", readonly=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party)
        same_operator(cls.invoice_party)
        same_operator(cls.contact, 'party.company')
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.payer_account, Index.Range()),
                where=t.payer_account != None))  # noqa: E711

    @fields.depends('payer_account', '_parent_payer_account.payer',
        '_parent_payer_account.invoice_address')
    def on_change_payer_account(self):
        if self.payer_account:
            self.invoice_party = self.payer_account.payer
            if self.payer_account.invoice_address:
                self.invoice_address = self.payer_account.invoice_address

    @classmethod
    def search(cls, domain, *args, **kwargs):
        if Transaction().context.get(_STANDARD_ONLY):
            domain = [domain, ('payer_account', '=', None)]
        return super().search(domain, *args, **kwargs)

    @classmethod
    def generate_invoice(cls, date=None):
        with Transaction().set_context({_STANDARD_ONLY: True}):
            super().generate_invoice(date=date)


class Line(metaclass=PoolMeta):
    __name__ = 'sale.subscription.line'

    telco_line = fields.Many2One(
        'telco.line', "Line", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The line of the network the service is for.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.service, 'product.template.company')

    @classmethod
    def search(cls, domain, *args, **kwargs):
        if Transaction().context.get(_STANDARD_ONLY):
            domain = [domain, ('subscription.payer_account', '=', None)]
        return super().search(domain, *args, **kwargs)

    @classmethod
    def generate_consumption(cls, date=None):
        with Transaction().set_context({_STANDARD_ONLY: True}):
            super().generate_consumption(date=date)


class LineConsumption(metaclass=PoolMeta):
    __name__ = 'sale.subscription.line.consumption'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.line, Index.Range()), (t.date, Index.Range()),
                where=t.invoice_line == None))  # noqa: E711

    @classmethod
    def search(cls, domain, *args, **kwargs):
        if Transaction().context.get(_STANDARD_ONLY):
            domain = [
                domain, ('line.subscription.payer_account', '=', None)]
        return super().search(domain, *args, **kwargs)


class Service(metaclass=PoolMeta):
    __name__ = 'sale.subscription.service'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('product')
