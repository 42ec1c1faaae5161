# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Promotions on the quotes of telco_billing: applied on the one-off lines
when the quote is sent; the sale of the accepted quote keeps them"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .promotion import (
    PromotedLineMixin, PromotionApplicationMixin, promote)


class Quote(metaclass=PoolMeta):
    __name__ = 'telco.quote'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update(
            apply_promotions={
                'invisible': Eval('state') != 'draft',
                'depends': ['state'],
                })

    @classmethod
    @ModelView.button
    def apply_promotions(cls, quotes):
        """Price again the one-off lines of the draft quotes with the
        promotions in force today for the customer; the monthly services
        keep the price of their offer"""
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('telco.quote.line')
        lines = []
        for quote in quotes:
            if quote.state != 'draft':
                continue
            one_off = [l for l in quote.lines if not l.recurring]
            for line in quote.lines:
                line.unapply_promotion()
            if not one_off:
                lines.extend(quote.lines)
                continue
            with Transaction().set_context(company=quote.company.id):
                today = Date.today()
            # the sales staff need not read the rules of the promotions
            with without_check_access():
                prices = promote(
                    quote.company, quote.customer, today,
                    [(l.product, l.quantity, l.unit, l.unit_price, l.taxes)
                        for l in one_off])
            for line, (price, original, applications) in zip(
                    one_off, prices):
                line.apply_promotion(price, original, applications)
            lines.extend(quote.lines)
        Line.save(lines)

    @classmethod
    @ModelView.button
    @Workflow.transition('sent')
    def send(cls, quotes):
        cls.apply_promotions(quotes)
        super().send(quotes)

    def _get_sale(self, lines):
        pool = Pool()
        Application = pool.get('sale.line.promotion')
        sale = super()._get_sale(lines)
        # the promotions accepted by the customer use their caps
        for quote_line, sale_line in zip(lines, sale.lines):
            if not quote_line.promotion:
                continue
            sale_line.original_unit_price = quote_line.original_unit_price
            sale_line.promotion = quote_line.promotion
            sale_line.promotion_applications = Application.copies(
                quote_line.promotion_applications)
        return sale


class QuoteLine(PromotedLineMixin, metaclass=PoolMeta):
    __name__ = 'telco.quote.line'

    original_unit_price = fields.Numeric(
        "Original Unit Price", digits=price_digits, readonly=True,
        states={'invisible': ~Eval('promotion')})
    promotion_applications = fields.One2Many(
        'telco.quote.line.promotion', 'line', "Promotions Applied",
        readonly=True,
        states={'invisible': ~Eval('promotion_applications')})

    @fields.depends('original_unit_price', 'promotion',
        'promotion_applications')
    def on_change_product(self):
        super().on_change_product()
        self.original_unit_price = None
        self.clear_promotions()

    @property
    def discount_label(self):
        if self.promotion:
            return gettext(
                'telco_offers.msg_quote_line_promotion',
                promotion=', '.join(
                    a.promotion.name for a in self.promotion_applications))
        return super().discount_label

    @property
    def undiscounted_unit_price(self):
        if self.promotion:
            return self.original_unit_price
        return super().undiscounted_unit_price

    def unapply_promotion(self):
        if self.original_unit_price is not None:
            self.unit_price = self.original_unit_price
        self.original_unit_price = None
        self.clear_promotions()

    def apply_promotion(self, unit_price, original_unit_price, applications):
        if not applications:
            return
        self.original_unit_price = original_unit_price
        self.unit_price = unit_price
        self.set_promotions(applications)


class QuoteLinePromotion(PromotionApplicationMixin, ModelSQL, ModelView):
    "Promotion applied on a quote line"
    __name__ = 'telco.quote.line.promotion'
    __string__ = "Promotion Applied"

    line = fields.Many2One(
        'telco.quote.line', "Line", required=True, ondelete='CASCADE')
