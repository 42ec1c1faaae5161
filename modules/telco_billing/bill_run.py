# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Monthly bill run: the recurring services of the subscriptions of payer
accounts are invoiced on the operator's billing day, one invoice per payer
account.

The standard sale_subscription path creates one invoice per subscription
through the ORM, record by record. Here each batch of payer accounts is
billed with a few set-based statements: consumptions, invoices, their lines
and taxes are inserted in bulk, the taxes computed by Tryton's own tax engine
once per distinct set of lines. A batch runs in one transaction (a queue
task): a crash undoes the whole batch and the next run bills what is still
due, so nothing is invoiced twice."""
import datetime as dt

from sql import For, Null

from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.telco_base.input import date_domain
from trytond.modules.telco_base.model import ButtonFieldsMixin, OperatorMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .biller import Biller

BATCH_SIZE = 500


class BillRun(OperatorMixin, ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    "Bill run: the monthly invoicing of an operator's payer accounts"
    __name__ = 'telco.bill_run'
    __string__ = "Bill Run"
    # set by the run and its batches only
    _button_fields = {
        'state': 'draft',
        'accounts_total': 0,
        'accounts_done': 0,
        'invoice_count': 0,
        'started': None,
        'finished': None,
        }

    date = fields.Date(
        "Billing Date", required=True,
        domain=[date_domain('date', required=True)],
        states={'readonly': Eval('state') != 'draft'},
        help="The services due until this date are invoiced, "
        "with this invoice date.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('running', "Running"),
            ('done', "Done"),
            ], "State", readonly=True, required=True, sort=False)
    accounts_total = fields.Integer("Payer Accounts", readonly=True)
    accounts_done = fields.Integer("Payer Accounts Billed", readonly=True)
    invoice_count = fields.Integer("Invoices", readonly=True)
    progress = fields.Function(
        fields.Float("Progress", digits=(1, 2)), 'get_progress')
    started = fields.DateTime("Started", readonly=True)
    finished = fields.DateTime("Finished", readonly=True)
    invoices = fields.One2Many(
        'account.invoice', 'bill_run', "Invoices", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {'readonly': Eval('state') != 'draft'}
        t = cls.__table__()
        cls._sql_constraints += [
            ('company_date_unique', Unique(t, t.company, t.date),
                'telco_billing.msg_bill_run_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality(cardinality='low')),
                where=t.state == 'running'))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'running'),
            ('running', 'running'),
            ('done', 'running'),
            }
        cls._buttons.update({
                # only a draft run is run by users: a running one is on its
                # way, a done one has billed what was due at its date (the
                # cron may run it again on its billing day)
                'run': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_accounts_total(cls):
        return 0

    default_accounts_done = default_accounts_total
    default_invoice_count = default_accounts_total

    def get_rec_name(self, name):
        return '%s %s' % (self.company.rec_name, self.date)

    def get_progress(self, name):
        if not self.accounts_total:
            return 1.0 if self.state == 'done' else 0.0
        return round(self.accounts_done / self.accounts_total, 2)

    @classmethod
    def copy(cls, runs, default=None):
        default = default.copy() if default is not None else {}
        for name in ['started', 'finished', 'invoices']:
            default.setdefault(name, None)
        for name in ['accounts_total', 'accounts_done', 'invoice_count']:
            default.setdefault(name, 0)
        return super().copy(runs, default=default)

    @classmethod
    def due_payer_accounts(cls, company_id, date):
        "Ids of the payer accounts that have services due at the date"
        pool = Pool()
        Subscription = pool.get('sale.subscription')
        Line = pool.get('sale.subscription.line')
        Consumption = pool.get('sale.subscription.line.consumption')
        subscription = Subscription.__table__()
        line = Line.__table__()
        consumption = Consumption.__table__()
        cursor = Transaction().connection.cursor()
        base = (subscription.company == company_id) & (
            subscription.payer_account != Null)
        due_lines = line.join(subscription,
            condition=line.subscription == subscription.id
            ).select(subscription.payer_account,
                where=base & (subscription.state == 'running')
                & (line.consumption_recurrence != Null)
                & (line.next_consumption_date <= date))
        pending = consumption.join(line,
            condition=consumption.line == line.id
            ).join(subscription,
                condition=line.subscription == subscription.id
            ).select(subscription.payer_account,
                where=base & subscription.state.in_(['running', 'closed'])
                & (consumption.invoice_line == Null)
                & (consumption.date <= date))
        cursor.execute(*(due_lines | pending))
        return sorted({a for a, in cursor} | set(
                cls._other_due_payer_accounts(company_id, date)))

    @classmethod
    def _other_due_payer_accounts(cls, company_id, date):
        """Ids of the payer accounts that have something else than services
        to bill at the date (modules add theirs)"""
        return []

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def run(cls, runs):
        "Queue the billing of the due payer accounts, by batches"
        now = dt.datetime.now()
        for run in runs:
            accounts = cls.due_payer_accounts(run.company.id, run.date)
            run.accounts_total = (run.accounts_done or 0) + len(accounts)
            if not run.started:
                run.started = now
            run.finished = None
            if not accounts:
                run.state = 'done'
                run.finished = now
            for batch in grouped_slice(accounts, BATCH_SIZE):
                with Transaction().set_context(
                        company=run.company.id,
                        queue_name='telco_bill_run'):
                    cls.__queue__.bill_batch([run], list(batch))
        cls.save(runs)

    @classmethod
    def bill_batch(cls, runs, account_ids):
        "Invoice the services due for the payer accounts (one transaction)"
        pool = Pool()
        PayerAccount = pool.get('telco.payer_account')
        run, = runs
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # Two runs (or a task retried) wait here: the second finds nothing
        # due for these accounts.
        PayerAccount.lock(account_ids)
        biller = Biller(run.company, run.date, run)
        invoices = biller.bill(account_ids)
        invoices = cls._bill_others(run, account_ids, invoices)
        # batches of one run finish one after the other here (SQLite locks
        # the whole database on write anyway)
        database = Transaction().database
        cursor.execute(*table.select(
                table.accounts_done, table.accounts_total,
                table.invoice_count,
                where=table.id == run.id,
                for_=For('UPDATE') if database.has_select_for() else None))
        done, total, count = cursor.fetchone()
        done += len(account_ids)
        values = {
            'accounts_done': done,
            'invoice_count': count + len(invoices),
            }
        if done >= total:
            values.update(state='done', finished=dt.datetime.now())
        cls.write([run], values)
        return invoices

    @classmethod
    def _bill_others(cls, run, account_ids, invoice_ids):
        """Add what else is due for the payer accounts to the invoices of
        the batch (ids) or to new ones; return the ids of every invoice of
        the batch (modules add theirs)"""
        return invoice_ids

    @classmethod
    def run_billing_day(cls, date=None):
        "Start the bill run of the operators whose billing day is today"
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        context = Transaction().context
        domain = [('billing_day', '!=', None)]
        if context.get('company'):
            domain.append(('id', '=', context['company']))
        runs = []
        for company in Company.search(domain):
            if 'billing' not in company.enabled_features():
                continue
            with Transaction().set_context(company=company.id):
                today = date or Date.today()
            if today.day != company.billing_day:
                continue
            existing = cls.search([
                    ('company', '=', company.id),
                    ('date', '=', today),
                    ])
            if existing:
                run, = existing
                if run.state == 'running':
                    continue
            else:
                run = cls(company=company, date=today)
                run.save()
            runs.append(run)
        if runs:
            cls.run(runs)
        return runs
