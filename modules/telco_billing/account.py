# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.telco_base.model import same_operator
from trytond.pool import PoolMeta


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the customers are the operator's
        same_operator(cls.party)
