# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal
from sql.operators import Equal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Exclude, Index
from trytond.model.exceptions import ValidationError
from trytond.modules.telco_base.model import OperatorMixin, same_operator
from trytond.pool import PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access


class ProductCodeError(ValidationError):
    pass


class Category(OperatorMixin, metaclass=PoolMeta):
    __name__ = 'product.category'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.parent.domain = [
            cls.parent.domain or [],
            ('company', '=', Eval('company', -1)),
            ]
        cls.parent.depends = (cls.parent.depends or set()) | {'company'}
        cls.templates.context = {
            **(cls.templates.context or {}),
            'company': Eval('company', -1),
            }
        cls.templates.depends = (cls.templates.depends or set()) | {'company'}
        same_operator(cls.templates)


class CategoryAccount(metaclass=PoolMeta):
    __name__ = 'product.category'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for field in [cls.customer_taxes, cls.supplier_taxes]:
            same_operator(field)
        # with accounts the category has values per company: its relations
        # are read as the category's operator, as its templates are
        for field in [cls.parent, cls.childs, cls.accounting_templates]:
            field.context = {
                **(field.context or {}), 'company': Eval('company', -1)}
            field.depends = (field.depends or set()) | {'company'}
        same_operator(cls.accounting_templates)


class Template(OperatorMixin, metaclass=PoolMeta):
    "The operator's catalogue: every product belongs to one operator"
    __name__ = 'product.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality(cardinality='low'))))
        cls.categories.domain = [
            cls.categories.domain or [],
            ('company', '=', Eval('company', -1)),
            ]
        cls.categories.depends = (
            (cls.categories.depends or set()) | {'company'})
        cls.categories.context = {
            **(cls.categories.context or {}),
            'company': Eval('company', -1),
            }
        cls.products.context = {
            **(cls.products.context or {}),
            'company': Eval('company', -1),
            }
        cls.products.depends = (cls.products.depends or set()) | {'company'}


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Codes are unique per operator: two operators may both sell a
        # "PHONE"; the check is made by validate instead of the database.
        # The product module's constraint of codes unique in the database
        # gives way to one of the same name on the template's variants: on
        # an update, the product module registers before this class and
        # would add its own again, but it adds none that exists by name.
        t = cls.__table__()
        cls._sql_constraints = [
            c for c in cls._sql_constraints if c[0] != 'code_exclude']
        cls._sql_constraints.append(
            ('code_exclude', Exclude(t, (t.template, Equal), (t.code, Equal),
                    where=(t.active == Literal(True)) & (t.code != '')),
                'product.msg_product_code_unique'))
        same_operator(cls.replaced_by, 'template.company')
        for field in [cls.replaced_by, cls.replacing]:
            field.depends = (field.depends or set()) | {'company'}
            field.context = {
                **(field.context or {}),
                'company': Eval('company', -1),
                }

    @classmethod
    def __register__(cls, module):
        transaction = Transaction()
        table = cls.__table__()
        if backend.name == 'postgresql':
            # made by the product module before this class was registered
            cursor = transaction.connection.cursor()
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = %s", (f'{table._name}_code_exclude',))
            for definition, in cursor:
                if 'template' not in definition:
                    cls.__table_handler__(module).drop_constraint(
                        'code_exclude')
        super().__register__(module)

    @classmethod
    def validate_fields(cls, products, field_names):
        super().validate_fields(products, field_names)
        if field_names is None or {'code', 'active', 'template'} & field_names:
            cls.check_code_unique(products)

    @classmethod
    def check_code_unique(cls, products):
        codes = [p.code for p in products if p.code and p.active]
        if not codes:
            return
        with without_check_access():
            others = cls.search([
                    ('code', 'in', codes),
                    ('active', '=', True),
                    ])
        seen = {}
        for product in others + [p for p in products if p.code]:
            if not product.active:
                continue
            key = (product.template.company.id, product.code)
            if seen.setdefault(key, product) != product:
                raise ProductCodeError(gettext(
                        'product.msg_product_code_unique'))


class ProductValues:
    "The company values of a product (Tryton's multi-values)"
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if hasattr(cls, 'template'):
            same_operator(cls.template, values=True)
        if hasattr(cls, 'product'):
            same_operator(cls.product, 'template.company', values=True)


class ProductListPrice(ProductValues, metaclass=PoolMeta):
    __name__ = 'product.list_price'


class ProductCostPriceMethod(ProductValues, metaclass=PoolMeta):
    __name__ = 'product.cost_price_method'


class ProductCostPrice(ProductValues, metaclass=PoolMeta):
    __name__ = 'product.cost_price'


class CategoryAccountValue(metaclass=PoolMeta):
    __name__ = 'product.category.account'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.category, values=True)
