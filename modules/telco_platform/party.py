# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # parties hold company multi-values and belong to an operator
        # (telco_base): account_payment's relation reads them in its own
        cls.payment_identical_parties.context['company'] = Eval(
            'company', -1)
        cls.payment_identical_parties.depends.add('company')
