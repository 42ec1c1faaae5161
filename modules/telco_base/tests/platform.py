# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The platform the suites are tested on: every telco module with the
optional modules they declare, activated once and restored by each suite.

Activating a module on PostgreSQL takes from 40 s (telco_party) to more than
three minutes (the platform), most of it the same core modules each time: a
suite activating its own module and extras spent more time activating than
testing.  Each module alone is still activated, on SQLite, by
tests/modules_alone.py (Tryton's generic checks: its declared
dependencies are enough)."""
from trytond.modules import get_module_info, get_modules
from trytond.tests.test_tryton import (
    ModuleTestCase, _DBTestCase, activate_module, drop_db)


def platform_modules():
    """Every telco module and the optional modules they declare, sorted:
    the name trytond.tests.tools.activate_modules (the scenarios) caches the
    activated database under is the one of the suites"""
    names = {m for m in get_modules() if m.startswith('telco_')}
    for name in list(names):
        names.update(get_module_info(name).get('extras_depend', []))
    return sorted(names)


class PlatformTestCase(ModuleTestCase):
    """A module's test case on the whole platform, on the database every
    suite shares.  Tryton's generic checks of the module's models, views and
    actions (the tests of ModuleTestCase) are left to
    tests/modules_alone.py, which runs them on the module alone: there
    they also prove that the module's declared dependencies are enough."""

    @classmethod
    def setUpClass(cls):
        # TestCase's set-up, but not _DBTestCase's activation of [module] +
        # extras: that list names its own cached database
        super(_DBTestCase, cls).setUpClass()
        drop_db()
        activate_module(platform_modules())


# unittest collects the callable test_* attributes only
for _name in dir(ModuleTestCase):
    if _name.startswith('test'):
        setattr(PlatformTestCase, _name, None)
del _name
