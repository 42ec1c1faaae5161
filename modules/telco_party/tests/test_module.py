# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase

from .party import CustomerTestMixin


class TelcoPartyTestCase(CustomerTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test Telco Party module"
    module = 'telco_party'


del ModuleTestCase
