# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bill run's engine: bills a batch of payer accounts with set-based
SQL (consumptions, invoices, their lines and taxes inserted in bulk, the
taxes computed by Tryton's own tax engine once per distinct set of
lines)."""
import datetime as dt
from collections import defaultdict
from itertools import groupby

from sql import Literal, Null, Values, With
from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.modules.account.tax import TaxableMixin
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import BillRunError


def rows_per_insert(columns):
    "How many rows one INSERT may carry within the backend's parameter limit"
    return max(1, backend.MAX_QUERY_PARAMS // columns)


class _Taxes(TaxableMixin):
    "The taxes of one invoice's lines, computed by Tryton's tax engine"

    def __init__(self, company, currency, lines, date):
        self.company = company
        self.currency = currency
        self._lines = lines
        self._date = date

    @property
    def taxable_lines(self):
        return self._lines

    @property
    def tax_date(self):
        return self._date

    def _get_tax_context(self):
        return {'company': self.company.id}


class Biller:
    "Bills a batch of payer accounts of an operator with set-based SQL"

    def __init__(self, company, date, run=None):
        pool = Pool()
        self.company = company
        self.date = date
        self.run = run
        self.pool = pool
        self.transaction = Transaction()
        self.cursor = self.transaction.connection.cursor()
        self.user = self.transaction.user
        self.now = dt.datetime.now()
        self._products = {}
        self._taxes = {}
        self._rulesets = {}
        self._next_dates = {}

    def _insert(self, table, columns, rows):
        """Insert the rows and return their ids in the same order: reserved
        beforehand where the backend can (as ModelSQL.create does), else
        inserted one by one"""
        database = self.transaction.database
        connection = self.transaction.connection
        cursor = self.cursor
        ids = []
        size = rows_per_insert(len(columns) + 1)
        for sub_rows in grouped_slice(rows, size):
            sub_rows = list(sub_rows)
            new_ids = database.nextid(
                connection, table._name, count=len(sub_rows))
            if new_ids is None:
                for row in sub_rows:
                    cursor.execute(*table.insert(columns, [row]))
                    ids.append(database.lastid(cursor))
                continue
            if len(sub_rows) == 1:
                new_ids = [new_ids]
            cursor.execute(*table.insert(
                    columns + [table.id],
                    [row + [id_] for row, id_ in zip(sub_rows, new_ids)]))
            ids.extend(new_ids)
        return ids

    # --- consumptions -------------------------------------------------

    def _next_date(self, recurrence_id, start_date, date):
        pool = self.pool
        RuleSet = pool.get('sale.subscription.recurrence.rule.set')
        key = (recurrence_id, start_date, date)
        if key not in self._next_dates:
            rruleset = self._rulesets.get(key[:2])
            if rruleset is None:
                rruleset = self._rulesets[key[:2]] = (
                    RuleSet(recurrence_id).rruleset(start_date))
            next_ = rruleset.after(
                dt.datetime.combine(date, dt.time()), inc=False)
            self._next_dates[key] = next_.date() if next_ else None
        return self._next_dates[key]

    def consume(self, account_ids):
        """Create the consumptions due for the lines of the accounts and move
        the lines to their next consumption date"""
        pool = self.pool
        Subscription = pool.get('sale.subscription')
        Line = pool.get('sale.subscription.line')
        Consumption = pool.get('sale.subscription.line.consumption')
        subscription = Subscription.__table__()
        line = Line.__table__()
        consumption = Consumption.__table__()
        cursor = self.cursor
        cursor.execute(*line.join(subscription,
                condition=line.subscription == subscription.id
                ).select(
                line.id, line.subscription, line.quantity,
                line.consumption_recurrence, line.start_date,
                line.next_consumption_date, line.end_date,
                subscription.end_date,
                where=subscription.payer_account.in_(account_ids)
                & (subscription.company == self.company.id)
                & (subscription.state == 'running')
                & (line.consumption_recurrence != Null)
                & (line.next_consumption_date <= self.date),
                order_by=[line.id]))
        values = []
        moves = defaultdict(list)
        to_process = set()
        for (line_id, subscription_id, quantity, recurrence, start,
                next_date, end_date, sub_end_date) in cursor.fetchall():
            end = min(filter(None, [end_date, sub_end_date]),
                default=dt.date.max)
            while next_date and next_date <= self.date:
                if next_date < end:
                    values.append([
                            line_id, quantity, next_date,
                            self.user, self.now])
                next_date = self._next_date(recurrence, start, next_date)
                if next_date and next_date > end:
                    next_date = None
            if next_date:
                consumed_until = next_date - dt.timedelta(days=1)
            else:
                consumed_until = end_date or sub_end_date
                to_process.add(subscription_id)
            moves[(next_date, consumed_until)].append(line_id)
        for sub_values in grouped_slice(values, rows_per_insert(5)):
            cursor.execute(*consumption.insert(
                    [consumption.line, consumption.quantity,
                        consumption.date, consumption.create_uid,
                        consumption.create_date],
                    list(sub_values)))
        for (next_date, consumed_until), line_ids in moves.items():
            for sub_ids in grouped_slice(line_ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*line.update(
                        [line.next_consumption_date, line.consumed_until,
                            line.write_uid, line.write_date],
                        [next_date, consumed_until, self.user, self.now],
                        where=line.id.in_(list(sub_ids))))
        if to_process:
            Subscription.process(Subscription.browse(list(to_process)))
        return len(values)

    # --- invoices -----------------------------------------------------

    def _product(self, product_id, party_rule):
        "Revenue account and tax ids of the product for the party's rule"
        key = (product_id, party_rule)
        if key not in self._products:
            pool = self.pool
            Product = pool.get('product.product')
            Rule = pool.get('account.tax.rule')
            with Transaction().set_context(
                    company=self.company.id, date=self.date):
                product = Product(product_id)
                # without one, account_product refuses with the product's
                # name (AccountError) and the bill run stops
                account = product.account_revenue_used
                taxes = set()
                rule = Rule(party_rule) if party_rule else None
                pattern = {'date': self.date}
                for tax in product.customer_taxes_used:
                    if rule:
                        taxes.update(rule.apply(tax, pattern) or [])
                    else:
                        taxes.add(tax.id)
                if rule:
                    taxes.update(rule.apply(None, pattern) or [])
            self._products[key] = (account.id, tuple(sorted(taxes)))
        return self._products[key]

    def _compute_taxes(self, currency, lines):
        """Return the tax lines of an invoice as (tax, base, amount, account),
        the same as account.invoice would compute"""
        pool = self.pool
        Tax = pool.get('account.tax')
        Currency = pool.get('currency.currency')
        key = (currency, tuple(lines))
        if key not in self._taxes:
            taxable = _Taxes(
                self.company, Currency(currency),
                [(Tax.browse(t), price, qty, None) for t, price, qty in lines],
                self.date)
            self._taxes[key] = [
                (tl.tax.id if tl.tax else None, tl.base, tl.amount,
                    tl.account.id if tl.account else None)
                for tl in taxable._get_taxes().values()]
        return self._taxes[key]

    def _parties(self, party_ids):
        """Return for each party its receivable account, payment term, tax
        rule, invoice address and tax identifier as the invoice would"""
        pool = self.pool
        Configuration = pool.get('account.configuration')
        Party = pool.get('party.party')
        PartyAccount = pool.get('party.party.account')
        PartyPaymentTerm = pool.get('party.party.payment_term')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        cursor = self.cursor
        config = Configuration(1)
        company_id = self.company.id
        receivable = config.get_multivalue(
            'default_account_receivable', company=company_id)
        term = config.get_multivalue(
            'default_customer_payment_term', company=company_id)
        result = {p: {
                'account': receivable.id if receivable else None,
                'payment_term': term.id if term else None,
                'tax_rule': None,
                'address': None,
                'tax_identifier': None,
                } for p in party_ids}
        party_account = PartyAccount.__table__()
        party_term = PartyPaymentTerm.__table__()
        address = Address.__table__()
        identifier = Identifier.__table__()
        for sub_ids in grouped_slice(party_ids, backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            cursor.execute(*party_account.select(
                    party_account.party, party_account.account_receivable,
                    party_account.customer_tax_rule,
                    where=party_account.party.in_(sub_ids)
                    & (party_account.company == company_id)))
            for party, account, rule in cursor:
                if account:
                    result[party]['account'] = account
                result[party]['tax_rule'] = rule
            where = party_term.party.in_(sub_ids) & (
                party_term.customer_payment_term != Null)
            if 'company' in PartyPaymentTerm._fields:
                where &= party_term.company == company_id
            cursor.execute(*party_term.select(
                    party_term.party, party_term.customer_payment_term,
                    where=where))
            for party, term_id in cursor:
                result[party]['payment_term'] = term_id
            # as party.address_get('invoice'): the first invoice address,
            # else the first address
            cursor.execute(*address.select(
                    address.party, address.id, address.invoice,
                    where=address.party.in_(sub_ids)
                    & (address.active == Literal(True)),
                    order_by=[
                        address.party, address.sequence.nulls_first,
                        address.id]))
            for party, rows in groupby(cursor, key=lambda r: r[0]):
                rows = list(rows)
                invoice = [r[1] for r in rows if r[2]]
                result[party]['address'] = (invoice or [rows[0][1]])[0]
            cursor.execute(*identifier.select(
                    identifier.party, identifier.id,
                    where=identifier.party.in_(sub_ids)
                    & identifier.type.in_(
                        list(Party.tax_identifier_types()) or [''])
                    & (identifier.active == Literal(True)),
                    order_by=[
                        identifier.party, identifier.sequence.nulls_first,
                        identifier.id]))
            for party, rows in groupby(cursor, key=lambda r: r[0]):
                result[party]['tax_identifier'] = next(rows)[1]
        return result

    def bill(self, account_ids):
        """Bill the payer accounts: return the ids of the invoices created,
        one per payer account and currency with services due"""
        pool = self.pool
        Journal = pool.get('account.journal')
        PayerAccount = pool.get('telco.payer_account')
        Subscription = pool.get('sale.subscription')
        Line = pool.get('sale.subscription.line')
        Service = pool.get('sale.subscription.service')
        Consumption = pool.get('sale.subscription.line.consumption')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        InvoiceLineTax = pool.get('account.invoice.line-account.tax')
        InvoiceTax = pool.get('account.invoice.tax')
        Tax = pool.get('account.tax')
        if not account_ids:
            return []
        self.consume(account_ids)

        cursor = self.cursor
        company_id = self.company.id
        subscription = Subscription.__table__()
        line = Line.__table__()
        service = Service.__table__()
        consumption = Consumption.__table__()
        payer_account = PayerAccount.__table__()
        cursor.execute(*consumption.join(line,
                condition=consumption.line == line.id
                ).join(subscription,
                    condition=line.subscription == subscription.id
                ).join(service, condition=line.service == service.id
                ).join(payer_account,
                    condition=subscription.payer_account == payer_account.id
                ).select(
                payer_account.id, payer_account.payer,
                payer_account.invoice_address, subscription.currency,
                line.id, service.product, line.unit, line.unit_price,
                line.description, Count(consumption.id),
                consumption.quantity,
                where=subscription.payer_account.in_(account_ids)
                & (subscription.company == company_id)
                & subscription.state.in_(['running', 'closed'])
                & (consumption.invoice_line == Null)
                & (consumption.date <= self.date),
                group_by=[
                    payer_account.id, payer_account.payer,
                    payer_account.invoice_address, subscription.currency,
                    line.id, service.product, line.unit, line.unit_price,
                    line.description, consumption.quantity],
                order_by=[
                    payer_account.id, subscription.currency, line.id]))
        rows = cursor.fetchall()
        if not rows:
            return []
        # one invoice line per subscription line, as the standard does
        invoices = {}
        for row in rows:
            (account_id, payer, address, currency, line_id, product, unit,
                unit_price, description, count, quantity) = row
            key = (account_id, currency)
            invoice = invoices.setdefault(key, {
                    'payer': payer, 'address': address, 'lines': {}})
            values = invoice['lines'].setdefault(line_id, [
                    product, unit, unit_price, description, 0.0])
            values[4] += count * quantity

        parties = self._parties(
            sorted({i['payer'] for i in invoices.values()}))
        with Transaction().set_context(company=company_id):
            journal = Journal.find({'type': 'revenue'})
        if not journal:
            raise BillRunError(gettext(
                    'telco_billing.msg_bill_run_no_journal',
                    company=self.company.rec_name))
        run_id = self.run.id if self.run else None
        invoice_table = Invoice.__table__()
        invoice_keys = list(invoices)
        for key in invoice_keys:
            if not parties[invoices[key]['payer']]['account']:
                raise BillRunError(gettext(
                        'telco_billing.msg_bill_run_no_receivable',
                        payer=pool.get('party.party')(
                            invoices[key]['payer']).rec_name))
        description = gettext(
            'telco_billing.msg_bill_run_description', date=self.date)
        columns = [
            invoice_table.company, invoice_table.type, invoice_table.party,
            invoice_table.invoice_address, invoice_table.currency,
            invoice_table.journal, invoice_table.account,
            invoice_table.payment_term, invoice_table.invoice_date,
            invoice_table.state, invoice_table.description,
            invoice_table.party_tax_identifier,
            invoice_table.payer_account, invoice_table.bill_run,
            invoice_table.create_uid, invoice_table.create_date]
        values = []
        for account_id, currency in invoice_keys:
            invoice = invoices[(account_id, currency)]
            party = parties[invoice['payer']]
            values.append([
                    company_id, 'out', invoice['payer'],
                    invoice['address'] or party['address'], currency,
                    journal.id, party['account'], party['payment_term'],
                    self.date, 'draft', description,
                    party['tax_identifier'], account_id, run_id,
                    self.user, self.now])
        ids = dict(zip(
            invoice_keys, self._insert(invoice_table, columns, values)))

        line_table = InvoiceLine.__table__()
        line_tax = InvoiceLineTax.__table__()
        tax_table = InvoiceTax.__table__()
        line_values, line_taxes, tax_values = [], [], []
        for key in invoice_keys:
            invoice = invoices[key]
            invoice_id = ids[key]
            currency = key[1]
            rule = parties[invoice['payer']]['tax_rule']
            taxable = []
            for sequence, (line_id, values) in enumerate(
                    invoice['lines'].items(), 1):
                product, unit, unit_price, description, quantity = values
                account, taxes = self._product(product, rule)
                line_values.append([
                        invoice_id, company_id, currency, 'out',
                        invoice['payer'], 'line', sequence, quantity, unit,
                        product, unit_price, description, account,
                        'sale.subscription.line,%s' % line_id,
                        self.user, self.now])
                line_taxes.append(taxes)
                taxable.append((taxes, unit_price, quantity))
            for tax_id, base, amount, account in self._compute_taxes(
                    currency, taxable):
                tax_values.append([
                        invoice_id, tax_id, base, amount, account, False,
                        self.user, self.now])
        line_ids = self._insert(line_table, [
                line_table.invoice, line_table.company,
                line_table.currency, line_table.invoice_type,
                line_table.party, line_table.type,
                line_table.sequence, line_table.quantity,
                line_table.unit, line_table.product,
                line_table.unit_price, line_table.description,
                line_table.account, line_table.origin,
                line_table.create_uid, line_table.create_date],
            line_values)
        relation = [
            [line_id, tax_id, self.user, self.now]
            for line_id, taxes in zip(line_ids, line_taxes)
            for tax_id in taxes]
        for sub_values in grouped_slice(relation, rows_per_insert(4)):
            cursor.execute(*line_tax.insert(
                    [line_tax.line, line_tax.tax, line_tax.create_uid,
                        line_tax.create_date], list(sub_values)))
        if tax_values:
            taxes = {t.id: t for t in Tax.browse(
                    list({v[1] for v in tax_values if v[1]}))}
            for values in tax_values:
                tax = taxes.get(values[1])
                values[6:6] = [
                    tax.description if tax else '',
                    tax.legal_notice if tax else None]
            for sub_values in grouped_slice(tax_values, rows_per_insert(10)):
                cursor.execute(*tax_table.insert(
                        [tax_table.invoice, tax_table.tax, tax_table.base,
                            tax_table.amount, tax_table.account,
                            tax_table.manual, tax_table.description,
                            tax_table.legal_notice,
                            tax_table.create_uid, tax_table.create_date],
                        list(sub_values)))

        invoice_ids = [ids[k] for k in invoice_keys]
        # each consumption points to the invoice line of its subscription
        # line: the next run finds nothing left to invoice
        prefix = len(Line.__name__ + ',')
        pairs = [(int(values[13][prefix:]), line_id)
            for line_id, values in zip(line_ids, line_values)]
        for sub_pairs in grouped_slice(pairs, rows_per_insert(2)):
            invoiced = With('line', 'invoice_line', query=Values(
                    [list(p) for p in sub_pairs]))
            cursor.execute(*consumption.update(
                    [consumption.invoice_line, consumption.write_uid,
                        consumption.write_date],
                    [invoiced.invoice_line, self.user, self.now],
                    from_=[invoiced],
                    where=(consumption.line == invoiced.line)
                    & (consumption.invoice_line == Null)
                    & (consumption.date <= self.date),
                    with_=[invoiced]))
        self.move_invoice_dates(account_ids)
        return invoice_ids

    def move_invoice_dates(self, account_ids):
        "Move the subscriptions billed to their next invoice date"
        pool = self.pool
        Subscription = pool.get('sale.subscription')
        subscription = Subscription.__table__()
        cursor = self.cursor
        cursor.execute(*subscription.select(
                subscription.id, subscription.invoice_recurrence,
                subscription.invoice_start_date, subscription.start_date,
                subscription.next_invoice_date,
                where=subscription.payer_account.in_(account_ids)
                & (subscription.company == self.company.id)
                & (subscription.state == 'running')
                & (subscription.next_invoice_date <= self.date)))
        moves = defaultdict(list)
        for (subscription_id, recurrence, invoice_start, start,
                next_date) in cursor.fetchall():
            while next_date and next_date <= self.date:
                next_date = self._next_date(
                    recurrence, invoice_start or start, next_date)
            moves[next_date].append(subscription_id)
        for next_date, ids in moves.items():
            for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*subscription.update(
                        [subscription.next_invoice_date,
                            subscription.write_uid, subscription.write_date],
                        [next_date, self.user, self.now],
                        where=subscription.id.in_(list(sub_ids))))
