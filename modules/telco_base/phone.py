# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Phone numbers of an operator, stored in E.164"
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


def parse(value, region=None):
    "Return the phonenumber of value or None when it is not valid"
    if not value:
        return None
    value = value.strip()
    if value.startswith('00'):
        value = '+' + value[2:]
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def to_e164(value, region=None):
    "Return value as E.164 or None when it is not a valid number"
    number = parse(value, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def to_international(value, region=None):
    number = parse(value, region)
    if number is None:
        return value
    return phonenumbers.format_number(
        number, PhoneNumberFormat.INTERNATIONAL)
