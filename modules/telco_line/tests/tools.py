# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from stdnum import luhn


def luhn_complete(digits):
    "Return the digits followed by their Luhn check digit (ICCID, IMEI)"
    return digits + luhn.calc_check_digit(digits)
