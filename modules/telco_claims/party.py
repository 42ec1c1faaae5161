# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    claims = fields.One2Many(
        'telco.claim', 'party', "Claims", readonly=True)
