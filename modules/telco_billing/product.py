# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.telco_base.model import same_operator
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.account_category)
        # the accounts of a category are company multi-values
        for field in [cls.account_category, cls.categories_all]:
            field.context = {
                **(field.context or {}),
                'company': Eval('company', -1),
                }
            field.depends = (field.depends or set()) | {'company'}
