# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Sales: offers checked when quoted, promotions applied, packs' revenue
split when confirmed"""
from trytond.model import ModelView, Workflow, fields
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, same_operator)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .eligibility import CustomerProfile
from .exceptions import EligibilityError


class Sale(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    @ModelView.button
    @Workflow.transition('quotation')
    def quote(cls, sales):
        cls.check_offers(sales)
        super().quote(sales)

    @classmethod
    def check_offers(cls, sales):
        "Refuse to quote an offer to a customer it is not meant for"
        pool = Pool()
        Offer = pool.get('telco.offer')
        Date = pool.get('ir.date')
        for sale in sales:
            products = {
                l.product.id for l in sale.lines
                if l.type == 'line' and l.product}
            if not products or not sale.party:
                continue
            # the sales staff need not read the offers to sell them
            with without_check_access():
                offers = Offer.search([
                        ('company', '=', sale.company.id),
                        ('product', 'in', list(products)),
                        ])
                if not offers:
                    continue
                with Transaction().set_context(company=sale.company.id):
                    date = sale.sale_date or Date.today()
                profile = CustomerProfile(
                    sale.party, sale.company.id, date)
                messages = [offer.ineligibility(profile, date)
                    for offer in offers]
            for message in messages:
                if message:
                    raise EligibilityError(message)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, sales):
        pool = Pool()
        Revenue = pool.get('telco.pack.revenue')
        super().confirm(sales)
        # the statistics of marketing, written for the sales staff
        with without_check_access():
            Revenue.record([l for s in sales for l in s.lines])

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sales):
        # the packs' revenue is recorded at confirmation and a confirmed
        # sale is cancelled only through draft: removed here
        pool = Pool()
        Revenue = pool.get('telco.pack.revenue')
        super().draft(sales)
        with without_check_access():
            Revenue.delete(Revenue.search(
                    [('sale', 'in', [s.id for s in sales])]))

    @property
    def keeps_prices(self):
        """Whether the prices were agreed on the document the sale comes
        from (an accepted quote of telco_billing): promotions would change
        what the customer accepted"""
        return bool(self.origin)

    def apply_promotion(self):
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        for line in self.lines:
            if line.type == 'line' and line.original_unit_price is None:
                line.original_unit_price = line.unit_price
        if self.keeps_prices:
            return
        promotions = sorted(
            Promotion.get_promotions(self),
            key=lambda p: (-p.priority, p.id))
        capped = [p for p in promotions
            if p.quantity_cap is not None or p.budget_cap is not None]
        if capped:
            # the caps are shared by the sales quoted at the same time
            Promotion.lock(capped)
        for promotion in promotions:
            promotion.apply(self)

    def unapply_promotion(self):
        super().unapply_promotion()
        changed = False
        for line in self.lines:
            if line.type == 'line' and line.promotion_applications:
                line.promotion_applications = []
                changed = True
        if changed:
            self.lines = self.lines


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    pack = fields.Function(
        fields.Many2One('telco.pack', "Pack"), 'get_pack')
    pack_revenues = fields.One2Many(
        'telco.pack.revenue', 'sale_line', "Pack Revenue", readonly=True,
        states={'invisible': ~Eval('pack_revenues')})

    @classmethod
    def get_pack(cls, lines, name):
        pool = Pool()
        Pack = pool.get('telco.pack')
        products = {l.product.id for l in lines if l.product}
        packs = {}
        with without_check_access():
            packs = {p.product.id: p.id for p in Pack.search([
                        ('product', 'in', list(products)),
                        ])} if products else {}
        return {
            l.id: packs.get(l.product.id) if l.product else None
            for l in lines}

    promotion_applications = fields.One2Many(
        'sale.line.promotion', 'line', "Promotions Applied", readonly=True,
        states={'invisible': ~Eval('promotion_applications')})


class PartySalePriceList(metaclass=PoolMeta):
    __name__ = 'party.party.sale_price_list'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party, values=True)
