# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A guard on the values that create and write store.

Without it, what a client sends reaches the database as it is: a NUL byte
or a string where a number is expected fails with a raw Python or
PostgreSQL error ("A string literal cannot contain NUL", "could not convert
string to float", "integer out of range"), a 10,000-character name fails on
its b-tree index ("index row size exceeds btree maximum") and control
characters are stored.  The mixin below is applied to every model of the
pool (tryton.cfg [register_mixin]) and, for the models of its scope, checks
each value of create and write before it is stored:

- Char and Text: a NUL byte is refused; the other control characters are
  removed (a line break or tab in a Char becomes a space, Text keeps its
  line breaks and tabs); a Char without size is bounded to CHAR_SIZE
  characters, a Text to TEXT_SIZE;
- Integer, Float, Numeric, Date, DateTime and Timestamp given as strings
  must convert; numbers must be finite and integers fit their column.

Errors are ValidationErrors with a translated message naming the field.

Scope: the business models, that is every model outside Tryton's
framework namespaces ir.* and res.* (telco.*, party.*, company.*,
product.*, sale.*, stock.*, account.*, marketing.*, web.* ...), and from
the framework the records staff type themselves (users, attachments,
notes, chat messages).  The rest of ir.* and res.* holds technical data
(views, actions, rules, domains, translations, sent e-mails with their
lists of recipients) written by modules and administrators, whose Char
fields are longer by nature.  Function fields are left out: their setters
write stored fields, guarded where they are stored.

The cost is one dictionary look-up per value written and, for strings, a
regular expression search: nothing is done for values that need no
change."""
import datetime as dt
import math
import re
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import SizeValidationError

from .exceptions import InputValidationError

# the bound of a Char without size: a name, a code, a number, an e-mail,
# well below what a b-tree index row takes (2704 bytes, 4 per character)
CHAR_SIZE = 255
TEXT_SIZE = 100_000
# models of the framework that hold what staff type
FRAMEWORK_MODELS = {
    'ir.attachment', 'ir.note', 'ir.chat.message', 'res.user'}
# fields longer than the bound by nature
SIZES = {
    ('ir.attachment', 'link'): 2_000,
    ('web.shortened_url', 'redirect_url'): 2_000,
    # HTML with its images
    ('marketing.email.message', 'content'): 1_000_000,
    }
INTEGER_RANGE = {
    'INTEGER': (-2 ** 31, 2 ** 31 - 1),
    'BIGINT': (-2 ** 63, 2 ** 63 - 1),
    }
# C0 controls, DEL, C1 controls and lone surrogates (which cannot be
# encoded); NUL is refused before
CHAR_CONTROLS = re.compile('[\x00-\x1f\x7f-\x9f\ud800-\udfff]')
CHAR_SPACES = re.compile('[\t\n\r\x0b\x0c]+')
CHAR_REMOVED = re.compile('[\x01-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]')
TEXT_REMOVED = re.compile(
    '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]')
# how much of a wrong value the message shows
SHOWN = 50

# The bounds of business values, for the domains of the fields: the client
# shows them and Tryton refuses the rest with its translated domain error.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)
MIN_DATETIME = dt.datetime(1900, 1, 1)
MAX_DATETIME = dt.datetime(2200, 12, 31, 23, 59, 59)
MAX_QUANTITY = 10 ** 9
MAX_AMOUNT = 10 ** 9
MAX_AGE = 150
MAX_DAYS = 3650


def date_domain(name, required=False, datetime=False):
    "The domain of a business date between 1900 and 2200"
    if datetime:
        bounds = [(name, '>=', MIN_DATETIME), (name, '<=', MAX_DATETIME)]
    else:
        bounds = [(name, '>=', MIN_DATE), (name, '<=', MAX_DATE)]
    if required:
        return bounds
    return ['OR', (name, '=', None), bounds]


def max_domain(name, maximum, required=False):
    "The domain of a value at most maximum"
    if required:
        return [(name, '<=', maximum)]
    return ['OR', (name, '=', None), (name, '<=', maximum)]


def in_scope(name):
    "Whether the values of the model are guarded"
    return (not name.startswith(('ir.', 'res.'))
        or name in FRAMEWORK_MODELS)


def guarded_fields(Model):
    "Return {field name: (kind, bound)} of the values to check"
    result = {}
    for name, field in Model._fields.items():
        if isinstance(field, (fields.Function, fields.MultiValue)):
            continue
        type_ = field._type
        if type_ == 'char':
            if field.size is not None:
                # checked by Tryton
                size = None
            else:
                size = SIZES.get((Model.__name__, name), CHAR_SIZE)
            result[name] = ('char', size)
        elif type_ == 'text':
            result[name] = (
                'text', SIZES.get((Model.__name__, name), TEXT_SIZE))
        elif type_ == 'integer':
            result[name] = (
                'integer', INTEGER_RANGE.get(field._sql_type))
        elif type_ in {'float', 'numeric', 'date', 'datetime', 'timestamp'}:
            result[name] = (type_, None)
    return result


def shown(value):
    value = str(value)
    if len(value) > SHOWN:
        value = value[:SHOWN] + '…'
    return value


class InputGuardMixin:
    "Applied to every model of the pool by tryton.cfg"
    __slots__ = ()

    @classmethod
    def _input_guard(cls):
        # computed once per class of the pool
        guard = cls.__dict__.get('_input_guard_fields')
        if guard is None:
            if in_scope(cls.__name__):
                guard = guarded_fields(cls)
            else:
                guard = {}
            cls._input_guard_fields = guard
        return guard

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        guard = cls._input_guard()
        if not guard:
            return values
        for name, value in values.items():
            if value is None or name not in guard:
                continue
            kind, bound = guard[name]
            new = getattr(cls, '_input_' + kind)(name, value, bound)
            if new is not value:
                values[name] = new
        return values

    @classmethod
    def _input_error(cls, msg_id, name, **variables):
        return InputValidationError(gettext(
                msg_id, **cls.__names__(name), **variables))

    @classmethod
    def _input_char(cls, name, value, size, text=False):
        if not isinstance(value, str):
            return value
        if CHAR_CONTROLS.search(value):
            if '\x00' in value:
                raise cls._input_error('telco_base.msg_input_nul', name)
            if text:
                value = TEXT_REMOVED.sub('', value)
            else:
                value = CHAR_REMOVED.sub('', CHAR_SPACES.sub(' ', value))
        if size is not None and len(value) > size:
            raise SizeValidationError(gettext(
                    'telco_base.msg_input_too_long',
                    **cls.__names__(name),
                    size=len(value), max_size=size))
        return value

    @classmethod
    def _input_text(cls, name, value, size):
        return cls._input_char(name, value, size, text=True)

    @classmethod
    def _input_number(cls, name, value, convert):
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = convert(value)
            except (ValueError, ArithmeticError):
                # the message names the field and the value: the parser's
                # own error adds nothing for the user
                raise cls._input_error(
                    'telco_base.msg_input_not_number', name,
                    value=shown(value)) from None
        return value

    @classmethod
    def _input_out_of_range(cls, name, value):
        return cls._input_error(
            'telco_base.msg_input_out_of_range', name, value=shown(value))

    @classmethod
    def _input_integer(cls, name, value, bounds):
        value = cls._input_number(name, value, int)
        if (value is not None and bounds is not None
                and isinstance(value, int)
                and not (bounds[0] <= value <= bounds[1])):
            raise cls._input_out_of_range(name, value)
        return value

    @classmethod
    def _input_float(cls, name, value, bound):
        value = cls._input_number(name, value, float)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise cls._input_out_of_range(name, value)
        elif isinstance(value, Decimal):
            if not value.is_finite():
                raise cls._input_out_of_range(name, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                float(value)
            except OverflowError:
                raise cls._input_out_of_range(name, value) from None
        return value

    @classmethod
    def _input_numeric(cls, name, value, bound):
        value = cls._input_number(name, value, Decimal)
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise cls._input_out_of_range(name, value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise cls._input_out_of_range(name, value)
        return value

    @classmethod
    def _input_moment(cls, name, value, convert):
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = convert(value.strip())
            except ValueError:
                raise cls._input_error(
                    'telco_base.msg_input_not_date', name,
                    value=shown(value)) from None
        return value

    @classmethod
    def _input_date(cls, name, value, bound):
        value = cls._input_moment(name, value, dt.date.fromisoformat)
        if isinstance(value, dt.datetime):
            # Tryton refuses a time in a date
            raise cls._input_error(
                'telco_base.msg_input_not_date', name, value=shown(value))
        return value

    @classmethod
    def _input_datetime(cls, name, value, bound):
        return cls._input_moment(name, value, dt.datetime.fromisoformat)

    _input_timestamp = _input_datetime

