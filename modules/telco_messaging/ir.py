# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('telco.messaging.message|send_queued',
                    "Send Queued Messages"),
                ('telco.messaging.bulk|check_done',
                    "Finish Bulk Sends"),
                ])
