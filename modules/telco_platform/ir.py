# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('telco.platform.bill|invoice_operators',
                    "Invoice the Operators"),
                ('telco.platform.bill|dun', "Remind and Suspend Unpaid "
                    "Operators"),
                ])
