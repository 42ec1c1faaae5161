# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ShopValidationError(ValidationError):
    pass


class SerialValidationError(ValidationError):
    pass


class GeocoderError(UserError):
    pass


class ShopSaleError(UserError):
    pass
