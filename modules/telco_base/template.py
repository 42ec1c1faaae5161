# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Templates written by users.

A Genshi template evaluates Python: from the record it is given, an
expression reaches every model (``__class__``, relations, methods that
write).  A template that a user writes may therefore use only a fixed set
of placeholders, the exact expressions the feature offers; directives
(``py:if``, ``py:for`` …) and code blocks (``<?python ?>``) are refused."""
import html

from genshi.core import START
from genshi.template import MarkupTemplate
from genshi.template import TemplateError as GenshiTemplateError
from genshi.template.base import EXEC, EXPR, SUB


def _expressions(stream):
    for kind, data, _ in stream:
        if kind == EXPR:
            yield data.source.strip()
        elif kind == SUB:
            directives, substream = data
            for directive in directives:
                yield f'py:{directive.__class__.__name__}'
            yield from _expressions(substream)
        elif kind == EXEC:
            yield '<?python ?>'
        elif kind == START:
            _, attrs = data
            for _, value in attrs:
                if isinstance(value, list):
                    yield from _expressions(value)


def forbidden_expression(content, allowed):
    """Return the first expression of the template that is not one of the
    allowed placeholders, or None"""
    try:
        template = MarkupTemplate(content)
    except GenshiTemplateError:
        # the owner of the template reports its syntax errors
        return None
    for expression in _expressions(template.stream):
        if expression not in allowed:
            return expression
    return None


def text_to_html(text):
    "A plain text, user values included, as inert HTML paragraphs"
    return html.escape(text).replace('\n', '<br/>\n')
