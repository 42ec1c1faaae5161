# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.cache import Cache
from trytond.model import fields
from trytond.modules.telco_base.input import MAX_DAYS
from trytond.pool import Pool, PoolMeta
from trytond.tools import timezone as tz

from .calendar_ import add_business_hours


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

    _business_hours_cache = Cache(
        'company.company.business_hours', context=False)

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

    @classmethod
    def add_business_hours(cls, company_id, start, hours):
        "Return the moment hours business hours of the operator after start"
        pool = Pool()
        Period = pool.get('telco.claim.business_hour')
        Holiday = pool.get('telco.claim.holiday')
        key = company_id
        calendar = cls._business_hours_cache.get(key)
        if calendar is None:
            periods = {}
            for period in Period.search([('company', '=', company_id)]):
                periods.setdefault(int(period.weekday), []).append(
                    (period.start_time, period.end_time))
            holidays = [h.date for h in Holiday.search([
                        ('company', '=', company_id)])]
            timezone = cls(company_id).timezone
            calendar = (periods, holidays, timezone)
            cls._business_hours_cache.set(key, calendar)
        periods, holidays, timezone = calendar
        return add_business_hours(
            start, hours, periods, set(holidays),
            tz.get_tzinfo(timezone) if timezone else None)
