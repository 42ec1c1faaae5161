# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sources of the timeline and the ids of their rows in it."""
from sql import Column, Expression

from trytond.model import Index

# the models whose records make the timeline, each with its place in the
# ids; a module appends to it (never inserts) so that ids stay stable
SOURCES = [
    'telco.messaging.message',
    'telco.customer.email',
    'telco.claim',
    'telco.quote',
    'account.invoice',
    ]
STRIDE = 16


class RowId(Expression):
    """The id in the timeline of a source's row: id * STRIDE + index,
    written out (not as parameters) so that it is the very expression of
    the sources' indexes (``row_id_index``), which the reads of the
    timeline by id use"""
    __slots__ = ('column', 'offset')

    def __init__(self, column, offset):
        super().__init__()
        self.column = column
        self.offset = int(offset)

    def __str__(self):
        return f'(({self.column} * {STRIDE}) + {self.offset})'

    @property
    def params(self):
        return self.column.params


def row_id_index(table, model):
    """The index of a source's table on its rows' ids in the timeline (a
    B-tree: the reads by ids are ``IN`` lists, which hash indexes do not
    take)"""
    return Index(table, (
            RowId(Column(table, 'id'), SOURCES.index(model)),
            Index.Range()))
