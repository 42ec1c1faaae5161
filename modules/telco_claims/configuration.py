# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.modules.telco_base.input import MAX_DAYS
from trytond.modules.telco_base.configuration import move_sequences
from trytond.modules.telco_base.model import OperatorMixin
from trytond.pool import PoolMeta
from trytond.pyson import Eval, Id

from trytond.model.exceptions import DomainValidationError

BRANCHES = [
    ('technical', "Technical"),
    ('financial', "Financial"),
    ('relational', "Relational"),
    ]
PRIORITIES = [
    ('low', "Low"),
    ('normal', "Normal"),
    ('high', "High"),
    ('urgent', "Urgent"),
    ]


class ClaimType(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Claim sub-type of a branch, per operator"
    __name__ = 'telco.claim.type'
    __string__ = "Claim Type"

    branch = fields.Selection(BRANCHES, "Branch", required=True, sort=False)
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.company, t.code),
                'telco_claims.msg_claim_type_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))
        cls._order.insert(0, ('branch', 'ASC'))


class Team(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Team that handles claims"
    __name__ = 'telco.claim.team'
    __string__ = "Claim Team"

    name = fields.Char("Name", required=True)
    supervisor = fields.Many2One(
        'res.user', "Supervisor",
        domain=[('companies', '=', Eval('company', -1))],
        help="Told when a claim of the team is about to breach its service "
        "level and when it breaches.")
    members = fields.Many2Many(
        'telco.claim.team-res.user', 'team', 'user', "Members",
        domain=[('companies', '=', Eval('company', -1))])


class TeamMember(ModelSQL):
    "Claim team member"
    __name__ = 'telco.claim.team-res.user'
    __string__ = "Claim Team Member"

    team = fields.Many2One(
        'telco.claim.team', "Team", required=True, ondelete='CASCADE',
        domain=[('company', 'in', Eval('_parent_user.companies', []))],
        depends={'user'})
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    company = fields.Function(
        fields.Many2One('company.company', "Operator"),
        'get_company', searcher='search_company')

    def get_company(self, name):
        return self.team.company.id

    @classmethod
    def validate_fields(cls, members, field_names):
        super().validate_fields(members, field_names)
        for member in members:
            if member.team.company not in member.user.companies:
                raise DomainValidationError(gettext(
                        'telco_claims.msg_team_member_company',
                        user=member.user.rec_name,
                        team=member.team.rec_name))

    @classmethod
    def search_company(cls, name, clause):
        return [('team.' + clause[0],) + tuple(clause[1:])]


class ServiceLevel(OperatorMixin, ModelSQL, ModelView):
    "Service level of claims by branch and priority"
    __name__ = 'telco.claim.service_level'
    __string__ = "Claim Service Level"

    branch = fields.Selection(BRANCHES, "Branch", required=True, sort=False)
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, sort=False)
    resolution_hours = fields.Float(
        "Resolution Time", required=True,
        domain=[
            ('resolution_hours', '>', 0),
            ('resolution_hours', '<=', MAX_DAYS * 24),
            ],
        help="Business hours from the opening of the claim to its due date.")
    warning_hours = fields.Float(
        "Warning Before", required=True,
        domain=[
            ('warning_hours', '>=', 0),
            ('warning_hours', '<=', Eval('resolution_hours', 0)),
            ],
        help="Business hours before the due date when the supervisor is "
        "warned that the claim is about to breach.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('branch_priority_unique',
                Unique(t, t.company, t.branch, t.priority),
                'telco_claims.msg_service_level_unique'),
            ]
        cls._order.insert(0, ('priority', 'ASC'))
        cls._order.insert(0, ('branch', 'ASC'))

    @classmethod
    def default_warning_hours(cls):
        return 0

    @classmethod
    def find(cls, company, branch, priority):
        levels = cls.search([
                ('company', '=', company),
                ('branch', '=', branch),
                ('priority', '=', priority),
                ], limit=1)
        if levels:
            return levels[0]


class Configuration(metaclass=PoolMeta):
    __name__ = 'telco.configuration'

    claim_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Claim Sequence",
            domain=[
                ('company', '=', Eval('context', {}).get('company', -1)),
                ('sequence_type', '=',
                    Id('telco_claims', 'sequence_type_claim')),
                ],
            help="The numbers of the operator's claims; a sequence of its "
            "own is created with the first claim."))


class ConfigurationSequence(metaclass=PoolMeta):
    __name__ = 'telco.configuration.sequence'

    claim_sequence = fields.Many2One(
        'ir.sequence', "Claim Sequence",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('sequence_type', '=',
                Id('telco_claims', 'sequence_type_claim')),
            ])

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # the sequences kept on the operator before the configuration
        move_sequences(cls, module, 'claim_sequence')
