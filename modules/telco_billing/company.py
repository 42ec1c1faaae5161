# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    billing_day = fields.Integer(
        "Billing Day",
        domain=['OR',
            ('billing_day', '=', None),
            [('billing_day', '>=', 1), ('billing_day', '<=', 28)],
            ],
        help="The day of the month the recurring services are invoiced.\n"
        "Leave empty to run the bill run by hand only.")
    quote_validity_days = fields.Integer(
        "Quote Validity (days)",
        domain=['OR',
            ('quote_validity_days', '=', None),
            ('quote_validity_days', '>=', 1),
            ])
    quote_sequence = fields.Many2One(
        'ir.sequence', "Quote Sequence", readonly=True)

    @classmethod
    def default_billing_day(cls):
        return 1

    @classmethod
    def default_quote_validity_days(cls):
        return 30

    @classmethod
    def next_quote_number(cls, company_id):
        "Return the next quote number of the operator"
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        with Transaction().set_user(0), without_check_access():
            company = cls(company_id)
            if not company.quote_sequence:
                cls.lock([company])
                company = cls(company_id)
            if not company.quote_sequence:
                sequence = Sequence(
                    name=f'{company.rec_name}: Quotes',
                    sequence_type=ModelData.get_id(
                        'telco_billing', 'sequence_type_quote'),
                    company=company,
                    prefix='D${year}-',
                    padding=5)
                sequence.save()
                cls.write([company], {'quote_sequence': sequence.id})
                company = cls(company_id)
            with Transaction().set_context(company=company_id):
                return company.quote_sequence.get()
