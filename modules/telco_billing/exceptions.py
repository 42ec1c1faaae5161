# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class QuoteError(UserError):
    pass


class BillRunError(UserError):
    pass


class InvoiceMergeError(UserError):
    pass


class InvoiceRequestError(ValidationError):
    pass
