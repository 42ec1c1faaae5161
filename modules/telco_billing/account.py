# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import PoolMeta


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the customers are the operator's
        same_operator(cls.party)


class Account(metaclass=PoolMeta):
    __name__ = 'account.account'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for field in [cls.type, cls.debit_type, cls.credit_type]:
            same_operator(field)


class FiscalYearInvoiceSequence(metaclass=PoolMeta):
    __name__ = 'account.fiscalyear.invoice_sequence'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.period)


class JournalPeriod(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'account.journal.period'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.period)


class PartyAccount(metaclass=PoolMeta):
    __name__ = 'party.party.account'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party, values=True)


class PartySaleMethod(metaclass=PoolMeta):
    __name__ = 'party.party.sale_method'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party, values=True)
