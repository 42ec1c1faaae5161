# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    def _own_party_values(self):
        # the operator itself is not one of its customers
        values = super()._own_party_values()
        values.update({
                'customer_base': False,
                'customer_type': 'organization',
                })
        return values
