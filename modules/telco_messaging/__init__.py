# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

# The route of the channels' webhooks is registered on trytond's application
# when the module loads.
from . import routes  # noqa: F401
