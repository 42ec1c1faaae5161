# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.modules.telco_base.input import MAX_DAYS
from trytond.pool import Pool, PoolMeta


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
            [('quote_validity_days', '>=', 1),
                ('quote_validity_days', '<=', MAX_DAYS)],
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
        ModelData = Pool().get('ir.model.data')
        return cls.next_number(
            company_id, 'quote_sequence',
            ModelData.get_id('telco_billing', 'sequence_type_quote'),
            "Quotes", 'D${year}-', 5)
