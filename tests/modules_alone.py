# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Each telco module activated alone, with only the modules it declares
(its dependencies, and its optional ones as Tryton tests a module with its
extras).

The modules' suites run on the whole platform (telco_base.tests.platform):
there, a module that uses a model, field or view of a module it does not
declare would still work.  Here each one is activated alone and passes
Tryton's generic checks of its models, views, actions, menus, depends and
access (ModuleTestCase without the module's own tests; the platform's test
cases leave these checks to this file).  On SQLite in
memory (run_tests.sh runs this file so): an activation there takes seconds,
where it takes a minute on PostgreSQL."""
import unittest

from trytond.modules import get_module_info, get_modules
from trytond.tests.test_tryton import ModuleTestCase


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    for module in sorted(m for m in get_modules() if m.startswith('telco_')):
        test_case = type(
            f'{module.title().replace("_", "")}AloneTestCase',
            (ModuleTestCase,), {
                'module': module,
                'extras': get_module_info(module).get('extras_depend', []),
                '__doc__': f"{module} activated alone",
                '__module__': __name__,
                })
        suite.addTests(loader.loadTestsFromTestCase(test_case))
    return suite
