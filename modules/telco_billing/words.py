# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Amounts and dates in words, for the documents sent to customers"
from decimal import Decimal

from num2words import num2words

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

# Currencies that num2words does not name, by language:
# (unit singular, unit plural, subunit singular, subunit plural)
NAMES = {
    'TND': {
        'fr': ('dinar', 'dinars', 'millime', 'millimes'),
        'en': ('dinar', 'dinars', 'millime', 'millimes'),
        'ar': ('دينار', 'دينارا', 'مليم', 'مليما'),
        },
    }
AND = {'fr': 'et', 'en': 'and', 'ar': 'و'}


def _language(code):
    return (code or 'en').split('_')[0].split('-')[0]


def amount_in_words(amount, currency_code, digits, language):
    """Return the amount written in words in the language, with the currency
    and its subunit (the number of digits gives the subunit: 1000 millimes
    make a dinar)."""
    lang = _language(language)
    amount = Decimal(amount)
    sign = ''
    if amount < 0:
        amount = -amount
        sign = {'fr': 'moins ', 'en': 'minus '}.get(lang, '-')
    units = int(amount)
    subunits = int(
        ((amount - units) * (10 ** digits)).to_integral_value())
    names = NAMES.get(currency_code, {})
    forms = names.get(lang) or names.get('en')
    if forms is None:
        try:
            return sign + num2words(
                amount, lang=lang, to='currency', currency=currency_code)
        except (NotImplementedError, KeyError):
            forms = (currency_code,) * 2 + ('',) * 2
    try:
        words = num2words(units, lang=lang)
    except NotImplementedError:
        lang = 'en'
        words = num2words(units, lang=lang)
    text = '%s %s' % (words, forms[0] if units == 1 else forms[1])
    if subunits and forms[2]:
        text += ' %s %s %s' % (
            AND.get(lang, 'and'), num2words(subunits, lang=lang),
            forms[2] if subunits == 1 else forms[3])
    return sign + text


def date_in_words(value, language=None):
    """Return the date written out in the language, as a letter has it:
    "December 5, 2026", "5 décembre 2026" (the month names of ir.lang)"""
    Lang = Pool().get('ir.lang')
    if hasattr(language, 'code'):
        language = language.code
    lang = Lang.get(language)
    month = lang.strftime(value, '%B')
    with Transaction().set_context(language=lang.code):
        day = (gettext('telco_billing.msg_date_first_day')
            if value.day == 1 else str(value.day))
        return gettext(
            'telco_billing.msg_date_in_words',
            day=day, month=month, month_lower=month.lower(),
            year=value.year)
