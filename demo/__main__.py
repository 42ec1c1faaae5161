# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Load the demo data of the activated modules (python -m demo -h)"
import argparse
import importlib
import sys
import time

from proteus import config

from . import telco_base, telco_party
from .tools import activated_modules, log, step

# the modules with demo data, in the order they load; each module's file
# has load(company, values, password, lang) run for the operators
# subscribed to its feature, and may have load_platform(operators,
# password, lang) run once at the end.  Each works as the user of the
# role who would enter the records in the web client (the operator's
# administrator, agent, billing officer ...), with the same rights and
# record rules; what only the platform may do (users, accounting
# configuration) runs as the Tryton administrator.
MODULES = [
    ('telco_party', 'clients'),
    ('telco_line', 'clients'),
    ('telco_claims', 'claims'),
    ('telco_billing', 'billing'),
    ('telco_stock', 'stock'),
    ('telco_offers', 'offers'),
    ('telco_messaging', 'messaging'),
    # the figures of what the others loaded
    ('telco_dashboard', 'dashboard'),
    # the platform's invoices of the operators' features (platform only)
    ('telco_platform', None),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('-c', '--config', dest='config_file',
        help="the trytond configuration file")
    parser.add_argument('-d', '--database', required=True,
        help="the database name")
    parser.add_argument('--password', default='demo',
        help="the password of the demo users (default: %(default)s)")
    options = parser.parse_args(argv)
    start = time.monotonic()

    config.set_trytond(
        database=options.database, config_file=options.config_file)
    telco_party.check_demo_data()
    active = activated_modules()
    modules = [(importlib.import_module(f'.{name}', __package__), feature)
        for name, feature in MODULES if name in active]

    operators = []
    lang = None
    for values in telco_base.OPERATORS:
        with step(f"operator {values['name']}"):
            company, lang = telco_base.load(values, options.password)
        operators.append(company)
        for module, feature in modules:
            if feature not in values['features']:
                continue
            name = module.__name__.rsplit('.', 1)[-1]
            with step(f"{values['code']} {name}"):
                module.load(company, values, options.password, lang)
    with step("platform"):
        # the platform administrator first: a company the modules make for
        # the platform (telco_platform's) is then given to him
        telco_base.load_platform(operators, options.password, lang)
        for module, _ in modules:
            if hasattr(module, 'load_platform'):
                module.load_platform(operators, options.password, lang)
    log(f"demo data loaded in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == '__main__':
    sys.exit(main())
