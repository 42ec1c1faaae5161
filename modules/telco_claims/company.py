# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.modules.telco_base.input import MAX_DAYS
from trytond.pool import Pool, PoolMeta


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    claim_reopen_days = fields.Integer(
        "Claim Reopening Delay",
        domain=['OR',
            ('claim_reopen_days', '=', None),
            [('claim_reopen_days', '>=', 0),
                ('claim_reopen_days', '<=', MAX_DAYS)],
            ],
        help="Days after its resolution during which a claim can be "
        "reopened.")

    @classmethod
    def default_claim_reopen_days(cls):
        return 15

    @classmethod
    def next_claim_number(cls, company_id):
        "Return the next claim number of the operator"
        pool = Pool()
        Configuration = pool.get('telco.configuration')
        ModelData = pool.get('ir.model.data')
        return Configuration.next_number(
            'claim_sequence', company_id,
            ModelData.get_id('telco_claims', 'sequence_type_claim'),
            "Claims", 'R${year}-', 6)
