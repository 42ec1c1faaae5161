# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.modules.telco_base.model import same_operator
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    # a reference, not a Many2One: a party's Many2One to an operator is a
    # company of the party for the rules of Tryton's company module
    platform_operator = fields.Reference(
        "Operator Invoiced", selection=[
            (None, ""),
            ('company.company', "Operator"),
            ], readonly=True,
        help="The operator this party of the platform's company stands "
        "for: its platform invoices and card payments are made out to it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # parties hold company multi-values and belong to an operator
        # (telco_base): account_payment's relation reads them in its own
        cls.payment_identical_parties.context['company'] = Eval(
            'company', -1)
        cls.payment_identical_parties.depends.add('company')

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('platform_operator', None)
        return super().copy(parties, default=default)


class PartyPaymentDirectDebit(metaclass=PoolMeta):
    __name__ = 'party.party.payment_direct_debit'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party, values=True)


class PartyReceptionDirectDebit(metaclass=PoolMeta):
    __name__ = 'party.party.reception_direct_debit'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # its operator is its journal's, which is its party's
        same_operator(cls.party)
        same_operator(cls.journal, company='_parent_party.company')
