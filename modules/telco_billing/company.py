# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.modules.telco_base.input import MAX_DAYS
from trytond.modules.telco_base.configuration import move_sequences
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id


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
        Configuration = pool.get('telco.configuration')
        ModelData = pool.get('ir.model.data')
        return Configuration.next_number(
            'quote_sequence', company_id,
            ModelData.get_id('telco_billing', 'sequence_type_quote'),
            "Quotes", 'D${year}-', 5)


class Configuration(metaclass=PoolMeta):
    __name__ = 'telco.configuration'

    quote_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Quote Sequence",
            domain=[
                ('company', '=', Eval('context', {}).get('company', -1)),
                ('sequence_type', '=',
                    Id('telco_billing', 'sequence_type_quote')),
                ],
            help="The numbers of the operator's quotes; a sequence of its "
            "own is created with the first quote."))


class ConfigurationSequence(metaclass=PoolMeta):
    __name__ = 'telco.configuration.sequence'

    quote_sequence = fields.Many2One(
        'ir.sequence', "Quote Sequence",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('sequence_type', '=',
                Id('telco_billing', 'sequence_type_quote')),
            ])

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # the sequences kept on the operator before the configuration
        move_sequences(cls, module, 'quote_sequence')
