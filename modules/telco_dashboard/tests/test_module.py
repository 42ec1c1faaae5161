# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class TelcoDashboardTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Telco Dashboard module"
    module = 'telco_dashboard'


del ModuleTestCase
