# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

# The row-level security hooks on the PostgreSQL connections of the server
# (see rls.py) must be in place before any transaction acts for a user.
from . import rls  # noqa: F401
# The routes are registered on trytond's application when the module loads.
from . import routes  # noqa: F401
