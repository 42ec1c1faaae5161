# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from contextlib import contextmanager

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import PlatformBillingError


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "How the platform invoices its operators"
    __name__ = 'telco.platform.configuration'
    __string__ = "Platform Billing Configuration"

    # not "company": the configuration is the platform's, not an operator's
    platform_company = fields.Many2One(
        'company.company', "Platform Company", ondelete='RESTRICT',
        help="The company of the platform: it invoices the operators and "
        "receives their payments.  Operators' staff never see it.")
    account_revenue = fields.Many2One(
        'account.account', "Revenue Account", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('platform_company', -1)),
            ('type.revenue', '=', True),
            ('closed', '!=', True),
            ],
        states={'required': Eval('platform_company', False)})
    tax = fields.Many2One(
        'account.tax', "Tax", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('platform_company', -1)),
            ('parent', '=', None),
            ],
        help="The tax added to the subscriptions, if any.")
    payment_term = fields.Many2One(
        'account.invoice.payment_term', "Payment Term", ondelete='RESTRICT',
        help="When an invoice is due after it is issued.")
    payment_journal = fields.Many2One(
        'account.payment.journal', "Card Payment Journal",
        ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('platform_company', -1)),
            ('process_method', '=', 'stripe'),
            ],
        states={'required': Eval('platform_company', False)},
        help="The Stripe journal the operators pay their invoices on.")
    dunning_procedure = fields.Many2One(
        'account.dunning.procedure', "Dunning Procedure",
        ondelete='RESTRICT',
        help="The reminders of an unpaid invoice and when the operator "
        "becomes read-only, then suspended (on each level).")
    invoice_days_before = fields.Integer(
        "Days Before", required=True,
        domain=[
            ('invoice_days_before', '>=', 0),
            ('invoice_days_before', '<=', 28),
            ],
        help="How many days before a month starts its invoices are "
        "issued.")

    @classmethod
    def default_invoice_days_before(cls):
        return 7

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        if field_names is None or 'platform_company' in field_names:
            cls._set_payment_crons(records)

    @classmethod
    def _set_payment_crons(cls, records):
        """The crons of the card payments search the payments of the
        company they run for: they run for the platform's company"""
        pool = Pool()
        Cron = pool.get('ir.cron')
        companies = [r.platform_company.id for r in records
            if r.platform_company]
        if not companies:
            return
        with without_check_access():
            crons = Cron.search([
                    ['OR',
                        ('method', 'like', 'account.payment|stripe_%'),
                        ('method', 'like', 'account.payment.stripe.%'),
                        ('method', '=',
                            'account.payment.journal|cron_post_clearing_moves'),
                        ],
                    ])
            Cron.write(crons, {'companies': [('add', companies)]})

    @classmethod
    def get_platform(cls):
        "Return the configuration, refusing when the platform has no company"
        config = cls(1)
        if not config.platform_company:
            raise PlatformBillingError(gettext(
                    'telco_platform.msg_platform_not_configured'))
        return config


@contextmanager
def platform_side():
    """Act as the platform: root, in the platform's company.

    The operators' staff reach the platform's invoices, payments and Stripe
    records only through the methods that use it, each on the records of
    their own operator."""
    pool = Pool()
    Configuration = pool.get('telco.platform.configuration')
    transaction = Transaction()
    with transaction.set_user(0), transaction.set_context(
            _check_access=False):
        config = Configuration.get_platform()
        with transaction.set_context(company=config.platform_company.id):
            yield config
