# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    claim_teams = fields.Many2Many(
        'telco.claim.team-res.user', 'user', 'team', "Claim Teams",
        domain=[('company', 'in', Eval('companies', []))],
        depends={'companies'})
