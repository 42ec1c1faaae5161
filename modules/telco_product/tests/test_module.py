# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal
from sql.operators import Equal

from trytond.model import Exclude
from trytond.model.exceptions import (
    AccessError, DomainValidationError, ValidationError)
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.tools import (
    STAFF_GROUPS, as_user, assert_message, create_operator, create_staff)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

CATALOG = STAFF_GROUPS + ['product.group_product_admin']


class TelcoProductTestCase(CompanyTestMixin, PlatformTestCase):
    "Test Telco Product module"
    module = 'telco_product'

    def test_company_multivalue_context(self):
        "Test context of company multivalue target"
        # product.product.template is read in the company of the caller: a
        # variant's company is its template's, so the template cannot be
        # read in it (it would read itself).
        from trytond.tests.test_tryton import DB_NAME
        Product = Pool(DB_NAME).get('product.product')
        context = Product.template.context
        Product.template.context = {**context, 'company': -1}
        try:
            super().test_company_multivalue_context()
        finally:
            Product.template.context = context

    def _product(self, company, name):
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        with Transaction().set_context(company=company.id):
            template, = Template.create([{
                        'name': name, 'default_uom': unit.id,
                        'products': [('create', [{}])]}])
        return template

    @with_transaction()
    def test_catalogue_per_operator(self):
        "Each operator sees and links only its own products"
        pool = Pool()
        Template = pool.get('product.template')
        Product = pool.get('product.product')
        Category = pool.get('product.category')
        a = create_operator("Ooredoo", 'OOREDOO', ['clients', 'billing'])
        b = create_operator("Orange", 'ORANGE', ['clients', 'billing'])
        staff_a = create_staff('staff_a', a, CATALOG)
        phone_a = self._product(a, "Galaxy A15")
        phone_b = self._product(b, "iPhone 15")
        self.assertEqual(phone_a.company, a)
        with Transaction().set_context(company=b.id):
            category_b, = Category.create([{'name': "Phones"}])
        with as_user(staff_a):
            self.assertEqual(Template.search([]), [phone_a])
            self.assertEqual(
                Product.search([]), list(phone_a.products))
            self.assertEqual(Category.search([]), [])
            with self.assertRaises(AccessError) as cm:
                Template.read([phone_b.id], ['name'])
            assert_message(self, cm.exception, 'ir.msg_read_error')
            with self.assertRaises(AccessError) as cm:
                Product.read([phone_b.products[0].id], ['code'])
            assert_message(self, cm.exception, 'ir.msg_read_rule_error')
            with self.assertRaises(DomainValidationError) as cm:
                Template.write([phone_a], {
                        'categories': [('add', [category_b.id])]})
            assert_message(
                self, cm.exception, 'ir.msg_domain_validation_record')

    @with_transaction()
    def test_code_unique_per_operator(self):
        "Two operators may use the same product code, one operator may not"
        pool = Pool()
        Template = pool.get('product.template')
        a = create_operator("Ooredoo", 'OOREDOO', ['clients', 'billing'])
        b = create_operator("Orange", 'ORANGE', ['clients', 'billing'])
        phone_a = self._product(a, "Galaxy A15")
        phone_b = self._product(b, "iPhone 15")
        Template.write([phone_a, phone_b], {'code': 'PHONE'})
        self.assertEqual(phone_b.products[0].code, 'PHONE')
        other_a = self._product(a, "Galaxy A25")
        with self.assertRaises(ValidationError) as cm:
            Template.write([other_a], {'code': 'PHONE'})
        assert_message(self, cm.exception, 'product.msg_product_code_unique')

    @with_transaction()
    def test_code_constraint_on_update(self):
        """An update of the product module with two operators selling the
        same code does not add back codes unique in the database"""
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        a = create_operator("Ooredoo", 'OOREDOO', ['clients', 'billing'])
        b = create_operator("Orange", 'ORANGE', ['clients', 'billing'])
        phone_a = self._product(a, "Galaxy A15")
        phone_b = self._product(b, "iPhone 15")
        Template.write([phone_a, phone_b], {'code': 'PHONE'})
        # what the product module registers, before telco_product
        t = Product.__table__()
        Product.__table_handler__('product').add_constraint(
            'code_exclude', Exclude(t, (t.code, Equal),
                where=(t.active == Literal(True)) & (t.code != '')))
        self.assertEqual(
            [p.code for p in Product.search([('code', '=', 'PHONE')])],
            ['PHONE', 'PHONE'])


del PlatformTestCase
