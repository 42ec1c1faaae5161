# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    company = fields.Many2One(
        'company.company', "Operator", ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The operator that owns the party.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.categories.domain = [
            ('company', '=', Eval('company', -1)),
            ]
        # targets holding company multi-values
        for field in [cls.contact_mechanisms, cls.replaced_by]:
            field.context['company'] = Eval('company', -1)
            field.depends.add('company')

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class Category(metaclass=PoolMeta):
    __name__ = 'party.category'

    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.parent.domain = [
            ('company', '=', Eval('company', -1)),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')
