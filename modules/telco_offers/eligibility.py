# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Who an offer or a promotion is for: zones of governorates, consumption
bands, seasons, the customer's profile (type, categories, zone, lines,
consumption, age) and the eligibility rules offers and promotions share"""
import calendar
import datetime as dt
from decimal import Decimal

from sql import Column, Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.modules.telco_base.input import (
    MAX_AGE, MAX_AMOUNT, date_domain)
from trytond.modules.telco_line.line import LINE_KINDS
from trytond.modules.telco_base.model import (
    CodeNameMixin, OperatorMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import OfferValidationError

CUSTOMER_TYPES = [
    ('person', "Natural Person"),
    ('organization', "Legal Person"),
    ]
# the months of sales that make a customer's consumption
CONSUMPTION_MONTHS = 3
SOLD_STATES = ('confirmed', 'processing', 'done')
# the categories of a customer
CATEGORY_FIELDS = [
    'commercial_category_1', 'commercial_category_2', 'collection_category',
    'accounting_category', 'tax_category']


class Zone(
        CodeNameMixin, OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Commercial zone of an operator: a set of governorates"
    __name__ = 'telco.offer.zone'
    __string__ = "Zone"

    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)
    subdivisions = fields.Many2Many(
        'telco.offer.zone-country.subdivision', 'zone', 'subdivision',
        "Subdivisions",
        help="The customers whose address is in one of these subdivisions "
        "are in the zone.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'telco_offers.msg_zone_code_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))

    @classmethod
    def of_subdivisions(cls, company_id, subdivision_ids):
        "Return the ids of the operator's zones that hold the subdivisions"
        pool = Pool()
        Relation = pool.get('telco.offer.zone-country.subdivision')
        subdivision_ids = [i for i in subdivision_ids if i]
        if not subdivision_ids:
            return set()
        zone = cls.__table__()
        relation = Relation.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*relation.join(
                zone, condition=relation.zone == zone.id).select(
                relation.zone,
                where=(zone.company == company_id)
                & (zone.active == Literal(True))
                & relation.subdivision.in_(subdivision_ids)))
        return {z for z, in cursor}


class ZoneSubdivision(ModelSQL):
    "Zone - Subdivision"
    __name__ = 'telco.offer.zone-country.subdivision'
    __string__ = "Zone - Subdivision"

    zone = fields.Many2One(
        'telco.offer.zone', "Zone", required=True, ondelete='CASCADE')
    subdivision = fields.Many2One(
        'country.subdivision', "Subdivision", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('zone')


class ConsumptionBand(
        OperatorMixin, DeactivableMixin, sequence_ordered(), ModelSQL,
        ModelView):
    "Band of monthly consumption of the customers of an operator"
    __name__ = 'telco.offer.consumption_band'
    __string__ = "Consumption Band"

    name = fields.Char("Name", required=True, translate=True)
    minimum = fields.Numeric(
        "Minimum", digits=(16, 3), required=True,
        domain=[('minimum', '>=', 0), ('minimum', '<=', MAX_AMOUNT)],
        help="The lowest monthly consumption of the band (included).")
    maximum = fields.Numeric(
        "Maximum", digits=(16, 3),
        domain=[
            If(Eval('maximum', None) != None,  # noqa: E711
                ('maximum', '>', Eval('minimum', 0)),
                ()),
            ['OR', ('maximum', '=', None), ('maximum', '<=', MAX_AMOUNT)],
            ],
        help="The monthly consumption from which the band ends (excluded); "
        "leave empty for no upper limit.")

    @classmethod
    def default_minimum(cls):
        return Decimal(0)

    def contains(self, amount):
        return (amount is not None and self.minimum <= amount
            and (self.maximum is None or amount < self.maximum))

    @classmethod
    def of_amount(cls, company_id, amount):
        "Return the ids of the operator's bands that hold the amount"
        if amount is None:
            return set()
        bands = cls.search([
                ('company', '=', company_id),
                ('minimum', '<=', amount),
                ['OR',
                    ('maximum', '=', None),
                    ('maximum', '>', amount),
                    ],
                ])
        return {b.id for b in bands}


class Season(OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    """Period of the year: every year between two days (that may span the
    year end), or on the dated periods given (Ramadan moves each year)"""
    __name__ = 'telco.offer.season'
    __string__ = "Season"

    name = fields.Char("Name", required=True, translate=True)
    start_month = fields.Integer(
        "Start Month", domain=['OR',
            ('start_month', '=', None),
            [('start_month', '>=', 1), ('start_month', '<=', 12)],
            ],
        states={'required': ~Eval('periods')})
    start_day = fields.Integer(
        "Start Day", domain=['OR',
            ('start_day', '=', None),
            [('start_day', '>=', 1), ('start_day', '<=', 31)],
            ],
        states={'required': ~Eval('periods')})
    end_month = fields.Integer(
        "End Month", domain=['OR',
            ('end_month', '=', None),
            [('end_month', '>=', 1), ('end_month', '<=', 12)],
            ],
        states={'required': ~Eval('periods')})
    end_day = fields.Integer(
        "End Day", domain=['OR',
            ('end_day', '=', None),
            [('end_day', '>=', 1), ('end_day', '<=', 31)],
            ],
        states={'required': ~Eval('periods')})
    periods = fields.One2Many(
        'telco.offer.season.period', 'season', "Dated Periods",
        help="When set, the season runs only on these periods "
        "instead of every year between the days.")

    @classmethod
    def validate_fields(cls, seasons, field_names):
        super().validate_fields(seasons, field_names)
        for season in seasons:
            season.check_days()

    def check_days(self):
        days = [
            (self.start_month, self.start_day),
            (self.end_month, self.end_day)]
        if all(m is None and d is None for m, d in days) and self.periods:
            return
        for month, day in days:
            if month is None or day is None or not (1 <= month <= 12) or (
                    # 29 February exists in leap years
                    not 1 <= day <= calendar.monthrange(2024, month)[1]):
                raise OfferValidationError(gettext(
                        'telco_offers.msg_season_day_invalid',
                        season=self.rec_name,
                        month=month, day=day))

    def contains(self, date):
        "Whether the date is in the season"
        if self.periods:
            return any(
                p.start_date <= date <= p.end_date for p in self.periods)
        start = (self.start_month, self.start_day)
        end = (self.end_month, self.end_day)
        day = (date.month, date.day)
        if start <= end:
            return start <= day <= end
        # spans the year end
        return day >= start or day <= end


class SeasonPeriod(ModelSQL, ModelView):
    "Dated period of a season"
    __name__ = 'telco.offer.season.period'
    __string__ = "Season Period"

    season = fields.Many2One(
        'telco.offer.season', "Season", required=True, ondelete='CASCADE')
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[
            ('start_date', '<=', Eval('end_date', dt.date.max)),
            date_domain('start_date', required=True),
            ])
    end_date = fields.Date(
        "End Date", required=True,
        domain=[
            ('end_date', '>=', Eval('start_date', dt.date.min)),
            date_domain('end_date', required=True),
            ])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('season')
        cls._order.insert(0, ('start_date', 'ASC'))


class CustomerProfile:
    "What eligibility rules look at in a customer, read with set-based SQL"
    __slots__ = (
        'party', 'customer_type', 'categories', 'zones', 'line_kinds',
        'consumption', 'bands', 'age')

    def __init__(self, party, company_id, date=None):
        pool = Pool()
        Date = pool.get('ir.date')
        Band = pool.get('telco.offer.consumption_band')
        Zone = pool.get('telco.offer.zone')
        Line = pool.get('telco.line')
        if date is None:
            with Transaction().set_context(company=company_id):
                date = Date.today()
        self.party = party
        self.customer_type = party.customer_type
        self.categories = {
            getattr(party, name).id for name in CATEGORY_FIELDS
            if getattr(party, name)}
        self.zones = Zone.of_subdivisions(
            company_id,
            [a.subdivision.id for a in party.addresses if a.subdivision])
        lines = Line.search([
                ('customer', '=', party.id),
                ('company', '=', company_id),
                ('state', '=', 'active'),
                ])
        self.line_kinds = {line.kind for line in lines}
        self.consumption = consumptions(company_id, [party.id], date).get(
            party.id, Decimal(0))
        self.bands = Band.of_amount(company_id, self.consumption)
        self.age = party.age if party.customer_type == 'person' else None


def consumptions(company_id, party_ids, date):
    """Return the average monthly amount that each party bought from the
    operator over the months before the date"""
    pool = Pool()
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    sale = Sale.__table__()
    line = Line.__table__()
    cursor = Transaction().connection.cursor()
    start = date - dt.timedelta(days=30 * CONSUMPTION_MONTHS)
    result = {}
    for sub_ids in grouped_slice(party_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*line.join(
                sale, condition=line.sale == sale.id).select(
                sale.party,
                Sum(Coalesce(line.quantity, 0) * Coalesce(line.unit_price, 0)),
                where=(sale.company == company_id)
                & sale.party.in_(list(sub_ids))
                & sale.state.in_(SOLD_STATES)
                & (line.type == 'line')
                & (sale.sale_date >= start) & (sale.sale_date < date),
                group_by=[sale.party]))
        for party_id, amount in cursor:
            result[party_id] = (
                Decimal(str(amount)) / CONSUMPTION_MONTHS).quantize(
                Decimal('0.001'))
    return result


class EligibilityMixin:
    """Rules on the customer: empty rules let every customer in.
    Classes define the Many2Many fields customer_categories, zones and
    consumption_bands."""
    __slots__ = ()

    customer_types = fields.MultiSelection(
        CUSTOMER_TYPES, "Customer Types",
        help="Leave empty for every type of customer.")
    line_kinds = fields.MultiSelection(
        LINE_KINDS, "Line Kinds",
        help="The customer must have an active line of one of these kinds; "
        "leave empty for any customer.")
    age_min = fields.Integer(
        "Minimum Age", domain=['OR',
            ('age_min', '=', None),
            [('age_min', '>=', 0), ('age_min', '<=', MAX_AGE)]])
    age_max = fields.Integer(
        "Maximum Age", domain=['OR',
            ('age_max', '=', None),
            [If(Eval('age_min', None) != None,  # noqa: E711
                    ('age_max', '>=', Eval('age_min', 0)),
                    ('age_max', '>=', 0)),
                ('age_max', '<=', MAX_AGE)],
            ])

    def ineligibility(self, profile):
        """Return the message of the first rule that the customer does not
        meet, or None when the customer is eligible"""
        def msg(rule):
            return gettext(
                'telco_offers.msg_rule_' + rule,
                customer=profile.party.rec_name, rule=self.rec_name)
        if self.customer_types and (
                profile.customer_type not in self.customer_types):
            return msg('customer_type')
        categories = getattr(self, 'customer_categories', None)
        if categories and not profile.categories & {
                c.id for c in categories}:
            return msg('category')
        zones = getattr(self, 'zones', None)
        if zones and not profile.zones & {z.id for z in zones}:
            return msg('zone')
        if self.line_kinds and not profile.line_kinds & set(self.line_kinds):
            return msg('line_kind')
        bands = getattr(self, 'consumption_bands', None)
        if bands and not profile.bands & {b.id for b in bands}:
            return msg('consumption')
        if self.age_min is not None or self.age_max is not None:
            if profile.age is None:
                return msg('age')
            if self.age_min is not None and profile.age < self.age_min:
                return msg('age')
            if self.age_max is not None and profile.age > self.age_max:
                return msg('age')
        return None

    def is_eligible(self, profile):
        return self.ineligibility(profile) is None

    def eligible_parties(self, company_id, party_ids, date=None):
        """Return the ids among party_ids of the customers the rules let in,
        as is_eligible would with their profile, with a query per slice of
        customers instead of a profile per customer"""
        pool = Pool()
        Date = pool.get('ir.date')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Line = pool.get('telco.line')
        ZoneSubdivision = pool.get('telco.offer.zone-country.subdivision')
        if date is None:
            with Transaction().set_context(company=company_id):
                date = Date.today()
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        rules = Literal(True)
        if self.customer_types:
            rules &= party.customer_type.in_(list(self.customer_types))
        categories = [c.id for c in getattr(self, 'customer_categories', [])]
        if categories:
            in_category = Literal(False)
            for name in CATEGORY_FIELDS:
                in_category |= Column(party, name).in_(categories)
            rules &= in_category
        zones = [z.id for z in getattr(self, 'zones', []) if z.active]
        if getattr(self, 'zones', None):
            if not zones:
                return set()
            address = Address.__table__()
            relation = ZoneSubdivision.__table__()
            rules &= party.id.in_(address.join(
                    relation,
                    condition=address.subdivision == relation.subdivision
                    ).select(address.party,
                    where=relation.zone.in_(zones)
                    & (address.active == Literal(True))))
        if self.line_kinds:
            line = Line.__table__()
            rules &= party.id.in_(line.select(line.customer,
                    where=(line.company == company_id)
                    & (line.state == 'active')
                    & line.kind.in_(list(self.line_kinds))))
        if self.age_min is not None or self.age_max is not None:
            # the age of party.age: on today's date
            today = Date.today()
            rules &= (party.customer_type == 'person') & (
                party.birth_date != Null)
            if self.age_min is not None:
                rules &= party.birth_date <= years_before(
                    today, self.age_min)
            if self.age_max is not None:
                rules &= party.birth_date > years_before(
                    today, self.age_max + 1)
        bands = [b for b in getattr(self, 'consumption_bands', []) if b.active]
        if getattr(self, 'consumption_bands', None) and not bands:
            return set()
        result = set()
        for sub_ids in grouped_slice(party_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*party.select(party.id,
                    where=party.id.in_(list(sub_ids)) & rules))
            ids = [i for i, in cursor]
            if bands:
                amounts = consumptions(company_id, ids, date)
                ids = [i for i in ids
                    if any(b.contains(amounts.get(i, Decimal(0)))
                        for b in bands)]
            result.update(ids)
        return result


def years_before(date, years):
    "The date the given number of years before, 29 February on the 28th"
    try:
        return date.replace(year=date.year - years)
    except ValueError:
        return date.replace(year=date.year - years, day=28)


def eligibility_relations(prefix):
    "The Many2Many fields of the rules of owner_model"
    categories = fields.Many2Many(
        f'{prefix}-telco.customer.category', 'owner', 'category',
        "Customer Categories",
        domain=[('company', '=', Eval('company', -1))],
        help="The customer must be in one of these categories; "
        "leave empty for any category.")
    zones = fields.Many2Many(
        f'{prefix}-telco.offer.zone', 'owner', 'zone', "Zones",
        domain=[('company', '=', Eval('company', -1))],
        help="The customer's address must be in one of these zones; "
        "leave empty for any zone.")
    bands = fields.Many2Many(
        f'{prefix}-telco.offer.consumption_band', 'owner', 'band',
        "Consumption Bands",
        domain=[('company', '=', Eval('company', -1))],
        help="The customer's monthly consumption must be in one of these "
        "bands; leave empty for any consumption.")
    return categories, zones, bands
