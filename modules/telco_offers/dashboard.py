# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null, Union
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.telco_billing.dashboard import revenue_lines
from trytond.modules.telco_dashboard.breakdown import Division
from trytond.modules.telco_dashboard.figure import customers_at
from trytond.modules.telco_dashboard.kpi import KPI, fetch_one, rate
from trytond.modules.telco_dashboard.recommendation import (
    Advice, percent)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .eligibility import CONSUMPTION_MONTHS, SOLD_STATES as CONSUMED_STATES

# the discount of a promotion drafted from a recommendation, in %
DRAFT_DISCOUNT = 10
# the states of the sales that count as sold
SOLD_STATES = ['confirmed', 'processing', 'done']


class Figure(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def kpis(cls):
        return super().kpis() + [
            KPI('promotion_uptake', 'telco_offers.msg_kpi_promotion_uptake',
                'telco_offers.msg_kpi_promotion_uptake_help',
                cls._kpi_promotion_uptake, cls._records_promoted_sales,
                feature='offers', sequence=60),
            KPI('promotion_cost', 'telco_offers.msg_kpi_promotion_cost',
                'telco_offers.msg_kpi_promotion_cost_help',
                cls._kpi_promotion_cost, cls._records_promoted_sales,
                feature='offers', unit='amount', better=None, sequence=61),
            KPI('pack_revenue', 'telco_offers.msg_kpi_pack_revenue',
                'telco_offers.msg_kpi_pack_revenue_help',
                cls._kpi_pack_revenue, cls._records_pack_revenue,
                feature='offers', unit='amount', sequence=62),
            ]

    @classmethod
    def _promotion_applications(cls):
        '''The models of the promotions applied on sold lines: application,
        line, sale, the sale's date field and its sold states'''
        return [(
                'sale.line.promotion', 'sale.line', 'sale.sale',
                'sale_date', SOLD_STATES)]

    @classmethod
    def _promotions(cls, company_id, start, end):
        "The lines sold with a promotion in the dates and their discount"
        pool = Pool()
        cursor = Transaction().connection.cursor()
        lines, discount = 0, Decimal(0)
        for (application, line, sale, date, states
                ) in cls._promotion_applications():
            application, line, sale = (
                pool.get(n).__table__() for n in [application, line, sale])
            cursor.execute(*application
                .join(line, condition=application.line == line.id)
                .join(sale, condition=line.sale == sale.id)
                .select(
                    Count(application.line, distinct=True),
                    Sum(application.discount),
                    where=(sale.company == company_id)
                    & sale.state.in_(states)
                    & (getattr(sale, date) >= start)
                    & (getattr(sale, date) <= end)))
            promoted, amount = cursor.fetchone()
            lines += promoted or 0
            discount += Decimal(str(amount or 0))
        return Decimal(lines), discount.quantize(Decimal('0.001'))

    @classmethod
    def _kpi_promotion_uptake(cls, company_id, start, end):
        return cls._promotions(company_id, start, end)[0]

    @classmethod
    def _kpi_promotion_cost(cls, company_id, start, end):
        return cls._promotions(company_id, start, end)[1]

    @classmethod
    def _records_promoted_sales(cls, company_id, start, end):
        return 'sale.sale', [
            ('company', '=', company_id),
            ('state', 'in', SOLD_STATES),
            ('sale_date', '>=', start),
            ('sale_date', '<=', end),
            ('lines.promotion_applications', '!=', None),
            ], 'sale.act_sale_form'

    @classmethod
    def _kpi_pack_revenue(cls, company_id, start, end):
        revenue = Pool().get('telco.pack.revenue').__table__()
        amount = fetch_one(revenue.select(Sum(revenue.amount),
                where=(revenue.company == company_id)
                & (revenue.date >= start) & (revenue.date <= end)))
        return Decimal(str(amount or 0)).quantize(Decimal('0.001'))

    @classmethod
    def _records_pack_revenue(cls, company_id, start, end):
        return 'telco.pack.revenue', [
            ('company', '=', company_id),
            ('date', '>=', start),
            ('date', '<=', end),
            ], 'telco_offers.act_pack_revenue'


class Breakdown(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('pack_revenue_pack',
                'telco_offers.msg_division_pack_revenue',
                'telco_offers.msg_division_pack_revenue_help',
                cls._division_pack_revenue, cls._records_pack_revenue,
                'telco.pack', feature='offers', unit='amount', sequence=60),
            Division('promotion_cost_promotion',
                'telco_offers.msg_division_promotion_cost',
                'telco_offers.msg_division_promotion_cost_help',
                cls._division_promotion_cost, cls._records_promotion,
                'sale.promotion', feature='offers', unit='amount',
                sequence=61),
            Division('customers_band',
                'telco_offers.msg_division_customers_band',
                'telco_offers.msg_division_customers_band_help',
                cls._division_customers_band, cls._records_customers_band,
                'telco.offer.consumption_band', feature='offers',
                stock=True, sequence=62),
            ]

    @classmethod
    def _division_pack_revenue(cls, company_id, start, end):
        revenue = Pool().get('telco.pack.revenue').__table__()
        return revenue.select(revenue.pack, Sum(revenue.amount),
            where=(revenue.company == company_id)
            & (revenue.date >= start) & (revenue.date <= end),
            group_by=[revenue.pack])

    @classmethod
    def _records_pack_revenue(cls, company_id, start, end, pack):
        model, domain, action = Pool().get(
            'telco.dashboard.figure')._records_pack_revenue(
            company_id, start, end)
        return model, domain + [('pack', '=', pack)], action

    @classmethod
    def _division_promotion_cost(cls, company_id, start, end):
        pool = Pool()
        Figure = pool.get('telco.dashboard.figure')
        queries = []
        for (application, line, sale, date, states
                ) in Figure._promotion_applications():
            application, line, sale = (
                pool.get(n).__table__() for n in [application, line, sale])
            queries.append(application
                .join(line, condition=application.line == line.id)
                .join(sale, condition=line.sale == sale.id)
                .select(
                    application.promotion.as_('promotion'),
                    application.discount.as_('discount'),
                    where=(sale.company == company_id)
                    & sale.state.in_(states)
                    & (getattr(sale, date) >= start)
                    & (getattr(sale, date) <= end)))
        applications = Union(*queries, all_=True)
        return applications.select(
            applications.promotion, Sum(applications.discount),
            group_by=[applications.promotion])

    @classmethod
    def _records_promotion(cls, company_id, start, end, promotion):
        model, domain, action = Pool().get(
            'telco.dashboard.figure')._records_promoted_sales(
            company_id, start, end)
        return model, domain + [
            ('lines.promotion_applications.promotion', '=', promotion),
            ], action


    @classmethod
    def _customers_in_band(cls, company_id, end):
        """The query of (band, customer) of the customers at the end of the
        date by the band of their consumption, as the offers' eligibility
        reckons it: what they bought in the months before, a month on
        average"""
        pool = Pool()
        party = pool.get('party.party').__table__()
        sale = pool.get('sale.sale').__table__()
        line = pool.get('sale.line').__table__()
        band = pool.get('telco.offer.consumption_band').__table__()
        date = end + dt.timedelta(days=1)
        since = date - dt.timedelta(days=30 * CONSUMPTION_MONTHS)
        bought = line.join(sale, condition=line.sale == sale.id).select(
            sale.party.as_('party'),
            Sum(Coalesce(line.quantity, 0) * Coalesce(line.unit_price, 0)
                ).as_('amount'),
            where=(sale.company == company_id)
            & sale.state.in_(CONSUMED_STATES)
            & (line.type == 'line')
            & (sale.sale_date >= since) & (sale.sale_date < date),
            group_by=[sale.party])
        # the bands' limits are a month's: compare them with the months'
        # total, not with an average rounded
        amount = Coalesce(bought.amount, 0)
        return (party
            .join(bought, 'LEFT', condition=bought.party == party.id)
            .join(band, condition=(band.company == company_id)
                & (band.active == Literal(True))
                & (band.minimum * CONSUMPTION_MONTHS <= amount)
                & ((band.maximum == Null)
                    | (band.maximum * CONSUMPTION_MONTHS > amount)))
            .select(band.id.as_('band'), party.id.as_('party'),
                where=customers_at(party, company_id, end)))

    @classmethod
    def _division_customers_band(cls, company_id, start, end):
        customers = cls._customers_in_band(company_id, end)
        return customers.select(
            customers.band, Count(customers.party),
            group_by=[customers.band])

    @classmethod
    def _records_customers_band(cls, company_id, start, end, band):
        customers = cls._customers_in_band(company_id, end)
        cursor = Transaction().connection.cursor()
        cursor.execute(*customers.select(
                customers.party, where=customers.band == band))
        return 'party.party', [
            ('company', '=', company_id),
            ('id', 'in', [p for p, in cursor]),
            ], 'party.act_party_form'


class BreakdownBilling(metaclass=PoolMeta):
    "The revenue of the offers, from the invoices"
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('revenue_offer',
                'telco_offers.msg_division_revenue_offer',
                'telco_offers.msg_division_revenue_offer_help',
                cls._division_revenue_offer, cls._records_revenue_offer,
                'telco.offer', feature='offers', unit='amount',
                sequence=31),
            Division('revenue_zone',
                'telco_offers.msg_division_revenue_zone',
                'telco_offers.msg_division_revenue_zone_help',
                cls._division_revenue_zone, cls._records_revenue_zone,
                'telco.offer.zone', feature='offers', unit='amount',
                sequence=32),
            ]

    @classmethod
    def _division_revenue_offer(cls, company_id, start, end):
        pool = Pool()
        invoice = pool.get('account.invoice').__table__()
        line = pool.get('account.invoice.line').__table__()
        offer = pool.get('telco.offer').__table__()
        return (line
            .join(invoice, condition=line.invoice == invoice.id)
            .join(offer, condition=(offer.product == line.product)
                & (offer.company == company_id))
            .select(offer.id, Sum(line.quantity * line.unit_price),
                where=revenue_lines(invoice, line, company_id, start, end),
                group_by=[offer.id]))

    @classmethod
    def _records_revenue_offer(cls, company_id, start, end, offer):
        Offer = Pool().get('telco.offer')
        return cls._records_revenue_with(company_id, start, end,
            ('lines.product', '=', Offer(offer).product.id))

    @classmethod
    def _division_revenue_zone(cls, company_id, start, end):
        pool = Pool()
        invoice = pool.get('account.invoice').__table__()
        line = pool.get('account.invoice.line').__table__()
        address = pool.get('party.address').__table__()
        zone = pool.get('telco.offer.zone').__table__()
        relation = pool.get('telco.offer.zone-country.subdivision'
            ).__table__()
        # a customer is in every zone of one of his addresses, once
        in_zone = (address
            .join(relation,
                condition=relation.subdivision == address.subdivision)
            .join(zone, condition=relation.zone == zone.id)
            .select(address.party.as_('party'), zone.id.as_('zone'),
                where=(zone.company == company_id)
                & (zone.active == Literal(True))
                & (address.active == Literal(True)),
                group_by=[address.party, zone.id]))
        return (line
            .join(invoice, condition=line.invoice == invoice.id)
            .join(in_zone, condition=in_zone.party == invoice.party)
            .select(in_zone.zone, Sum(line.quantity * line.unit_price),
                where=revenue_lines(invoice, line, company_id, start, end),
                group_by=[in_zone.zone]))

    @classmethod
    def _records_revenue_zone(cls, company_id, start, end, zone):
        Zone = Pool().get('telco.offer.zone')
        return cls._records_revenue_with(company_id, start, end,
            ('party.addresses.subdivision', 'in',
                [s.id for s in Zone(zone).subdivisions]))


class Recommendation(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.recommendation'

    product = fields.Many2One(
        'product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'draft_promotion': {
                    'invisible': ((Eval('state') != 'open')
                        | (Eval('action') != 'promotion')),
                    'depends': ['state', 'action'],
                    },
                })

    @classmethod
    def _result_models(cls):
        return super()._result_models() + ['sale.promotion']

    @classmethod
    def strategies(cls):
        return super().strategies() + [cls._strategy_sales]

    @classmethod
    def _strategy_sales(cls, company_id, date):
        """In the categories whose customers bring the best margin, the
        product they take least compared with all customers"""
        pool = Pool()
        Product = pool.get('product.product')
        Category = pool.get('telco.customer.category')
        sale = pool.get('sale.sale').__table__()
        line = pool.get('sale.line').__table__()
        party = pool.get('party.party').__table__()
        cursor = Transaction().connection.cursor()
        since = date - relativedelta(months=12)
        category = party.commercial_category_1
        cursor.execute(*line
            .join(sale, condition=line.sale == sale.id)
            .join(party, condition=sale.party == party.id)
            .select(category, line.product,
                Count(sale.party, distinct=True),
                Sum(line.quantity * line.unit_price), Sum(line.quantity),
                where=(sale.company == company_id)
                & sale.state.in_(['confirmed', 'processing', 'done'])
                & (sale.sale_date > since) & (sale.sale_date <= date)
                & (line.type == 'line') & (line.product != Null)
                & (category != Null),
                group_by=[category, line.product]))
        rows = list(cursor)
        cursor.execute(*party.select(category, Count(party.id),
                where=customers_at(party, company_id, date)
                & (category != Null),
                group_by=[category]))
        customers = dict(cursor)
        if not rows or not customers:
            return []
        with Transaction().set_context(company=company_id):
            costs = {
                p.id: p.cost_price or 0
                for p in Product.browse({r[1] for r in rows})}
        margin = defaultdict(Decimal)
        buyers = defaultdict(dict)
        buyers_all = defaultdict(int)
        for category_id, product_id, count, amount, quantity in rows:
            margin[category_id] += Decimal(str(amount or 0)) - (
                Decimal(str(quantity or 0)) * costs[product_id])
            buyers[category_id][product_id] = count
            # a customer has one category: the buyers add up
            buyers_all[product_id] += count
        all_customers = sum(customers.values())
        per_customer = {
            c: margin[c] / n for c, n in customers.items() if n}
        ranked = sorted(per_customer, key=lambda c: -per_customer[c])
        advices = []
        currency = pool.get('company.company')(company_id).currency
        for rank, category_id in enumerate(
                ranked[:math.ceil(len(ranked) / 2)], 1):
            gaps = []
            for product_id, count in buyers_all.items():
                if count < 3:
                    continue
                uptake = rate(
                    buyers[category_id].get(product_id, 0),
                    customers[category_id])
                overall = rate(count, all_customers)
                gaps.append((overall - uptake, product_id, uptake, overall))
            gaps = [g for g in gaps if g[0] > 0]
            if not gaps:
                continue
            gap, product_id, uptake, overall = max(
                gaps, key=lambda g: (g[0], -g[1]))
            product = Product(product_id).rec_name
            name = Category(category_id).rec_name
            advices.append(Advice(
                    'sales', 'sales_uptake', module='telco_offers',
                    title=gettext('telco_offers.msg_rule_sales_uptake_title',
                        product=product, category=name),
                    figures=gettext('telco_offers.msg_sales_uptake_figures',
                        category=name, rank=rank, categories=len(ranked),
                        margin=currency.round(per_customer[category_id]),
                        currency=currency.code, product=product,
                        uptake=percent(uptake), overall=percent(overall),
                        buyers=buyers[category_id].get(product_id, 0),
                        customers=customers[category_id]),
                    score=gap, action='promotion',
                    records_model='party.party',
                    records_domain=[
                        ('company', '=', company_id),
                        ('commercial_category_1', '=', category_id),
                        ('customer_state', 'in', ['active', 'suspended']),
                        ],
                    category=category_id, product=product_id))
        return advices

    @classmethod
    @ModelView.button
    def draft_promotion(cls, recommendations):
        """Draft an inactive promotion of the product for the category,
        which marketing reviews and activates"""
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        for recommendation in recommendations:
            promotion = Promotion(
                company=recommendation.company,
                name=gettext('telco_offers.msg_recommended_promotion',
                    product=recommendation.product.rec_name,
                    category=recommendation.category.rec_name),
                products=[recommendation.product],
                customer_categories=[recommendation.category],
                formula=Promotion.rate_formula(DRAFT_DISCOUNT),
                active=False)
            promotion.save()
            cls.do([recommendation], result=str(promotion))


class RecommendationList(metaclass=PoolMeta):
    "The customers at risk as a list of the operator's e-mail campaigns"
    __name__ = 'telco.dashboard.recommendation'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'make_list': {
                    'invisible': ((Eval('state') != 'open')
                        | (Eval('action') != 'list')),
                    'depends': ['state', 'action'],
                    },
                })

    @classmethod
    def _result_models(cls):
        return super()._result_models() + ['marketing.email.list']

    @classmethod
    def _strategy_retention(cls, company_id, date):
        advices = super()._strategy_retention(company_id, date)
        for advice in advices:
            advice.values['action'] = 'list'
        return advices

    @classmethod
    @ModelView.button
    def make_list(cls, recommendations):
        "The e-mail list of the customers at risk, for a retention campaign"
        pool = Pool()
        EmailList = pool.get('marketing.email.list')
        Email = pool.get('marketing.email')
        ChurnRisk = pool.get('telco.dashboard.churn_risk')
        ContactMechanism = pool.get('party.contact_mechanism')
        Date = pool.get('ir.date')
        for recommendation in recommendations:
            company = recommendation.company
            email_list = EmailList(
                company=company,
                name=gettext('telco_offers.msg_retention_list',
                    date=Date.today().isoformat()))
            email_list.save()
            risks = ChurnRisk.search([
                    ('company', '=', company.id),
                    ('at_risk', '=', True),
                    ])
            parties = [r.party.id for r in risks]
            emails = {}
            for mechanism in ContactMechanism.search([
                        ('party', 'in', parties),
                        ('type', '=', 'email'),
                        ('active', '=', True),
                        ], order=[('party', 'ASC'), ('sequence', 'ASC')]):
                emails.setdefault(mechanism.party.id, mechanism.value)
            unique = {e.lower(): e for e in emails.values()}
            Email.create([
                    {'list_': email_list.id, 'email': e}
                    for e in sorted(unique.values())])
            cls.do([recommendation], result=str(email_list))
