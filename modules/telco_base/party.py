# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, check_access, inactive_records

from .model import OperatorMixin


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


class Category(OperatorMixin, metaclass=PoolMeta):
    __name__ = 'party.category'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.parent.domain = [
            ('company', '=', Eval('company', -1)),
            ]


def _check_parties(parties):
    """Refuse parties the user may not read, or of different operators.
    Wizards run without access checks and trust their form: the parties
    chosen there must be checked as the user."""
    pool = Pool()
    Party = pool.get('party.party')
    parties = [p for p in parties if p]
    with check_access(), inactive_records():
        Party.read([p.id for p in parties], ['id'])
    if len({p.company for p in parties}) > 1:
        raise AccessError(gettext('telco_base.msg_party_other_operator'))


class PartyReplace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    def transition_replace(self):
        _check_parties([self.ask.source, self.ask.destination])
        return super().transition_replace()


class PartyErase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def transition_erase(self):
        _check_parties([self.ask.party])
        return super().transition_erase()
