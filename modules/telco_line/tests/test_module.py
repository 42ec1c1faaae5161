# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.telco_base.tests.platform import PlatformTestCase

from .dashboard import LineFiguresTestMixin
from .line import LineTestMixin


class TelcoLineTestCase(
        LineTestMixin, LineFiguresTestMixin, CompanyTestMixin,
        PlatformTestCase):
    "Test Telco Line module"
    module = 'telco_line'


del PlatformTestCase
