# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond.model import fields
from trytond.modules.telco_dashboard.breakdown import Division
from trytond.modules.telco_dashboard.figure import customers_at
from trytond.modules.telco_dashboard.kpi import KPI, count, fetch_one, rate
from trytond.modules.telco_dashboard.recommendation import Signal
from trytond.modules.telco_dashboard.segment import Measure, by_segment
from trytond.modules.telco_line.dashboard import lines_at
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


def revenue_lines(invoice, line, company_id, start, end):
    "Clause of the lines of the customer invoices posted in the dates"
    return ((invoice.company == company_id)
        & (invoice.type == 'out')
        & invoice.state.in_(['posted', 'paid'])
        & (invoice.invoice_date >= start)
        & (invoice.invoice_date <= end)
        & (line.type == 'line'))


class Figure(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.figure'

    @classmethod
    def kpis(cls):
        return super().kpis() + [
            KPI('revenue', 'telco_billing.msg_kpi_revenue',
                'telco_billing.msg_kpi_revenue_help',
                cls._kpi_revenue, cls._records_invoices,
                feature='billing', unit='amount', sequence=30),
            KPI('arpu_customer', 'telco_billing.msg_kpi_arpu_customer',
                'telco_billing.msg_kpi_arpu_customer_help',
                cls._kpi_arpu_customer, cls._records_invoices,
                feature='billing', unit='amount', sequence=31),
            KPI('arpu_line', 'telco_billing.msg_kpi_arpu_line',
                'telco_billing.msg_kpi_arpu_line_help',
                cls._kpi_arpu_line, cls._records_invoices,
                feature='billing', unit='amount', sequence=32),
            KPI('receivable', 'telco_billing.msg_kpi_receivable',
                'telco_billing.msg_kpi_receivable_help',
                cls._kpi_receivable, cls._records_unpaid,
                feature='billing', unit='amount', better='down',
                sequence=33),
            KPI('overdue', 'telco_billing.msg_kpi_overdue',
                'telco_billing.msg_kpi_overdue_help',
                cls._kpi_overdue, cls._records_overdue,
                feature='billing', unit='amount', better='down',
                sequence=34),
            KPI('quotes_sent', 'telco_billing.msg_kpi_quotes_sent',
                'telco_billing.msg_kpi_quotes_sent_help',
                cls._kpi_quotes_sent, cls._records_quotes_sent,
                feature='billing', sequence=35),
            KPI('quotes_accepted', 'telco_billing.msg_kpi_quotes_accepted',
                'telco_billing.msg_kpi_quotes_accepted_help',
                cls._kpi_quotes_accepted, cls._records_quotes_accepted,
                feature='billing', unit='percentage', sequence=36),
            ]

    @classmethod
    def _kpi_revenue(cls, company_id, start, end):
        pool = Pool()
        invoice = pool.get('account.invoice').__table__()
        line = pool.get('account.invoice.line').__table__()
        amount = fetch_one(line.join(
                invoice, condition=line.invoice == invoice.id).select(
                Sum(line.quantity * line.unit_price),
                where=revenue_lines(invoice, line, company_id, start, end)))
        return Decimal(amount or 0).quantize(Decimal('0.001'))

    @classmethod
    def _records_invoices(cls, company_id, start, end):
        return 'account.invoice', [
            ('company', '=', company_id),
            ('type', '=', 'out'),
            ('state', 'in', ['posted', 'paid']),
            ('invoice_date', '>=', start),
            ('invoice_date', '<=', end),
            ], 'account_invoice.act_invoice_out_form'

    @classmethod
    def _kpi_arpu_customer(cls, company_id, start, end):
        party = Pool().get('party.party').__table__()
        customers = count(party, customers_at(party, company_id, end))
        return rate(cls._kpi_revenue(company_id, start, end), customers, 1)

    @classmethod
    def _kpi_arpu_line(cls, company_id, start, end):
        line = Pool().get('telco.line').__table__()
        lines = count(line, lines_at(line, company_id, end))
        return rate(cls._kpi_revenue(company_id, start, end), lines, 1)

    @classmethod
    def _receivable(cls, company_id, end, overdue=False):
        "What customers owed at the end of the date, or of it overdue"
        pool = Pool()
        line = pool.get('account.move.line').__table__()
        move = pool.get('account.move').__table__()
        account = pool.get('account.account').__table__()
        type_ = pool.get('account.account.type').__table__()
        reconciliation = pool.get('account.move.reconciliation').__table__()
        where = ((move.company == company_id)
            & (move.state == 'posted')
            & (move.date <= end)
            & (line.party != Null)
            & (type_.receivable == Literal(True))
            & ((line.reconciliation == Null) | (reconciliation.date > end)))
        if overdue:
            where &= Coalesce(line.maturity_date, move.date) < end
        amount = fetch_one(line
            .join(move, condition=line.move == move.id)
            .join(account, condition=line.account == account.id)
            .join(type_, condition=account.type == type_.id)
            .join(reconciliation, 'LEFT',
                condition=line.reconciliation == reconciliation.id)
            .select(Sum(line.debit - line.credit), where=where))
        return Decimal(amount or 0).quantize(Decimal('0.001'))

    @classmethod
    def _kpi_receivable(cls, company_id, start, end):
        return cls._receivable(company_id, end)

    @classmethod
    def _kpi_overdue(cls, company_id, start, end):
        return cls._receivable(company_id, end, overdue=True)

    @classmethod
    def _records_unpaid(cls, company_id, start, end):
        return 'account.invoice', [
            ('company', '=', company_id),
            ('type', '=', 'out'),
            ('state', '=', 'posted'),
            ('invoice_date', '<=', end),
            ], 'account_invoice.act_invoice_out_form'

    @classmethod
    def _quotes_sent(cls, quote, company_id, start, end):
        return ((quote.company == company_id)
            & (quote.state != 'draft')
            & (quote.quote_date >= start) & (quote.quote_date <= end))

    @classmethod
    def _kpi_quotes_sent(cls, company_id, start, end):
        quote = Pool().get('telco.quote').__table__()
        return count(quote, cls._quotes_sent(quote, company_id, start, end))

    @classmethod
    def _kpi_quotes_accepted(cls, company_id, start, end):
        quote = Pool().get('telco.quote').__table__()
        sent = cls._quotes_sent(quote, company_id, start, end)
        return rate(
            count(quote, sent & (quote.state == 'accepted')),
            count(quote, sent))

    @classmethod
    def _records_quotes_sent(cls, company_id, start, end):
        return 'telco.quote', [
            ('company', '=', company_id),
            ('state', '!=', 'draft'),
            ('quote_date', '>=', start),
            ('quote_date', '<=', end),
            ], 'telco_billing.act_quote_form'

    @classmethod
    def _records_quotes_accepted(cls, company_id, start, end):
        model, domain, action = cls._records_quotes_sent(
            company_id, start, end)
        return model, domain + [('state', '=', 'accepted')], action

    @classmethod
    def _records_overdue(cls, company_id, start, end):
        return 'account.invoice', [
            ('company', '=', company_id),
            ('type', '=', 'out'),
            ('state', '=', 'posted'),
            ('lines_to_pay.maturity_date', '<', end),
            ], 'account_invoice.act_invoice_out_form'


class Breakdown(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.breakdown'

    @classmethod
    def divisions(cls):
        return super().divisions() + [
            Division('revenue_product',
                'telco_billing.msg_division_revenue_product',
                'telco_billing.msg_division_revenue_product_help',
                cls._division_revenue_product, cls._records_revenue_product,
                'product.product', feature='billing', unit='amount',
                sequence=30),
            ]

    @classmethod
    def _division_revenue_product(cls, company_id, start, end):
        pool = Pool()
        invoice = pool.get('account.invoice').__table__()
        line = pool.get('account.invoice.line').__table__()
        return line.join(invoice, condition=line.invoice == invoice.id
            ).select(line.product, Sum(line.quantity * line.unit_price),
                where=revenue_lines(invoice, line, company_id, start, end),
                group_by=[line.product])

    @classmethod
    def _records_revenue_product(cls, company_id, start, end, product):
        return cls._records_revenue_with(
            company_id, start, end, ('lines.product', '=', product))

    @classmethod
    def _records_revenue_with(cls, company_id, start, end, clause):
        "The window of the invoices of the revenue of the months, with clause"
        model, domain, action = Pool().get(
            'telco.dashboard.figure')._records_invoices(
            company_id, start, end)
        return model, domain + [clause], action


class SegmentMeasuresMixin:
    __slots__ = ()
    revenue = fields.Numeric(
        "Revenue", digits=(16, 3), readonly=True,
        help="Untaxed amount of the customers' invoices posted in the "
        "months.")


class Segment(SegmentMeasuresMixin, metaclass=PoolMeta):
    __name__ = 'telco.dashboard.segment'

    @classmethod
    def measures(cls):
        return super().measures() + [
            Measure('revenue', cls._measure_revenue),
            ]

    @classmethod
    def _measure_revenue(cls, company_id, start, end, segments):
        pool = Pool()
        invoice = pool.get('account.invoice').__table__()
        line = pool.get('account.invoice.line').__table__()
        return by_segment(segments,
            line.join(invoice, condition=line.invoice == invoice.id),
            invoice.party, Sum(line.quantity * line.unit_price),
            revenue_lines(invoice, line, company_id, start, end))


class Statistic(SegmentMeasuresMixin, metaclass=PoolMeta):
    __name__ = 'telco.dashboard.statistic'

    arpu_customer = fields.Function(fields.Numeric(
            "ARPU per Customer", digits=(16, 2),
            help="The revenue of the segment a month on average over the "
            "months, per customer of the segment at the end of the last "
            "month."),
        'get_arpu')
    arpu_line = fields.Function(fields.Numeric(
            "ARPU per Line", digits=(16, 2),
            help="The revenue of the segment a month on average over the "
            "months, per line of its customers in service at the end of the "
            "last month."),
        'get_arpu')

    @classmethod
    def columns(cls):
        return super().columns() + ['arpu_customer', 'arpu_line']

    def get_arpu(self, name):
        count = self.customers if name == 'arpu_customer' else self.lines
        if not count or self.revenue is None:
            return None
        return (self.revenue / self.months() / count).quantize(
            Decimal('0.01'))


class ChurnRisk(metaclass=PoolMeta):
    __name__ = 'telco.dashboard.churn_risk'

    @classmethod
    def signals(cls):
        return super().signals() + [
            Signal('overdue', 'telco_billing.msg_signal_overdue', 30,
                cls._signal_overdue),
            Signal('falling_spend', 'telco_billing.msg_signal_falling_spend',
                20, cls._signal_falling_spend),
            Signal('commitment', 'telco_billing.msg_signal_commitment', 15,
                cls._signal_commitment),
            ]

    @classmethod
    def _signal_overdue(cls, company_id, date):
        "A receivable of the customer unpaid after its due date"
        pool = Pool()
        line = pool.get('account.move.line').__table__()
        move = pool.get('account.move').__table__()
        account = pool.get('account.account').__table__()
        type_ = pool.get('account.account.type').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line
            .join(move, condition=line.move == move.id)
            .join(account, condition=line.account == account.id)
            .join(type_, condition=account.type == type_.id)
            .select(line.party,
                where=(move.company == company_id)
                & (move.state == 'posted')
                & (line.party != Null)
                & (type_.receivable == Literal(True))
                & (line.reconciliation == Null)
                & (line.debit > line.credit)
                & (Coalesce(line.maturity_date, move.date) < date),
                group_by=[line.party]))
        return {p for p, in cursor}

    @classmethod
    def _signal_falling_spend(cls, company_id, date):
        """The invoices of the last 3 months come to less than 70 % of
        those of the 3 months before"""
        pool = Pool()
        invoice = pool.get('account.invoice').__table__()
        line = pool.get('account.invoice.line').__table__()
        cursor = Transaction().connection.cursor()
        recent = date - relativedelta(months=3)
        before = date - relativedelta(months=6)
        amount = line.quantity * line.unit_price
        last = Sum(amount, filter_=invoice.invoice_date > recent)
        previous = Sum(amount, filter_=invoice.invoice_date <= recent)
        cursor.execute(*line
            .join(invoice, condition=line.invoice == invoice.id)
            .select(invoice.party,
                where=revenue_lines(
                    invoice, line, company_id,
                    before + relativedelta(days=1), date),
                group_by=[invoice.party],
                having=(previous > 0)
                & (Coalesce(last, 0) < previous * Decimal('0.7'))))
        return {p for p, in cursor}

    @classmethod
    def _signal_commitment(cls, company_id, date):
        "A running subscription of the customer ends within 60 days"
        subscription = Pool().get('sale.subscription').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*subscription.select(subscription.party,
                where=(subscription.company == company_id)
                & (subscription.state == 'running')
                & (subscription.end_date != Null)
                & (subscription.end_date >= date)
                & (subscription.end_date <= date + relativedelta(days=60)),
                group_by=[subscription.party]))
        return {p for p, in cursor}
