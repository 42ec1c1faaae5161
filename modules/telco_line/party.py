# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from sql import Null

from trytond import backend
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice

from .line import Reverse


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    payer_accounts = fields.One2Many(
        'telco.payer_account', 'customer', "Payer Accounts",
        domain=[
            ('company', '=', Eval('company', -1)),
            ])
    lines = fields.One2Many(
        'telco.line', 'customer', "Lines",
        domain=[
            ('company', '=', Eval('company', -1)),
            ])
    sims = fields.Function(fields.Many2Many(
            'telco.sim', None, None, "SIM Cards",
            help="The SIM cards of the customer's lines."),
        'get_sims')

    @classmethod
    def get_sims(cls, parties, name):
        pool = Pool()
        Line = pool.get('telco.line')
        sims = {p.id: [] for p in parties}
        for sub in grouped_slice(
                parties, backend.MAX_QUERY_PARAMS):
            for line in Line.search([
                        ('customer', 'in', [p.id for p in sub]),
                        ('sim', '!=', None),
                        ], order=[('id', 'ASC')]):
                customer_sims = sims[line.customer.id]
                if line.sim.id not in customer_sims:
                    customer_sims.append(line.sim.id)
        return sims

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, parties):
        "Suspend customers and their active lines"
        pool = Pool()
        Line = pool.get('telco.line')
        lines = cls._lines(parties, ['active'])
        super().suspend(parties)
        Line.suspend(lines)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def reactivate(cls, parties):
        "Reactivate customers and the lines suspended with them"
        pool = Pool()
        Line = pool.get('telco.line')
        suspended = [p for p in parties if p.customer_state == 'suspended']

        def suspended_since(customer):
            # the moment the customer's suspension was written (its
            # transaction's): the lines suspended with it are dated after,
            # to the second (DateTime fields keep no fraction of second)
            changes = [h.create_date for h in customer.state_history
                if h.to_state == 'suspended' and h.create_date]
            if changes:
                return max(changes).replace(microsecond=0)
            return dt.datetime.combine(
                customer.suspension_date or dt.date.min, dt.time())

        def suspended_with_customer(line):
            since = suspended_since(line.customer)
            return any(
                h.to_state == 'suspended' and h.date >= since
                for h in line.history)
        lines = list(filter(
                suspended_with_customer,
                cls._lines(suspended, ['suspended'])))
        # the customers are active when it returns: the lines need it
        super().reactivate(parties)
        Line.activate(Line.browse(lines))

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, parties):
        "Terminate customers and their lines (churn)"
        pool = Pool()
        Line = pool.get('telco.line')
        lines = cls._lines(parties, ['active', 'suspended'])
        super().terminate(parties)
        Line.terminate(lines)

    @classmethod
    def _lines(cls, parties, states):
        "The lines of the customers in the states"
        pool = Pool()
        Line = pool.get('telco.line')
        if not parties:
            return []
        return Line.search([
                ('customer', 'in', [p.id for p in parties]),
                ('state', 'in', states),
                ])

    @classmethod
    def _telco_search_number(cls, number):
        "The search box finds the customer and the user of a line too"
        pool = Pool()
        Line = pool.get('telco.line')
        line = Line.__table__()
        return super()._telco_search_number(number) + [
            line.select(line.customer, where=line.number == number),
            line.select(line.user,
                where=(line.number == number) & (line.user != Null)),
            ]

    @classmethod
    def _telco_search_number_end(cls, digits):
        "The search box finds the lines whose number ends with the digits"
        pool = Pool()
        Line = pool.get('telco.line')
        line = Line.__table__()
        if backend.name == 'postgresql':
            where = Reverse(line.number).like(digits[::-1] + '%')
        else:
            where = line.number.like('%' + digits)
        return super()._telco_search_number_end(digits) + [
            line.select(line.customer, where=where),
            line.select(line.user, where=where & (line.user != Null)),
            ]
