# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.modules.telco_base.model import same_operator
from trytond.modules.telco_product.product import ProductValues
from trytond.pool import PoolMeta
from trytond.pyson import Eval

KINDS = [
    (None, ""),
    ('phone', "Phone"),
    ('key_4g', "4G Key"),
    ('router', "Router"),
    ('sim', "SIM Card"),
    ('box_adsl', "ADSL Box"),
    ('box_fibre', "Fibre Box"),
    ('accessory', "Accessory"),
    ]
# tracked one by one: an IMEI or a serial number per item
SERIALISED = {'phone', 'key_4g', 'router', 'sim', 'box_adsl', 'box_fibre'}
# where the serial number must be known: in the shops and when sold
LOT_REQUIRED = ['storage', 'customer', 'lost_found']


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    telco_kind = fields.Selection(
        KINDS, "Telco Kind", sort=False,
        states={
            'invisible': Eval('type') != 'goods',
            },
        help="Phones are tracked by IMEI, keys, routers and boxes by serial "
        "number, SIM cards by ICCID.")
    serialised = fields.Function(
        fields.Boolean("Serialised"), 'on_change_with_serialised')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # as telco_billing: the accounts of a category are company
        # multi-values, read in the product's operator
        same_operator(cls.account_category)
        for field in [cls.account_category, cls.categories_all]:
            field.context = {
                **(field.context or {}),
                'company': Eval('company', -1),
                }
            field.depends = (field.depends or set()) | {'company'}

    @fields.depends('telco_kind')
    def on_change_with_serialised(self, name=None):
        return self.telco_kind in SERIALISED

    @fields.depends('telco_kind', 'lot_required')
    def on_change_telco_kind(self):
        if self.telco_kind in SERIALISED:
            self.lot_required = LOT_REQUIRED
        elif self.telco_kind:
            self.lot_required = []

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        kind = values.get('telco_kind')
        if kind in SERIALISED and 'lot_required' not in values:
            values['lot_required'] = LOT_REQUIRED
        return values



class ProductGrossPrice(ProductValues, metaclass=PoolMeta):
    __name__ = 'product.gross_price'


class ProductCostPriceRevision(ProductValues, metaclass=PoolMeta):
    __name__ = 'product.cost_price.revision'
