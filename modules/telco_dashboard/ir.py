# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('telco.dashboard.figure|refresh_cron',
                    "Compute the Key Figures"),
                ('telco.dashboard.figure|send_digest',
                    "E-mail the Weekly Digest of Key Figures"),
                ('telco.dashboard.recommendation|compute_cron',
                    "Compute the Recommendations"),
                ])
