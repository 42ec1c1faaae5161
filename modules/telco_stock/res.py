# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the warehouses of the user's operators and the shared ones
        cls.warehouse.domain = [cls.warehouse.domain or [], ['OR',
                ('company', '=', None),
                ('company', 'in', Eval('companies', [])),
                ]]
        cls.warehouse.depends = (
            (cls.warehouse.depends or set()) | {'companies'})
