# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import logging
from decimal import Decimal

import stripe

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from . import stripe_
from .configuration import platform_side
from .exceptions import PlatformBillingError
from .proration import next_month

logger = logging.getLogger(__name__)

# from the mildest to the strictest
SERVICE_STATES = ['active', 'read_only', 'suspended']


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    platform_bills = fields.One2Many(
        'telco.platform.bill', 'company', "Platform Invoices", readonly=True)
    platform_catalogue = fields.Function(fields.Many2Many(
            'telco.feature', None, None, "Catalogue",
            help="The features the operator may subscribe to, with their "
            "monthly price."),
        'get_platform_catalogue')
    # lazy: read on My Subscription only, not with every operator
    platform_card = fields.Function(fields.Char(
            "Card", loading='lazy',
            help="The card saved to pay the invoices as they are issued."),
        'get_platform_card')
    platform_next_invoice_date = fields.Function(
        fields.Date("Next Invoice", loading='lazy'),
        'get_platform_next_invoice')
    platform_next_invoice_amount = fields.Function(fields.Numeric(
            "Next Invoice Amount", digits=(16, 2), loading='lazy',
            help="The subscriptions of the month it invoices, before "
            "taxes."),
        'get_platform_next_invoice')
    platform_amount_due = fields.Function(fields.Numeric(
            "Amount Due", digits=(16, 2), loading='lazy',
            help="What the operator's platform invoices still wait for."),
        'get_platform_amount_due')
    platform_currency_code = fields.Function(
        fields.Char("Currency", loading='lazy'),
        'get_platform_currency_code')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'platform_save_card': {
                    'icon': 'tryton-add',
                    'depends': ['platform_card'],
                    },
                'platform_subscribe': {
                    'icon': 'tryton-add',
                    },
                'platform_unsubscribe': {
                    'icon': 'tryton-remove',
                    },
                })

    # -- what My Subscription shows -----------------------------------------
    @classmethod
    def get_platform_catalogue(cls, companies, name):
        pool = Pool()
        Feature = pool.get('telco.feature')
        features = [f.id for f in Feature.search([])]
        return {c.id: features for c in companies}

    @classmethod
    def _platform_reader(cls):
        """Whether the user reads the operator's billing: its administrator
        and the platform's, not the rest of its staff"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if not Transaction().user or User.is_platform_admin():
            return True
        with without_check_access():
            group_id = ModelData.get_id('telco_base', 'group_operator_admin')
        return group_id in User.get_groups()

    def get_platform_card(self, name):
        if not self._platform_reader():
            return None
        found = self.platform_payment_method()
        return found[2] if found else None

    def get_platform_next_invoice(self, name):
        pool = Pool()
        Date = pool.get('ir.date')
        Charge = pool.get('telco.platform.charge')
        Configuration = pool.get('telco.platform.configuration')
        if not self._platform_reader():
            return None
        with without_check_access():
            config = Configuration(1)
            today = Date.today()
            month = next_month(today)
            while Charge.search([
                        ('company', '=', self.id),
                        ('period_start', '>=', month),
                        ('period_start', '<', next_month(month)),
                        ('bill.state', '!=', 'cancelled'),
                        ], limit=1):
                month = next_month(month)
            if name == 'platform_next_invoice_date':
                return max(today, month - dt.timedelta(
                        days=config.invoice_days_before or 0))
            return sum(
                (c.amount for c in Charge.for_month(self, month)),
                Decimal(0))

    @classmethod
    def get_platform_amount_due(cls, companies, name):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        if not cls._platform_reader():
            return {c.id: None for c in companies}
        amounts = {c.id: Decimal(0) for c in companies}
        with without_check_access():
            for bill in Bill.search([
                        ('company', 'in', [c.id for c in companies]),
                        ('state', '=', 'due'),
                        ]):
                amounts[bill.company.id] += bill.amount_to_pay or 0
        return amounts

    def get_platform_currency_code(self, name):
        pool = Pool()
        Configuration = pool.get('telco.platform.configuration')
        with without_check_access():
            config = Configuration(1)
            if config.platform_company:
                return config.platform_company.currency.code

    # -- the operator as the platform's customer ----------------------------
    def get_platform_party(self, create=True):
        """Return the operator's party in the platform's company (the party
        of its platform invoices and card payments), created once.

        The link is on the platform's side (party.platform_operator): no
        record of the operator refers to the platform's."""
        pool = Pool()
        Party = pool.get('party.party')
        with platform_side() as config:
            self = self.__class__(self.id)
            parties = Party.search([
                    ('platform_operator', '=', str(self)),
                    ], limit=1)
            if parties:
                return parties[0]
            if not create:
                return None
            own = self.party
            party = Party(
                name=own.name,
                company=config.platform_company,
                platform_operator=self,
                lang=self.customer_lang or own.lang,
                )
            if config.dunning_procedure:
                party.dunning_procedure = config.dunning_procedure
            address = own.address_get()
            party.addresses = [{
                    'street': address.street if address else None,
                    'postal_code': address.postal_code if address else None,
                    'city': address.city if address else None,
                    'country': (address.country.id
                        if address and address.country else None),
                    }]
            contacts = []
            if self.admin_email:
                contacts.append({'type': 'email', 'value': self.admin_email})
            party.contact_mechanisms = contacts
            party.save()
            return party

    def platform_admin_users(self):
        "The users that administer the operator (not the platform's)"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            group_id = ModelData.get_id('telco_base', 'group_operator_admin')
            platform = set(User.platform_admins())
            users = User.search([
                    ('companies', 'in', [self.id]),
                    ('groups', 'in', [group_id]),
                    ])
        return [u for u in users if u not in platform]

    def platform_notify(self, subject, body, values, resource=None,
            attachment=None, attachment_name=None):
        """Tell the operator's administrators, in the client and by e-mail,
        each in his language: subject and body are message ids"""
        pool = Pool()
        Notification = pool.get('telco.notification')
        with without_check_access():
            for user in self.platform_admin_users():
                with Transaction().set_context(
                        language=user.language.code if user.language
                        else None):
                    Notification.notify(
                        [user], gettext(subject, **values),
                        gettext(body, **values),
                        resource=resource, company=self,
                        attachment=attachment,
                        attachment_name=attachment_name)

    # -- the saved card -----------------------------------------------------
    def platform_stripe_customer(self, config, create=False):
        "The Stripe customer of the operator on the platform's account"
        pool = Pool()
        Customer = pool.get('account.payment.stripe.customer')
        account = config.payment_journal.stripe_account
        party = self.get_platform_party()
        customers = Customer.search([
                ('party', '=', party.id),
                ('stripe_account', '=', account.id),
                ], order=[('id', 'DESC')])
        with_id = [c for c in customers if c.stripe_customer_id]
        if with_id:
            return with_id[0]
        if customers:
            return customers[0]
        if create:
            customer = Customer(party=party, stripe_account=account)
            customer.save()
            return customer

    def platform_payment_method(self):
        """Return (stripe customer, payment method id, label) of the card
        the operator saved, or None.  The card Stripe lists, or when Stripe
        cannot be reached the card it listed last"""
        pool = Pool()
        Configuration = pool.get('telco.platform.configuration')
        with without_check_access():
            config = Configuration(1)
            if not config.platform_company or not config.payment_journal:
                return None
        with platform_side() as config:
            self = self.__class__(self.id)
            if not self.get_platform_party(create=False):
                return None
            customer = self.platform_stripe_customer(config)
            if not customer or not customer.stripe_customer_id:
                return None
            stripe_.configure()
            try:
                methods = customer.payment_methods()
            except stripe.StripeError as error:
                logger.warning(
                    "cards of %s not read: %s", customer.stripe_customer_id,
                    error)
                if customer.platform_payment_method:
                    return (customer, customer.platform_payment_method,
                        customer.platform_card)
                return None
            if methods:
                pm, label = methods[0]
                return customer, pm, label

    @classmethod
    def _platform_own(cls, companies):
        """Refuse the operator's administrator the other operators: only the
        platform administrator acts for any"""
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        if not transaction.user or User.is_platform_admin():
            return
        current = User._current_company()
        for company in companies:
            if company.id != current:
                raise PlatformBillingError(gettext(
                        'telco_platform.msg_not_own_operator',
                        operator=company.rec_name))

    @classmethod
    @ModelView.button_action('account_payment_stripe.url_checkout')
    def platform_save_card(cls, companies):
        pool = Pool()
        Customer = pool.get('account.payment.stripe.customer')
        if not companies:
            return
        company, = companies
        cls._platform_own([company])
        with platform_side() as config:
            company = cls(company.id)
            customer = company.platform_stripe_customer(config, create=True)
            stripe_.configure()
            try:
                action = Customer.stripe_checkout([customer])
            except stripe.StripeError as error:
                raise PlatformBillingError(gettext(
                        'telco_platform.msg_stripe_unavailable',
                        error=error.user_message or str(error))) from error
        return {'url': action['url']}

    @classmethod
    @ModelView.button_action('telco_platform.wizard_subscribe')
    def platform_subscribe(cls, companies):
        cls._platform_own(companies)

    @classmethod
    @ModelView.button_action('telco_platform.wizard_unsubscribe')
    def platform_unsubscribe(cls, companies):
        cls._platform_own(companies)

    # -- unpaid -------------------------------------------------------------
    @classmethod
    def platform_update_service_state(cls, companies):
        """Set each operator's service from the levels its unpaid invoices
        reached; an invoice whose card payment waits for Stripe to answer
        again does not count: the fault is not the operator's"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Invoice = pool.get('account.invoice')
        changed = {}
        with platform_side():
            companies = cls.browse(companies)
            for company in companies:
                state = 'active'
                party = company.get_platform_party(create=False)
                if party:
                    dunnings = Dunning.search([
                            ('party', '=', party.id),
                            ('state', 'in', ['waiting', 'final']),
                            ('blocked', '=', False),
                            ])
                    for dunning in dunnings:
                        invoice = dunning.line.move.origin
                        if (isinstance(invoice, Invoice)
                                and invoice.platform_bill
                                and invoice.platform_bill.payment_state
                                == 'retry'):
                            continue
                        level = dunning.level.operator_access or 'active'
                        state = max(state, level, key=SERVICE_STATES.index)
                if state != company.service_state:
                    changed.setdefault(state, []).append(company)
            for state, records in changed.items():
                cls.write(records, {'service_state': state})
        for state, records in changed.items():
            for company in records:
                company.platform_notify(
                    f'telco_platform.msg_service_{state}_subject',
                    f'telco_platform.msg_service_{state}_body',
                    {'operator': company.rec_name})
        return changed
