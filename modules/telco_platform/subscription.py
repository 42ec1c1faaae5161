# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.telco_base.input import date_domain
from trytond.modules.telco_base.model import OperatorMixin, same_operator
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .configuration import platform_side
from .exceptions import SubscriptionError
from .proration import (
    ONE_DAY, month_end, month_periods, month_start, prorate)


class OperatorFeature(metaclass=PoolMeta):
    __name__ = 'telco.operator.feature'

    discount = fields.Numeric(
        "Discount", digits=(5, 2),
        domain=[
            ('discount', '>=', 0),
            ('discount', '<=', 100),
            ],
        help="The percentage off the catalogue's monthly price: a "
        "negotiated price (100 for free).")
    free_until = fields.Date(
        "Free Until", domain=[date_domain('free_until')],
        help="The last day of a free period (a trial): nothing is charged "
        "until then.")
    charges = fields.One2Many(
        'telco.platform.charge', 'subscription', "Charges", readonly=True)
    paid_through = fields.Function(fields.Date(
            "Charged Through",
            help="The last day the invoices already charge."),
        'get_paid_through')

    @classmethod
    def default_discount(cls):
        return Decimal(0)

    def get_paid_through(self, name):
        ends = [c.period_end for c in self.charges
            if not c.bill or c.bill.state != 'cancelled']
        return max(ends) if ends else None

    def charged_price(self):
        "The monthly price the operator pays, after its discount"
        price = self.feature.monthly_price * (
            1 - (self.discount or Decimal(0)) / 100)
        return price


class Charge(OperatorMixin, ModelSQL, ModelView):
    "A feature charged to an operator for a period, within one month"
    __name__ = 'telco.platform.charge'
    __string__ = "Platform Charge"

    subscription = fields.Many2One(
        'telco.operator.feature', "Subscription", readonly=True,
        ondelete='RESTRICT',
        help="Empty while an added feature waits for its payment.")
    feature = fields.Many2One(
        'telco.feature', "Feature", required=True, readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection([
            ('month', "Month"),
            ('addition', "Addition"),
            ], "Kind", required=True, readonly=True,
        help="A month of a running subscription, or the prorated rest of "
        "the month of a feature added.")
    period_start = fields.Date("From", required=True, readonly=True)
    period_end = fields.Date(
        "To", required=True, readonly=True,
        domain=[('period_end', '>=', Eval('period_start', None))])
    days = fields.Function(fields.Integer("Days"), 'get_days')
    monthly_price = fields.Numeric(
        "Monthly Price", digits=(16, 2), required=True, readonly=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True, readonly=True)
    currency_code = fields.Char("Currency", size=3, readonly=True)
    bill = fields.Many2One(
        'telco.platform.bill', "Invoice", readonly=True, ondelete='RESTRICT')
    state = fields.Function(fields.Selection([
                ('pending', "Pending"),
                ('due', "Due"),
                ('paid', "Paid"),
                ('cancelled', "Cancelled"),
                ], "State"), 'get_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        same_operator(cls.subscription)
        same_operator(cls.bill)
        cls._order = [
            ('period_start', 'DESC'),
            ('feature', 'ASC'),
            ('id', 'DESC'),
            ]

    def get_days(self, name):
        return (self.period_end - self.period_start).days + 1

    def get_state(self, name):
        if not self.bill:
            return 'pending'
        return {'paid': 'paid', 'cancelled': 'cancelled'}.get(
            self.bill.state, 'due')

    def get_rec_name(self, name):
        return '%s %s - %s' % (
            self.feature.rec_name, self.period_start, self.period_end)

    @property
    def description(self):
        lang = Pool().get('ir.lang').get()
        return gettext(
            'telco_platform.msg_charge_description',
            feature=self.feature.name,
            start=lang.strftime(self.period_start),
            end=lang.strftime(self.period_end))

    @classmethod
    def charged(cls, company, feature, start, end):
        "Whether a charge of the feature already covers part of the period"
        with without_check_access():
            return bool(cls.search([
                        ('company', '=', company.id),
                        ('feature', '=', feature.id),
                        ('period_start', '<=', end),
                        ('period_end', '>=', start),
                        ['OR',
                            ('bill', '=', None),
                            ('bill.state', '!=', 'cancelled'),
                            ],
                        ], limit=1))

    @classmethod
    def new_charge(cls, subscription, start, end, kind='month',
            company=None, feature=None):
        """The unsaved charge of the subscription (or of the feature to add)
        for [start, end], one month at most"""
        company = company or subscription.company
        feature = feature or subscription.feature
        price = (subscription.charged_price() if subscription
            else feature.monthly_price)
        amount = prorate(price, start, end)
        free_until = subscription.free_until if subscription else None
        if free_until and free_until >= start:
            if free_until >= end:
                amount = Decimal(0)
            else:
                amount = prorate(price, free_until + ONE_DAY, end)
        return cls(
            company=company, subscription=subscription, feature=feature,
            kind=kind, period_start=start, period_end=end,
            monthly_price=price.quantize(Decimal('0.01')),
            amount=amount.quantize(Decimal('0.01')),
            currency_code=feature.currency_code)

    @classmethod
    def for_month(cls, company, month):
        """The unsaved charges of the operator's subscriptions running in the
        month that no charge covers yet"""
        pool = Pool()
        Subscription = pool.get('telco.operator.feature')
        first, last = month_start(month), month_end(month)
        charges = []
        with without_check_access():
            subscriptions = Subscription.search([
                    ('company', '=', company.id),
                    ('start_date', '<=', last),
                    ['OR',
                        ('end_date', '=', None),
                        ('end_date', '>=', first),
                        ],
                    ('feature.active', '=', True),
                    ])
            for subscription in subscriptions:
                start = max(subscription.start_date, first)
                end = min(subscription.end_date or last, last)
                if cls.charged(company, subscription.feature, start, end):
                    continue
                charges.append(cls.new_charge(subscription, start, end))
        return charges


class SubscribeStart(ModelView):
    "Add a feature"
    __name__ = 'telco.platform.subscribe.start'
    __string__ = "Add a Feature"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    feature = fields.Many2One(
        'telco.feature', "Feature", required=True,
        domain=[('id', 'not in', Eval('running', []))])
    running = fields.Many2Many(
        'telco.feature', None, None, "Running", readonly=True)
    start_date = fields.Date(
        "From", required=True,
        domain=[('start_date', '>=', Eval('today', None))])
    today = fields.Date("Today", readonly=True)
    monthly_price = fields.Numeric(
        "Monthly Price", digits=(16, 2), readonly=True)
    amount = fields.Numeric(
        "Charged Now", digits=(16, 2), readonly=True,
        help="The prorated rest of the month, and the months already "
        "invoiced, before taxes.")
    card = fields.Char("Card", readonly=True)
    payment_note = fields.Text("Payment", readonly=True)

    @fields.depends('company', 'feature', 'start_date')
    def on_change_with_amount(self):
        pool = Pool()
        Subscribe = pool.get('telco.platform.subscribe', type='wizard')
        if self.company and self.feature and self.start_date:
            return sum((c.amount for c in Subscribe.charges_for(
                        self.company, self.feature, self.start_date)),
                Decimal(0))

    @fields.depends('feature')
    def on_change_with_monthly_price(self):
        if self.feature:
            return self.feature.monthly_price


class Subscribe(Wizard):
    "Add a feature to the operator's subscription"
    __name__ = 'telco.platform.subscribe'
    start = StateView('telco.platform.subscribe.start',
        'telco_platform.subscribe_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Subscribe", 'subscribe', 'tryton-ok', default=True),
            ])
    subscribe = StateTransition()
    checkout = StateAction('account_payment_stripe.url_checkout')

    def _company(self):
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        context = Transaction().context
        if (context.get('active_model') == 'company.company'
                and context.get('active_id')):
            company = Company(context['active_id'])
        else:
            company = Company(User._current_company())
        Company._platform_own([company])
        return company

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        company = self._company()
        today = Date.today()
        with without_check_access():
            running = [s.feature.id for s in company.features
                if s.running_on(today) or s.start_date > today]
        card = company.platform_payment_method()
        if card:
            note = gettext('telco_platform.msg_subscribe_card',
                card=card[2])
        else:
            note = gettext('telco_platform.msg_subscribe_checkout')
        return {
            'company': company.id,
            'running': running,
            'start_date': today,
            'today': today,
            'card': card[2] if card else None,
            'payment_note': note,
            }

    @classmethod
    def charges_for(cls, company, feature, start):
        """The unsaved charges of adding the feature from start: the rest of
        its month, and the months after it already invoiced"""
        pool = Pool()
        Charge = pool.get('telco.platform.charge')
        with without_check_access():
            invoiced = Charge.search([
                    ('company', '=', company.id),
                    ['OR',
                        ('bill', '=', None),
                        ('bill.state', '!=', 'cancelled'),
                        ],
                    ], order=[('period_end', 'DESC')], limit=1)
        until = max(month_end(start),
            invoiced[0].period_end if invoiced else start)
        return [Charge.new_charge(None, first, last, kind='addition',
                company=company, feature=feature)
            for first, last in month_periods(start, month_end(until))]

    def transition_subscribe(self):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Subscription = pool.get('telco.operator.feature')
        Date = pool.get('ir.date')
        company = self._company()
        feature = self.start.feature
        start = self.start.start_date
        if start < Date.today():
            raise SubscriptionError(gettext(
                    'telco_platform.msg_subscribe_past', date=start))
        with without_check_access():
            others = Subscription.search([
                    ('company', '=', company.id),
                    ('feature', '=', feature.id),
                    ['OR',
                        ('end_date', '=', None),
                        ('end_date', '>=', start),
                        ],
                    ])
        if others:
            raise SubscriptionError(gettext(
                    'telco_platform.msg_feature_already_subscribed',
                    feature=feature.rec_name, operator=company.rec_name))
        charges = self.charges_for(company, feature, start)
        card = company.platform_payment_method()
        with platform_side():
            company = company.__class__(company.id)
            feature = feature.__class__(feature.id)
            if card:
                # a card pays at once: the feature runs from now
                subscription = Subscription(
                    company=company, feature=feature, start_date=start)
                subscription.save()
                for charge in charges:
                    charge.subscription = subscription
            bill = Bill.issue(company, charges)
            if bill and card:
                Bill.pay_with_card([bill])
        self.new_bill = bill
        if bill and not card and bill.state == 'due':
            return 'checkout'
        return 'end'

    def do_checkout(self, action):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        action['url'] = Bill.checkout_url(self.new_bill)
        return action, {}

    def end(self):
        return 'reload'


class UnsubscribeStart(ModelView):
    "Remove a feature"
    __name__ = 'telco.platform.unsubscribe.start'
    __string__ = "Remove a Feature"

    company = fields.Many2One('company.company', "Operator", readonly=True)
    subscription = fields.Many2One(
        'telco.operator.feature', "Feature", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ['OR',
                ('end_date', '=', None),
                ('end_date', '>=', Eval('date', None)),
                ],
            ])
    date = fields.Date(
        "From", required=True,
        help="The first day without the feature: it stays until the end "
        "of the period already invoiced.")
    end_date = fields.Date("Last Day", readonly=True)

    @fields.depends('subscription', 'date')
    def on_change_with_end_date(self):
        pool = Pool()
        Unsubscribe = pool.get('telco.platform.unsubscribe', type='wizard')
        if self.subscription and self.date:
            return Unsubscribe.last_day(self.subscription, self.date)


class Unsubscribe(Wizard):
    "Remove a feature from the operator's subscription"
    __name__ = 'telco.platform.unsubscribe'
    start = StateView('telco.platform.unsubscribe.start',
        'telco_platform.unsubscribe_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Remove", 'unsubscribe', 'tryton-ok', default=True),
            ])
    unsubscribe = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        Subscribe = pool.get('telco.platform.subscribe', type='wizard')
        company = Subscribe._company(self)
        values = {'company': company.id, 'date': Date.today()}
        if Transaction().context.get('active_model') == (
                'telco.operator.feature'):
            values['subscription'] = Transaction().context.get('active_id')
        return values

    @classmethod
    def last_day(cls, subscription, date):
        "The last day of the subscription removed from date"
        with without_check_access():
            paid_through = subscription.paid_through
        last = date - ONE_DAY
        if paid_through and paid_through > last:
            last = paid_through
        return max(last, subscription.start_date)

    def transition_unsubscribe(self):
        pool = Pool()
        Subscribe = pool.get('telco.platform.subscribe', type='wizard')
        Subscription = pool.get('telco.operator.feature')
        Date = pool.get('ir.date')
        company = Subscribe._company(self)
        subscription = self.start.subscription
        with without_check_access():
            subscription = Subscription(subscription.id)
            if subscription.company != company:
                raise SubscriptionError(gettext(
                        'telco_platform.msg_not_own_operator',
                        operator=subscription.company.rec_name))
        date = max(self.start.date, Date.today())
        last = self.last_day(subscription, date)
        if subscription.end_date and subscription.end_date <= last:
            raise SubscriptionError(gettext(
                    'telco_platform.msg_feature_already_ending',
                    feature=subscription.feature.rec_name,
                    date=subscription.end_date))
        with platform_side():
            Subscription.write([subscription], {'end_date': last})
        return 'end'

    def end(self):
        return 'reload'
