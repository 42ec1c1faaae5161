# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Proposals from the data: decision support for marketing, computed with
set-based SQL on the operator's sales, customers and lines"""
import datetime as dt
from decimal import Decimal

from sql import Literal, Null, Window
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce
from sql.functions import RowNumber

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from trytond.modules.telco_base.input import MAX_QUANTITY, date_domain
from trytond.modules.telco_base.model import OperatorMixin, same_operator

from .exceptions import ProposalError
from .eligibility import SOLD_STATES, consumptions

KINDS = [
    ('pack', "Pack of products bought together"),
    ('segment', "Promotion for a profitable segment"),
    ('zone', "Offer where a product is most demanded"),
    ('consumption', "Offer fitting a customer's consumption"),
    ]


class Proposal(OperatorMixin, Workflow, ModelSQL, ModelView):
    "Proposal from the data, with the figures that justify it"
    __name__ = 'telco.offer.proposal'
    __string__ = "Proposal"

    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    name = fields.Char("Proposal", readonly=True)
    from_date = fields.Date("From Date", readonly=True)
    to_date = fields.Date("To Date", readonly=True)
    product = fields.Many2One(
        'product.product', "Product", readonly=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    product2 = fields.Many2One(
        'product.product', "Second Product", readonly=True,
        ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    category = fields.Many2One(
        'telco.customer.category', "Customer Category", readonly=True,
        ondelete='CASCADE')
    zone = fields.Many2One(
        'telco.offer.zone', "Zone", readonly=True, ondelete='CASCADE')
    customer = fields.Many2One(
        'party.party', "Customer", readonly=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    offer = fields.Many2One(
        'telco.offer', "Offer", readonly=True, ondelete='CASCADE')
    count = fields.Integer(
        "Count", readonly=True,
        help="Sales with both products, customers of the segment, "
        "sales in the zone.")
    support = fields.Float(
        "Support", digits=(16, 4), readonly=True,
        help="The share of the sales that hold both products.")
    confidence = fields.Float(
        "Confidence", digits=(16, 4), readonly=True,
        help="The share of the sales of the first product that also hold "
        "the second.")
    lift = fields.Float(
        "Lift", digits=(16, 2), readonly=True,
        help="How much more often the products are bought together than by "
        "chance (above 1: together more than by chance).")
    quantity = fields.Float("Quantity", digits=(16, 0), readonly=True)
    share = fields.Float(
        "Share", digits=(16, 4), readonly=True,
        help="The share of the zone's quantity sold that is the product.")
    revenue = fields.Numeric("Revenue", digits=(16, 3), readonly=True)
    margin = fields.Numeric("Margin", digits=(16, 3), readonly=True)
    margin_per_customer = fields.Numeric(
        "Margin per Customer", digits=(16, 3), readonly=True)
    consumption = fields.Numeric(
        "Monthly Consumption", digits=(16, 3), readonly=True)
    state = fields.Selection([
            ('proposed', "Proposed"),
            ('done', "Done"),
            ], "State", required=True, readonly=True, sort=False)
    promotion = fields.Many2One(
        'sale.promotion', "Promotion", readonly=True, ondelete='SET NULL')
    pack = fields.Many2One(
        'telco.pack', "Pack", readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        cls._order = [('kind', 'ASC'), ('id', 'ASC')]
        for field in [cls.product, cls.product2]:
            same_operator(field, 'template.company')
        for field in [cls.category, cls.zone, cls.customer, cls.offer]:
            same_operator(field)
        cls._transitions |= {('proposed', 'done')}
        cls._buttons.update({
                'create_draft': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'proposed'

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # the figures and their subjects are the server's
        if external and mode in {'create', 'write'}:
            raise AccessError(gettext(
                    'telco_offers.msg_proposal_read_only'))

    # --- computation -------------------------------------------------

    @classmethod
    def compute(cls, company, from_date, to_date, min_count=2, limit=5):
        "Replace the operator's pending proposals by new ones"
        cls.delete(cls.search([
                    ('company', '=', company.id),
                    ('state', '=', 'proposed'),
                    ]))
        values = cls._propose(
            company, from_date, to_date, min_count, limit)
        # the figures are the server's: users only read and delete them
        with without_check_access():
            return cls.browse(cls.create(values))

    @classmethod
    def _propose(cls, company, from_date, to_date, min_count, limit):
        values = []
        for method in [
                cls._propose_packs, cls._propose_segments,
                cls._propose_zones, cls._propose_consumptions]:
            values.extend(method(company, from_date, to_date, min_count,
                    limit))
        for value in values:
            value.update({
                    'company': company.id,
                    'from_date': from_date,
                    'to_date': to_date,
                    })
        return values

    @classmethod
    def _sold_lines(cls, company, from_date, to_date):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        sale = Sale.__table__()
        line = Line.__table__()
        where = ((sale.company == company.id)
            & sale.state.in_(SOLD_STATES)
            & (line.type == 'line') & (line.product != Null)
            & (line.quantity > 0)
            & (sale.sale_date >= from_date) & (sale.sale_date <= to_date))
        return sale, line, line.join(
            sale, condition=line.sale == sale.id), where

    @classmethod
    def _basket(cls, company, from_date, to_date):
        sale, line, join, where = cls._sold_lines(
            company, from_date, to_date)
        return join.select(
            sale.id.as_('sale'), line.product.as_('product'),
            where=where, group_by=[sale.id, line.product])

    @classmethod
    def _propose_packs(cls, company, from_date, to_date, min_count, limit):
        "Pairs of products often bought together: support, confidence, lift"
        pool = Pool()
        Product = pool.get('product.product')
        cursor = Transaction().connection.cursor()
        basket = cls._basket(company, from_date, to_date)
        cursor.execute(*basket.select(
                Count(basket.sale), basket.product,
                group_by=[basket.product]))
        singles = {product: n for n, product in cursor}
        # as many baskets as sales: count the sales, not the lines
        sale, line, join, where = cls._sold_lines(
            company, from_date, to_date)
        cursor.execute(*join.select(
                Count(sale.id, distinct=True), where=where))
        total, = cursor.fetchone()
        if not total:
            return []
        b1 = cls._basket(company, from_date, to_date)
        b2 = cls._basket(company, from_date, to_date)
        together = Count(b1.sale)
        cursor.execute(*b1.join(b2,
                condition=(b1.sale == b2.sale) & (b1.product < b2.product)
                ).select(
                b1.product, b2.product, together,
                group_by=[b1.product, b2.product],
                having=together >= min_count,
                order_by=[together.desc, b1.product, b2.product],
                limit=limit))
        values = []
        for product_a, product_b, n in cursor:
            n_a, n_b = singles[product_a], singles[product_b]
            # the rule of the stronger direction: from the rarer product
            if n_b < n_a:
                product_a, product_b, n_a, n_b = (
                    product_b, product_a, n_b, n_a)
            a, b = Product(product_a), Product(product_b)
            values.append({
                    'kind': 'pack',
                    'name': gettext(
                        'telco_offers.msg_proposal_pack',
                        product=a.rec_name, product2=b.rec_name),
                    'product': product_a,
                    'product2': product_b,
                    'count': n,
                    'support': round(n / total, 4),
                    'confidence': round(n / n_a, 4),
                    'lift': round(n * total / (n_a * n_b), 2),
                    })
        return values

    @classmethod
    def _propose_segments(
            cls, company, from_date, to_date, min_count, limit):
        "Customer categories by margin per customer"
        pool = Pool()
        Party = pool.get('party.party')
        CostPrice = pool.get('product.cost_price')
        Category = pool.get('telco.customer.category')
        cursor = Transaction().connection.cursor()
        sale, line, join, where = cls._sold_lines(
            company, from_date, to_date)
        party = Party.__table__()
        cost = CostPrice.__table__()
        quantity = Coalesce(line.quantity, 0)
        revenue = Sum(quantity * Coalesce(line.unit_price, 0))
        margin = revenue - Sum(quantity * Coalesce(cost.cost_price, 0))
        customers = Count(sale.party, distinct=True)
        query = join.join(party, condition=sale.party == party.id
            ).join(cost, 'LEFT',
                condition=(cost.product == line.product)
                & (cost.company == company.id)
            ).select(
                party.commercial_category_1, customers, revenue, margin,
                where=where & (party.commercial_category_1 != Null),
                group_by=[party.commercial_category_1],
                having=customers >= min_count,
                order_by=[(margin / customers).desc],
                limit=limit)
        cursor.execute(*query)
        values = []
        for category_id, n, revenue, margin in cursor:
            # the quantities are floats: so are the sums
            revenue = company.currency.round(Decimal(str(revenue)))
            margin = company.currency.round(Decimal(str(margin)))
            per_customer = (margin / n).quantize(Decimal('0.001'))
            values.append({
                    'kind': 'segment',
                    'name': gettext(
                        'telco_offers.msg_proposal_segment',
                        category=Category(category_id).rec_name),
                    'category': category_id,
                    'count': n,
                    'revenue': revenue,
                    'margin': margin,
                    'margin_per_customer': per_customer,
                    })
        return values

    @classmethod
    def _propose_zones(cls, company, from_date, to_date, min_count, limit):
        "The most demanded product of each zone, from the delivery address"
        pool = Pool()
        Address = pool.get('party.address')
        Zone = pool.get('telco.offer.zone')
        ZoneSubdivision = pool.get('telco.offer.zone-country.subdivision')
        Product = pool.get('product.product')
        cursor = Transaction().connection.cursor()
        sale, line, join, where = cls._sold_lines(
            company, from_date, to_date)
        address = Address.__table__()
        zone = Zone.__table__()
        zone_subdivision = ZoneSubdivision.__table__()
        quantity = Sum(line.quantity)
        demand = join.join(address,
            condition=Coalesce(sale.shipment_address, sale.invoice_address)
            == address.id
            ).join(zone_subdivision,
                condition=zone_subdivision.subdivision == address.subdivision
            ).join(zone, condition=(zone.id == zone_subdivision.zone)
                & (zone.company == company.id)
                & (zone.active == Literal(True))
            ).select(
                zone.id.as_('zone'), line.product.as_('product'),
                quantity.as_('quantity'),
                Count(sale.id, distinct=True).as_('sales'),
                RowNumber(window=sql_window(zone.id, quantity)).as_('rank'),
                (Sum(quantity, window=sql_window(zone.id))).as_('total'),
                where=where,
                group_by=[zone.id, line.product])
        cursor.execute(*demand.select(
                demand.zone, demand.product, demand.quantity, demand.sales,
                demand.total,
                where=(demand.rank == 1) & (demand.sales >= min_count),
                order_by=[demand.quantity.desc, demand.zone],
                limit=limit))
        values = []
        for zone_id, product_id, quantity, sales, total in cursor:
            values.append({
                    'kind': 'zone',
                    'name': gettext(
                        'telco_offers.msg_proposal_zone',
                        product=Product(product_id).rec_name,
                        zone=Zone(zone_id).rec_name),
                    'zone': zone_id,
                    'product': product_id,
                    'quantity': quantity,
                    'count': sales,
                    'share': round(quantity / total, 4) if total else None,
                    })
        return values

    @classmethod
    def _propose_consumptions(
            cls, company, from_date, to_date, min_count, limit):
        """The plan whose price is nearest to the monthly consumption of the
        biggest customers, among the plans they are eligible to"""
        pool = Pool()
        Offer = pool.get('telco.offer')
        Party = pool.get('party.party')
        cursor = Transaction().connection.cursor()
        sale, line, join, where = cls._sold_lines(
            company, from_date, to_date)
        amount = Sum(line.quantity * line.unit_price)
        cursor.execute(*join.select(
                sale.party, where=where, group_by=[sale.party],
                order_by=[amount.desc], limit=limit * 4))
        party_ids = [p for p, in cursor]
        if not party_ids:
            return []
        by_party = consumptions(
            company.id, party_ids, to_date + dt.timedelta(days=1))
        plans = Offer.search([
                ('company', '=', company.id),
                ('kind', '=', 'plan'),
                ])
        if not plans:
            return []
        values = []
        for party_id in party_ids:
            consumption = by_party.get(party_id)
            if not consumption:
                continue
            party = Party(party_id)
            fitting = [o for o in Offer.fitting(party, company.id, to_date)
                if o.kind == 'plan']
            if not fitting:
                continue
            offer = fitting[0]
            values.append({
                    'kind': 'consumption',
                    'name': gettext(
                        'telco_offers.msg_proposal_consumption',
                        offer=offer.rec_name, customer=party.rec_name),
                    'customer': party_id,
                    'offer': offer.id,
                    'product': offer.product.id,
                    'consumption': consumption,
                    })
            if len(values) >= limit:
                break
        return values

    # --- turning into drafts -----------------------------------------

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def create_draft(cls, proposals):
        "Turn the proposals into inactive promotions or packs to review"
        for proposal in proposals:
            getattr(proposal, '_create_' + proposal.kind)()
        cls.save(proposals)

    def _promotion(self, name, formula, **values):
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        promotion = Promotion(
            company=self.company, name=name, formula=formula, active=False,
            **values)
        promotion.save()
        self.promotion = promotion
        return promotion

    def _create_segment(self):
        self._promotion(
            self.name, 'unit_price * 0.95',
            customer_categories=[self.category])

    def _create_zone(self):
        self._promotion(
            self.name, 'unit_price * 0.9',
            zones=[self.zone], products=[self.product])

    def _create_consumption(self):
        pool = Pool()
        Band = pool.get('telco.offer.consumption_band')
        bands = Band.of_amount(self.company.id, self.consumption)
        self._promotion(
            self.name, 'unit_price * 0.9',
            products=[self.product], consumption_bands=list(bands))

    def _create_pack(self):
        pool = Pool()
        Pack = pool.get('telco.pack')
        Template = pool.get('product.template')
        Product = pool.get('product.product')
        Component = pool.get('telco.pack.component')
        if not self.product or not self.product2:
            raise ProposalError(gettext(
                    'telco_offers.msg_proposal_no_products',
                    proposal=self.rec_name))
        with Transaction().set_context(company=self.company.id):
            a = Product(self.product.id)
            b = Product(self.product2.id)
            price = self.company.currency.round(
                ((a.list_price_used or 0) + (b.list_price_used or 0))
                * Decimal('0.9'))
            code = f'PACK-{a.code or a.id}-{b.code or b.id}'
            template = Template(
                company=self.company, name=self.name, type='service',
                code=code, salable=True, default_uom=a.default_uom,
                sale_uom=a.default_uom, list_price=price,
                account_category=a.account_category,
                products=[Product()])
            template.save()
            pack = Pack(
                company=self.company, code=code, name=self.name,
                product=template.products[0], active=False,
                components=[
                    Component(product=a, quantity=1),
                    Component(product=b, quantity=1),
                    ])
            pack.save()
        self.pack = pack


def sql_window(partition, order=None):
    if order is None:
        return Window([partition])
    return Window([partition], order_by=[order.desc])


class ProposalComputeStart(ModelView):
    "Compute Proposals"
    __name__ = 'telco.offer.proposal.compute.start'
    __string__ = "Compute Proposals"

    from_date = fields.Date(
        "From Date", required=True,
        domain=[
            ('from_date', '<=', Eval('to_date', dt.date.max)),
            date_domain('from_date', required=True),
            ])
    to_date = fields.Date(
        "To Date", required=True,
        domain=[
            ('to_date', '>=', Eval('from_date', dt.date.min)),
            date_domain('to_date', required=True),
            ])
    min_count = fields.Integer(
        "Minimum Count", required=True,
        domain=[('min_count', '>=', 1), ('min_count', '<=', MAX_QUANTITY)],
        help="The fewest sales or customers a proposal must rest on.")
    limit = fields.Integer(
        "Proposals per Kind", required=True,
        domain=[('limit', '>=', 1), ('limit', '<=', 1000)])

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_from_date(cls):
        return Pool().get('ir.date').today() - dt.timedelta(days=365)

    @classmethod
    def default_min_count(cls):
        return 2

    @classmethod
    def default_limit(cls):
        return 5


class ProposalCompute(Wizard):
    "Compute Proposals"
    __name__ = 'telco.offer.proposal.compute'

    start = StateView(
        'telco.offer.proposal.compute.start',
        'telco_offers.proposal_compute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateTransition()
    open_ = StateAction('telco_offers.act_proposal')

    def transition_compute(self):
        pool = Pool()
        Proposal = pool.get('telco.offer.proposal')
        Company = pool.get('company.company')
        company_id = Transaction().context.get('company')
        if not company_id:
            raise ProposalError(gettext(
                    'telco_offers.msg_proposal_no_company'))
        Proposal.compute(
            Company(company_id), self.start.from_date, self.start.to_date,
            self.start.min_count, self.start.limit)
        return 'open_'

    def do_open_(self, action):
        return action, {}
