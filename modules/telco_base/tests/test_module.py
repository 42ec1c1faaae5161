# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class TelcoBaseTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Telco Base module"
    module = 'telco_base'


del ModuleTestCase
