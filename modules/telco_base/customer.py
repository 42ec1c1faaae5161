# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.transaction import Transaction

CATEGORY_KINDS = [
    ('commercial_1', "Commercial (1)"),
    ('commercial_2', "Commercial (2)"),
    ('collection', "Collection"),
    ('accounting', "Accounting"),
    ('tax', "Tax"),
    ]


class CustomerCategory(DeactivableMixin, ModelSQL, ModelView):
    "Customer category of an operator"
    __name__ = 'telco.customer.category'
    __string__ = "Customer Category"

    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE')
    kind = fields.Selection(CATEGORY_KINDS, "Kind", required=True, sort=False)
    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('kind', 'ASC'), ('code', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.kind, t.code),
                'telco_base.msg_customer_category_code_unique'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return f'[{self.code}] {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('code', operator, value),
            ('name', operator, value),
            ]
