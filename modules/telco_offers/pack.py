# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Packs: products and services sold together at the price of the pack's
product, the revenue split on the components for statistics"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.modules.product import price_digits, round_price
from trytond.modules.telco_base.input import MAX_QUANTITY
from trytond.modules.telco_base.model import (
    CodeNameMixin, OperatorMixin, same_operator)
from trytond.pool import Pool
from trytond.pyson import Eval

from .exceptions import OfferValidationError
from .offer import list_price


class Pack(
        CodeNameMixin, OperatorMixin, DeactivableMixin, ModelSQL, ModelView):
    "Pack of products and services sold together"
    __name__ = 'telco.pack'
    __string__ = "Pack"

    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The product sold for the pack: its list price is the price "
        "of the pack.")
    price = fields.Function(
        fields.Numeric("Pack Price", digits=price_digits), 'get_prices')
    components_price = fields.Function(
        fields.Numeric("Price of the Components", digits=price_digits),
        'get_prices')
    components = fields.One2Many(
        'telco.pack.component', 'pack', "Components")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'telco_offers.msg_pack_code_unique'),
            ('product_unique', Unique(t, t.product),
                'telco_offers.msg_pack_product_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))
        same_operator(cls.product, 'template.company')

    def get_prices(self, name):
        if name == 'price':
            price = list_price(self.product, self.company.id)
        else:
            price = sum((c.weight for c in self.components), Decimal(0))
        return round_price(price) if price is not None else None

    @classmethod
    def validate_fields(cls, packs, field_names):
        super().validate_fields(packs, field_names)
        for pack in packs:
            for component in pack.components:
                if component.product == pack.product:
                    raise OfferValidationError(gettext(
                            'telco_offers.msg_pack_contains_itself',
                            pack=pack.rec_name))

    def split(self, amount, quantity=1):
        """Split the amount on the components in proportion to their list
        prices; the rounding remainder goes to the last component.
        Return [(component, quantity, amount)]"""
        currency = self.company.currency
        amount = currency.round(amount)
        components = list(self.components)
        if not components:
            return []
        weights = [c.weight for c in components]
        total = sum(weights, Decimal(0))
        if not total:
            weights = [Decimal(str(c.quantity)) for c in components]
            total = sum(weights, Decimal(0))
        result, left = [], amount
        for component, weight in zip(components[:-1], weights[:-1]):
            share = currency.round(amount * weight / total)
            result.append((component, component.quantity * quantity, share))
            left -= share
        last = components[-1]
        result.append((last, last.quantity * quantity, left))
        return result


class PackComponent(sequence_ordered(), ModelSQL, ModelView):
    "Component of a pack"
    __name__ = 'telco.pack.component'
    __string__ = "Pack Component"

    pack = fields.Many2One(
        'telco.pack', "Pack", required=True, ondelete='CASCADE')
    company = fields.Function(
        fields.Many2One('company.company', "Operator"),
        'on_change_with_company')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    quantity = fields.Float(
        "Quantity", digits=(16, 0), required=True,
        domain=[('quantity', '>', 0), ('quantity', '<=', MAX_QUANTITY)])
    list_price = fields.Function(
        fields.Numeric("List Price", digits=price_digits), 'get_list_price')
    share = fields.Function(
        fields.Numeric("Share of the Pack Price", digits=(16, 3)),
        'get_share')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('pack')
        same_operator(cls.product, 'template.company')

    @classmethod
    def default_quantity(cls):
        return 1

    @fields.depends('pack', '_parent_pack.company')
    def on_change_with_company(self, name=None):
        return self.pack.company if self.pack else None

    @property
    def weight(self):
        price = list_price(self.product, self.pack.company.id)
        return (price or Decimal(0)) * Decimal(str(self.quantity or 0))

    def get_list_price(self, name):
        return list_price(self.product, self.pack.company.id)

    @classmethod
    def get_share(cls, components, name):
        shares = {}
        for pack in {c.pack for c in components}:
            for component, _, amount in pack.split(pack.price or 0):
                shares[component.id] = amount
        return {c.id: shares.get(c.id) for c in components}


class PackRevenue(ModelSQL, ModelView):
    "Revenue of a pack sold, split on a component"
    __name__ = 'telco.pack.revenue'
    __string__ = "Pack Revenue"

    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE',
        readonly=True)
    sale_line = fields.Many2One(
        'sale.line', "Sale Line", ondelete='CASCADE', readonly=True)
    sale = fields.Function(
        fields.Many2One('sale.sale', "Sale"), 'get_sale',
        searcher='search_sale')
    date = fields.Date("Date", readonly=True)
    pack = fields.Many2One(
        'telco.pack', "Pack", required=True, ondelete='RESTRICT',
        readonly=True)
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    quantity = fields.Float("Quantity", digits=(16, 0), readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 3), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    def get_sale(self, name):
        return self.sale_line.sale.id if self.sale_line else None

    @classmethod
    def search_sale(cls, name, clause):
        return [('sale_line.' + clause[0],) + tuple(clause[1:])]

    @classmethod
    def record(cls, lines, field='sale_line'):
        """Split the revenue of the pack lines of sales (sale.line or, with
        field pos_line, the lines of shop sales)"""
        pool = Pool()
        Pack = pool.get('telco.pack')
        lines = [l for l in lines
            if getattr(l, 'type', 'line') == 'line' and l.product]
        cls.delete(cls.search([(field, 'in', [l.id for l in lines])]))
        products = {l.product.id for l in lines}
        packs = {p.product.id: p for p in Pack.search([
                    ('product', 'in', list(products)),
                    ('active', 'in', [True, False]),
                    ])} if products else {}
        to_create = []
        for line in lines:
            pack = packs.get(line.product.id)
            if not pack or pack.company != line.sale.company:
                continue
            date = getattr(line.sale, 'sale_date', None) or getattr(
                line.sale, 'date', None)
            for component, quantity, amount in pack.split(
                    line.amount, line.quantity):
                to_create.append({
                        'company': line.sale.company.id,
                        field: line.id,
                        'date': date,
                        'pack': pack.id,
                        'product': component.product.id,
                        'quantity': quantity,
                        'amount': amount,
                        })
        if to_create:
            cls.create(to_create)
