# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import RateLimitException
from trytond.model.exceptions import ValidationError


class InputValidationError(ValidationError):
    pass


class CalendarValidationError(ValidationError):
    pass


class LoginThrottled(RateLimitException):
    "A login tried again before the delay of its failed attempts"

    def __init__(self, message, seconds):
        super().__init__(message, seconds)
        self.message = message
        self.seconds = seconds

    def __str__(self):
        return self.message
