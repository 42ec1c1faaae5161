# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Operator isolation crawler.

Walks every model the telco modules register (and the standard models the
suite makes per operator), builds records for two operators and proves that
a user of operator A gets nothing of operator B, through the ORM as the
client's RPC calls run it, through JSON-RPC as the web client speaks it,
through the REST API of user applications and through the module routes,
whatever context the caller sends."""
import base64
import datetime as dt
import json
import logging
import secrets
import unittest
from contextlib import ExitStack
from decimal import Decimal
from functools import cache, partial

from werkzeug.test import Client

from trytond.model import ModelSQL, ModelStorage, ModelView, fields
from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.modules.telco_base.ir import USER_RULE_MODELS
from trytond.modules.telco_line.tests.tools import luhn_complete
from trytond.modules.telco_base.tests.platform import platform_modules
from trytond.modules.telco_base.tests.smtp import SMTPServer
from trytond.modules.telco_base.tests.stripe_server import StripeServer
from trytond.modules.telco_base.tests.tools import (
    assert_message, create_operator, create_staff, run_queue)
from trytond.modules.telco_billing.tests.tools import (
    create_catalogue, setup_accounting)
from trytond.modules.telco_offers.tests.tools import (
    create_customer, create_sale, tunisia)
from trytond.modules.telco_platform.configuration import platform_side
from trytond.modules.telco_platform.tests.tools import (
    WEBHOOK_SECRET, point_stripe_at, setup_platform)
from trytond.modules.telco_stock.tests.tools import (
    create_account_category, create_cash_desk, create_lots,
    create_shop, create_sim_lots, create_stock_products, imei, pos_lines,
    receive)
from trytond.i18n import gettext
from trytond.pool import Pool, isregisteredby
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.res.user import DeleteError as UserDeleteError
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from demo import roles as demo_roles

from .surface import (
    Session, fingerprint, forged_values, markers, rest_params, rpc_calls,
    wizard_states)

# the platform: every telco module and their optional modules, activated
# together so that the models the optional ones bring in are crawled too
PLATFORM = platform_modules()
MODULES = [m for m in PLATFORM if m.startswith('telco_')]
FEATURES = [
    'clients', 'dashboard', 'claims', 'billing', 'stock', 'offers',
    'messaging']
PASSWORD = 'Isolation-Pa55word!'
# where the platform's billing sends the requests of the stripe library
STRIPE_OPTIONS = ['stripe_api_base', 'stripe_max_network_retries']

# Telco models that are not owned by an operator, and why.
SHARED = {
    'telco.feature': "the catalog of features, the same for every operator",
    'telco.feature-res.group': "catalog relation, no client access",
    'telco.locality': "the gazetteer of a country's towns and governorates "
    "(telco_stock), reference data shipped with the module and the same "
    "for every operator: no company, read by all, written by the platform "
    "administrators only (tested in telco_stock)",
    # core models the suite extends without making them per operator
    'ir.ui.menu': "the application's menu, the same for every operator: "
    "telco_base only hides entries whose actions the user's groups may not "
    "run",
    'ir.model.log': "core's log of changes: core shows an entry only when "
    "its resource is readable under the resource's own rules; telco_base "
    "only leaves out resources of models the user may not read at all",
    'ir.rule': "platform configuration, administrators only",
    'ir.model.access': "platform configuration, administrators only",
    'ir.cron': "platform configuration, administrators only",
    'ir.chat.channel': "chat channels of records: telco_base checks the "
    "record rules of their resource",
    'ir.model': "the catalogue of models, from which the row-level "
    "security installs its policies",
    'ir.sequence': "numbering sequences, drawn as root by the operator's "
    "configuration",
    'res.user-company.company': "who works for which operator: platform "
    "configuration, read to know whom a transaction acts for",
    'res.user.application': "keys of a user's REST applications, per user "
    "by core's rules",
    'res.user.login.attempt': "failed logins, written and read only by the "
    "login as root; no RPC method (not a ModelView)",
    'res.user.login.source': "networks from which a login succeeded, "
    "written and read only by the login as root; no RPC method",
    'party.configuration': "singleton; its per-operator values are "
    "company multi-values",
    'telco.configuration': "singleton; its per-operator values are "
    "company multi-values (telco.configuration.sequence, .calendar)",
    'sale.configuration': "singleton set by the platform administrator; "
    "telco_offers only adds a recommendation method, computed from the "
    "operator's own sales",
    # the platform's billing of its operators (telco_platform): its own
    # records, in its own company or in none, checked apart
    # (test_platform_records)
    'telco.platform.configuration': "singleton of how the platform "
    "invoices its operators: no access but the platform administrators'",
    'telco.platform.stripe.event': "the deliveries of the platform's "
    "Stripe webhook, of no operator (no company): no access but the "
    "platform administrators' (read only)",
    'account.payment.stripe.account': "a Stripe account has no company in "
    "Tryton: the platform's, read by Tryton's payment and accounting "
    "administrator groups, which no operator role has, and its secrets by "
    "the platform administrators only; telco_platform only adds the "
    "webhook that handles its events",
    'account.dunning.level': "a level of a dunning procedure, which has no "
    "company in Tryton: the procedures are the same for every company, read "
    "by Tryton's dunning and accounting administrator groups, which no "
    "operator role has; telco_platform only adds what a level does to an "
    "operator's service",
    }
# Per-company models of Tryton's own modules without a fixture, and why.
NO_FIXTURE = {
    'account.invoice.payment.mean': "its instrument is a bank account of "
    "the bank module, which the platform does not activate: no record can "
    "exist",
    'account.invoice.payment.mean.rule': "its instrument is a bank account "
    "of the bank module, which the platform does not activate: no record can "
    "exist",
    'ir.cron-company.company': "the operators a scheduled action runs for: "
    "platform configuration, administrators only",
    }
# Standard models the billing modules use per operator (company rules of
# Tryton's own modules), crawled too.
STANDARD_BILLING = [
    'sale.line', 'account.invoice.tax', 'account.tax',
    'account.move', 'account.move.line',
    ]
# Standard models of the shops (sale_point), per operator by their own rules
STANDARD_STOCK = [
    'sale.point.payment', 'sale.point.payment.method',
    'sale.point.cash.session',
    ]
# Standard models the suite makes per operator, beside the telco ones.
STANDARD = [
    'party.party', 'party.address', 'party.contact_mechanism',
    'party.identifier', 'party.category', 'company.employee',
    'ir.attachment', 'ir.note', 'ir.email',
    ]


def _build(company, staff):
    "Create one record of every per-operator model for the operator"
    pool = Pool()
    Party = pool.get('party.party')
    Mechanism = pool.get('party.contact_mechanism')
    Identifier = pool.get('party.identifier')
    Category = pool.get('party.category')
    Employee = pool.get('company.employee')
    Attachment = pool.get('ir.attachment')
    Note = pool.get('ir.note')
    CustomerCategory = pool.get('telco.customer.category')
    Notification = pool.get('telco.notification')
    Request = pool.get('telco.admin.request')
    PartyMonth = pool.get('telco.statistics.party_month')
    PayerAccount = pool.get('telco.payer_account')
    Line = pool.get('telco.line')
    Sim = pool.get('telco.sim')
    PukReveal = pool.get('telco.sim.puk_reveal')
    CreditRule = pool.get('telco.credit.rule')
    ClaimType = pool.get('telco.claim.type')
    Team = pool.get('telco.claim.team')
    ServiceLevel = pool.get('telco.claim.service_level')
    Calendar = pool.get('telco.calendar')
    ConfigurationCalendar = pool.get('telco.configuration.calendar')
    Claim = pool.get('telco.claim')
    Band = pool.get('telco.claim.band')
    ClaimMonth = pool.get('telco.claim.month')

    code = company.code
    number = {'OPA': '+21698000001', 'OPB': '+21622000001'}[code]
    with Transaction().set_context(company=company.id):
        category, = Category.create([{
                    'name': f'VIP {code}', 'company': company.id}])
        party, = Party.create([{
                    'name': f'Customer of {code}',
                    'company': company.id,
                    'categories': [('add', [category.id])],
                    'addresses': [('create', [{'city': f'Tunis {code}'}])],
                    }])
        mechanism, = Mechanism.create([{
                    'party': party.id, 'type': 'email',
                    'value': f'{code.lower()}@example.com'}])
        identifier, = Identifier.create([{
                    'party': party.id, 'code': f'ID-{code}'}])
        employee_party, = Party.create([{
                    'name': f'Employee of {code}', 'company': company.id}])
        employee, = Employee.create([{
                    'party': employee_party.id, 'company': company.id}])
        attachment, = Attachment.create([{
                    'name': f'contract-{code}.txt',
                    'resource': str(party), 'data': b'contract'}])
        note, = Note.create([{
                    'resource': str(party), 'message': f'Note {code}'}])
        customer_category, = CustomerCategory.create([{
                    'company': company.id, 'kind': 'collection',
                    'code': f'C1-{code}', 'name': f'Good payer {code}'}])
        notification, = Notification.notify(
            [staff], f'Hello {code}', resource=party, company=company)
        request, = Request.create([{
                    'company': company.id, 'user': staff.id,
                    'kind': 'question', 'subject': f'Question {code}',
                    'body': 'How?'}])
        subscription = company.features[0]
        party_month, = PartyMonth.search([('company', '=', company.id)])
        Party.convert([party])
        payer_account, = PayerAccount.create([{
                    'company': company.id, 'customer': party.id,
                    'payer': party.id, 'name': f'Account {code}'}])
        sim, = Sim.create([{
                    'company': company.id,
                    'iccid': luhn_complete('893120100000000%04d' % company.id),
                    'puk': '12345678'}])
        line, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'payer_account': payer_account.id, 'user': party.id,
                    'number': number, 'sim': sim.id}])
        Line.activate([line])
        reveal, = PukReveal.create([{
                    'sim': sim.id, 'user': staff.id,
                    'date': dt.datetime.now(), 'reason': 'Blocked SIM'}])
        credit_rule, = CreditRule.create([{
                    'company': company.id, 'credit_class': 'B'}])
        claim_type, = ClaimType.create([{
                    'company': company.id, 'branch': 'technical',
                    'name': f'No signal {code}', 'code': f'NS-{code}'}])
        team, = Team.create([{
                    'company': company.id, 'name': f'Back-office {code}',
                    'supervisor': staff.id,
                    'members': [('add', [staff.id])]}])
        service_level, = ServiceLevel.create([{
                    'company': company.id, 'branch': 'technical',
                    # one per operator: moving it would hit no constraint
                    'priority': {'OPA': 'normal', 'OPB': 'high'}[code],
                    'resolution_hours': 8,
                    'warning_hours': 2}])
        calendar, = Calendar.create([{
                    'company': company.id, 'name': f'Bureaux {code}',
                    'hours': [('create', [{'weekday': '0',
                                    'start_time': dt.time(8),
                                    'end_time': dt.time(17)}])],
                    'exceptions': [('create', [{
                                    'name': f'Independence Day {code}',
                                    'start_date': dt.date(2026, 3, 20),
                                    'end_date': dt.date(2026, 3, 20),
                                    'closed': True}])],
                    }])
        configuration_calendar, = ConfigurationCalendar.create([{
                    'company': company.id,
                    'business_calendar': calendar.id}])
        claim, = Claim.create([{
                    'company': company.id, 'party': party.id,
                    'line': line.id, 'type': claim_type.id,
                    'team': team.id, 'agent': staff.id,
                    'subject': f'Coupure fibre {code}',
                    'description': 'Connexion coupée, routeur rouge',
                    'resolution': 'Routeur remplacé'}])
        Claim.open([claim])
        Claim.resolve([claim])
        band = Band.search([('claim', '=', claim.id)], limit=1)[0]
        claim_email, = pool.get('ir.email').create([{
                    'resource': str(claim),
                    'recipients': f'{code.lower()}@example.com',
                    'subject': f'Your claim {claim.number}',
                    'body': 'Resolved'}])
        claim_month, = ClaimMonth.search([('company', '=', company.id)])
        customer_email, = pool.get('telco.customer.email').search([
                ('resource', '=', str(claim)),
                ('subject', 'like', '%resolved%')])
    billing, accounting = _build_billing(
        company, staff, party, payer_account)
    stock = _build_stock(company, staff, party, accounting)
    offers = _build_offers(
        company, staff, party, accounting, stock['sale.point'])
    fixtures = billing | stock | offers
    fixtures |= _build_platform_billing(company)
    fixtures |= _build_messaging(company, staff, party)
    fixtures |= _build_payments(company, party, fixtures)
    fixtures |= _build_core(company, party, accounting, fixtures)
    Figure = pool.get('telco.dashboard.figure')
    fixtures['telco.dashboard.figure'] = Figure.compute(
        [company], dt.date.today())[0]
    Segment = pool.get('telco.dashboard.segment')
    Statistic = pool.get('telco.dashboard.statistic')
    fixtures['telco.dashboard.segment'] = Segment.compute(
        [company], dt.date.today())[0]
    # a statistic of the default filters (the last 12 months by category),
    # which the crawler's context (the operator alone) reads
    with Transaction().set_context(company=company.id):
        fixtures['telco.dashboard.statistic'] = Statistic.search([])[0]
    Breakdown = pool.get('telco.dashboard.breakdown')
    BreakdownStatistic = pool.get('telco.dashboard.breakdown.statistic')
    fixtures['telco.dashboard.breakdown'] = Breakdown.compute(
        [company], dt.date.today())[0]
    # the first division of the operator's features this month
    with Transaction().set_context(company=company.id):
        fixtures['telco.dashboard.breakdown.statistic'] = (
            BreakdownStatistic.search([])[0])
    Recommendation = pool.get('telco.dashboard.recommendation')
    ChurnRisk = pool.get('telco.dashboard.churn_risk')
    fixtures['telco.dashboard.recommendation'], = Recommendation.create([{
                'company': company.id, 'strategy': 'prospecting',
                'rule': 'telco_dashboard.prospecting_zone',
                'title': f'Prospect in the zone of {code}',
                'figures': f'Figures of {code}', 'score': Decimal('50'),
                'action': 'owner', 'records_model': 'party.party',
                'records_domain': '[["company", "=", %s]]' % company.id,
                }])
    fixtures['telco.dashboard.churn_risk'], = ChurnRisk.create([{
                'company': company.id, 'party': party.id, 'score': 65,
                'signal_codes': 'suspended',
                }])
    return fixtures | {
        'company.company': company,
        'res.user': staff,
        'party.party': party,
        'party.address': party.addresses[0],
        'party.contact_mechanism': mechanism,
        'party.identifier': identifier,
        'party.category': category,
        'company.employee': employee,
        'ir.attachment': attachment,
        'ir.note': note,
        'telco.customer.category': customer_category,
        'telco.operator.feature': subscription,
        'telco.notification': notification,
        'telco.admin.request': request,
        'telco.statistics.party_month': party_month,
        'telco.payer_account': payer_account,
        'telco.line': line,
        'telco.line.state': line.history[0],
        'telco.sim': sim,
        'telco.sim.puk_reveal': reveal,
        'telco.party.state': party.state_history[0],
        'telco.credit.rule': credit_rule,
        'telco.claim.type': claim_type,
        'telco.claim.team': team,
        'telco.claim.team-res.user': team.members and
        Pool().get('telco.claim.team-res.user').search(
            [('team', '=', team.id)])[0],
        'telco.claim.service_level': service_level,
        'telco.calendar': calendar,
        'telco.calendar.hours': calendar.hours[0],
        'telco.calendar.exception': calendar.exceptions[0],
        'telco.configuration.calendar': configuration_calendar,
        'telco.claim': claim,
        'telco.claim.history': claim.history[0],
        'telco.claim.band': band,
        'telco.claim.month': claim_month,
        'ir.email': claim_email,
        'telco.customer.email': customer_email,
        'telco.configuration.sequence': pool.get(
            'telco.configuration.sequence').search(
            [('company', '=', company.id)])[0],
        }


def _build_billing(company, staff, party, payer_account):
    "Catalogue, quotes, sale, subscription, bill run and invoices"
    pool = Pool()
    Service = pool.get('sale.subscription.service')
    QuoteRequest = pool.get('telco.quote.request')
    Quote = pool.get('telco.quote')
    QuoteLineTax = pool.get('telco.quote.line-account.tax')
    BillRun = pool.get('telco.bill_run')
    Consumption = pool.get('sale.subscription.line.consumption')
    InvoiceRequest = pool.get('telco.invoice.request')
    Invoice = pool.get('account.invoice')

    code = company.code
    accounting = setup_accounting(company)
    products = create_catalogue(company, accounting)
    with Transaction().set_context(company=company.id):
        service, = Service.search([('product', '=', products['FIBRE'].id)])
        request, = QuoteRequest.create([{
                    'company': company.id, 'customer': party.id,
                    'description': f'Phone and fibre {code}',
                    'lines': [('create', [
                                {'product': products['PHONE'].id},
                                {'product': products['FIBRE'].id},
                                ])],
                    }])
        QuoteRequest.create_quote([request])
        quote = request.quote
        quote.payer_account = payer_account
        quote.save()
        Quote.send([quote])
        Quote.accept([quote])
        # a draft quote: the crawler's writes are not stopped by its state
        draft, = Quote.copy([quote])
        tax_link = QuoteLineTax.search([
                ('line', 'in', [l.id for l in draft.lines])], limit=1)[0]
        # not on the same date: moving A's run to B would hit the unique
        # constraint before the rule
        bill_run, = BillRun.create([{
                    'company': company.id,
                    'date': quote.quote_date + dt.timedelta(
                        days={'OPA': 0, 'OPB': 1}[code])}])
        BillRun.run([bill_run])
        run_queue()
        invoice = bill_run.invoices[0]
        # a posted copy: its accounting move and lines
        posted, = Invoice.copy([invoice], default={
                'description': f'Posted {code}'})
        Invoice.post([posted])
        consumption = Consumption.search([
                ('line.subscription', '=', quote.subscription.id)])[0]
        invoice_request, = InvoiceRequest.create([{
                    'company': company.id, 'customer': party.id,
                    'kind': 'duplicate',
                    'description': f'Copy please {code}'}])
    return {
        'account.tax': accounting['tax'],
        'product.category': products['PHONE'].template.account_category,
        'product.template': products['PHONE'].template,
        'product.product': products['PHONE'],
        'sale.subscription.service': service,
        'telco.quote.request': request,
        'telco.quote.request.line': request.lines[0],
        'telco.quote': draft,
        'telco.quote.line': draft.lines[0],
        'telco.quote.line-account.tax': tax_link,
        'sale.sale': quote.sale,
        'sale.line': quote.sale.lines[0],
        'sale.subscription': quote.subscription,
        'sale.subscription.line': quote.subscription.lines[0],
        'sale.subscription.line.consumption': consumption,
        'telco.bill_run': bill_run,
        'account.invoice': invoice,
        'account.invoice.line': invoice.lines[0],
        'account.invoice.tax': invoice.taxes[0],
        'account.move': posted.move,
        'account.move.line': posted.move.lines[0],
        'telco.invoice.request': invoice_request,
        }, accounting


def _build_stock(company, staff, party, accounting):
    "A shop with its calendar, stock, a transfer, an inventory and a shop sale"
    pool = Pool()
    Rel = pool.get('telco.shop-telco.shop.service')
    Minimum = pool.get('telco.shop.stock_minimum')
    Shipment = pool.get('stock.shipment.internal')
    Inventory = pool.get('stock.inventory')
    Line = pool.get('telco.line')
    Sale = pool.get('sale.point.sale')
    Payment = pool.get('sale.point.payment')
    Session = pool.get('sale.point.cash.session')

    code = company.code
    category = create_account_category(company, accounting)
    products = create_stock_products(company, category, suffix='-S')
    shop = create_shop(
        company, f'SHOP-{code}', f'Shop {code}', 36.8, 10.18,
        services=[f'puk_{code.lower()}'], manager=staff)
    central = create_shop(
        company, f'CENTRAL-{code}', f'Central {code}', 36.7, 10.2)
    storage = shop.warehouse.storage_location
    phone_lot, = create_lots(
        company, products['PHONE'], [imei(company.id * 10)])
    sim_lot, = create_sim_lots(company, products['SIM'], 1, start=50)
    receive(company, central.warehouse.storage_location,
        products['CASE'], 10)
    receive(company, storage, products['PHONE'], 1, lot=phone_lot)
    receive(company, storage, products['SIM'], 1, lot=sim_lot)
    unit = products['CASE'].default_uom
    with Transaction().set_context(company=company.id):
        minimum, = Minimum.create([{
                    'shop': shop.id, 'product': products['CASE'].id,
                    'minimum': 2}])
        from_ = central.warehouse.storage_location
        shipment, = Shipment.create([{
                    'company': company.id,
                    'from_location': from_.id, 'to_location': storage.id,
                    'moves': [('create', [{
                                    'company': company.id,
                                    'product': products['CASE'].id,
                                    'unit': unit.id, 'quantity': 3,
                                    'from_location': from_.id,
                                    'to_location': storage.id,
                                    }])],
                    }])
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        if shipment.transit_location:
            Shipment.pack([shipment])
            Shipment.ship([shipment])
        Shipment.do([shipment])
        inventory, = Inventory.create([{
                    'company': company.id, 'location': storage.id,
                    'lines': [('create', [{
                                    'product': products['CASE'].id,
                                    'quantity': 3}])],
                    }])
        point, cash = create_cash_desk(company, shop, accounting)
        new_line, = Line.create([{
                    'company': company.id, 'customer': party.id,
                    'number': {'OPA': '+21698000002',
                        'OPB': '+21622000002'}[code],
                    'kind': 'mobile_prepaid'}])
        sale = Sale(point=point)
        sale.lines = pos_lines(sale, [
                (products['SIM'], 1,
                    {'lot': sim_lot, 'telco_line': new_line}),
                (products['CASE'], 1, {}),
                ])
        sale.save()
        payment, = Payment.create([{
                    'sale': sale.id, 'method': cash.id,
                    'amount': sale.amount_to_pay}])
        Sale.process([sale])
        # a draft sale: the crawler's writes are not stopped by its state
        draft, = Sale.copy([sale])
        first, = Session.search([('point', '=', point.id)], limit=1)
        first.end_amount = first.start_amount + first.balance
        first.save()
        Session.close([first])
        # closed and with a previous session: moving it to B's point would
        # hit the one open (or first) session per point before the rule
        session, = Session.create([{
                    'point': point.id, 'previous_session': first.id}])
        session.end_amount = session.start_amount + session.balance
        session.save()
        Session.close([session])
    shop_stock = [s for s in shop.stock if s.product == products['CASE']][0]
    return {
        'telco.shop': shop,
        'telco.shop.service': shop.services[0],
        'telco.shop-telco.shop.service': Rel.search(
            [('shop', '=', shop.id)])[0],
        'telco.shop.stock_minimum': minimum,
        'telco.shop.stock': shop_stock,
        'stock.location': storage,
        'stock.lot': phone_lot,
        'stock.move': shipment.moves[0],
        'stock.shipment.internal': shipment,
        'stock.inventory': inventory,
        'stock.inventory.line': inventory.lines[0],
        'sale.point': point,
        'sale.point.sale': draft,
        'sale.point.sale.line': draft.lines[0],
        'sale.point.payment': payment,
        'sale.point.payment.method': cash,
        'sale.point.cash.session': session,
        # the day of the shop sale done
        'telco.shop.sales': pool.get('telco.shop.sales').search([
                ('company', '=', company.id)])[0],
        }


def _build_offers(company, staff, party, accounting, point):
    """Zones, bands, a season, an offer, a pack, a seasonal promotion applied
    on a quoted sale, a promotion applied on a quote and a shop sale, the
    revenue of a pack sold, a proposal and an advertising list with its
    message"""
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Lang = pool.get('ir.lang')
    Category = pool.get('telco.customer.category')
    Zone = pool.get('telco.offer.zone')
    Band = pool.get('telco.offer.consumption_band')
    Season = pool.get('telco.offer.season')
    Offer = pool.get('telco.offer')
    Pack = pool.get('telco.pack')
    Revenue = pool.get('telco.pack.revenue')
    Promotion = pool.get('sale.promotion')
    Application = pool.get('sale.line.promotion')
    Quote = pool.get('telco.quote')
    QuoteApplication = pool.get('telco.quote.line.promotion')
    ShopSale = pool.get('sale.point.sale')
    ShopApplication = pool.get('sale.point.sale.line.promotion')
    Proposal = pool.get('telco.offer.proposal')
    EmailList = pool.get('marketing.email.list')
    Email = pool.get('marketing.email')
    Message = pool.get('marketing.email.message')
    Date = pool.get('ir.date')

    code = company.code
    _, subdivisions = tunisia()
    subdivision = subdivisions['TN-11']
    account_category = create_account_category(company, accounting)
    unit, = Uom.search([('name', '=', 'Unit')])
    products = {}
    with Transaction().set_context(company=company.id):
        for key, name, price in [
                ('PLAN', "Forfait Jeunes", '35.000'),
                ('PACK', "Pack Galaxy", '600.000'),
                ('PHONE', "Samsung Galaxy A15", '549.000'),
                ('KEY4G', "Clé 4G", '89.000'),
                ]:
            template, = Template.create([{
                        'name': f'{name} {code}', 'code': f'{key}-O',
                        'type': 'service', 'company': company.id,
                        'default_uom': unit.id, 'salable': True,
                        'sale_uom': unit.id,
                        'list_price': Decimal(price),
                        'account_category': account_category.id,
                        'products': [('create', [{}])],
                        }])
            products[key] = template.products[0]
        # codes and names by operator: moving A's record to B must meet the
        # rule before any unique constraint
        segment, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': f'YOUTH-{code}', 'name': f'Youth {code}'}])
        zone, = Zone.create([{
                    'company': company.id, 'code': f'TUNIS-{code}',
                    'name': f'Grand Tunis {code}',
                    'subdivisions': [('add', [subdivision.id])]}])
        band, = Band.create([{
                    'company': company.id, 'name': f'Any {code}',
                    'minimum': Decimal(0)}])
        season, = Season.create([{
                    'company': company.id, 'name': f'Summer {code}',
                    'start_month': 6, 'start_day': 15,
                    'end_month': 8, 'end_day': 31,
                    'periods': [('create', [{
                                    'start_date': dt.date(2026, 6, 15),
                                    'end_date': dt.date(2026, 8, 31)}])],
                    }])
        rules = {
            'customer_categories': [('add', [segment.id])],
            'zones': [('add', [zone.id])],
            'consumption_bands': [('add', [band.id])],
            }
        offer, = Offer.create([{
                    'company': company.id, 'code': f'YOUTH-{code}',
                    'name': f'Youth {code}', 'product': products['PLAN'].id,
                    **rules}])
        pack, = Pack.create([{
                    'company': company.id, 'code': f'GALAXY-{code}',
                    'name': f'Pack Galaxy {code}',
                    'product': products['PACK'].id,
                    'components': [('create', [{
                                    'product': products['PHONE'].id,
                                    'quantity': 1}])],
                    }])
        promotion, = Promotion.create([{
                    'company': company.id, 'name': f'Summer -10% {code}',
                    'formula': 'unit_price * 0.9', 'season': season.id,
                    'products': [('add', [products['KEY4G'].id])],
                    **rules}])
        # a customer the rules let in
        customer = create_customer(
            company, f'Young customer of {code}', subdivision,
            commercial_category_1=segment.id)
        # a quoted sale of the season gets the promotion
        quoted = create_sale(
            company, customer, [(products['KEY4G'], 1)],
            date=dt.date(2026, 7, 14))
        application, = Application.search([('line.sale', '=', quoted.id)])
        # a pack sold with another product: revenue and a pack proposal
        today = Date.today()
        sold = create_sale(
            company, customer,
            [(products['PACK'], 1), (products['KEY4G'], 1)],
            date=today, state='confirmed')
        run_queue()
        revenue = Revenue.search([('sale', '=', sold.id)])[0]
        proposal, = [p for p in Proposal.compute(
                company, today - dt.timedelta(days=30), today, min_count=1)
            if p.kind == 'pack']
        # a promotion of every day on a draft quote and an open shop sale:
        # the crawler's writes are not stopped by their state
        Promotion.create([{
                    'company': company.id, 'name': f'Key -1 {code}',
                    'formula': 'unit_price - 1', 'priority': 1,
                    'products': [('add', [products['KEY4G'].id])]}])
        quote, = Quote.create([{
                    'company': company.id, 'customer': customer.id,
                    'currency': company.currency.id,
                    'lines': [('create', [{
                                    'product': products['KEY4G'].id,
                                    'quantity': 1,
                                    'unit': products['KEY4G'].sale_uom.id,
                                    'unit_price': Decimal('89.000'),
                                    }])],
                    }])
        Quote.apply_promotions([quote])
        quote_application, = QuoteApplication.search(
            [('line.quote', '=', quote.id)])
        shop_sale = ShopSale(point=point, customer=customer)
        shop_sale.lines = pos_lines(shop_sale, [(products['KEY4G'], 1, {})])
        shop_sale.save()
        ShopSale.apply_promotions([shop_sale])
        shop_application, = ShopApplication.search(
            [('line.sale', '=', shop_sale.id)])
        lang, = Lang.search([('code', '=', 'en')])
        email_list, = EmailList.create([{
                    'company': company.id, 'name': f'Summer {code}',
                    'language': lang.id}])
        email, = Email.create([{
                    'list_': email_list.id,
                    'email': f'young@{code.lower()}.example.com'}])
        # a draft message: the crawler's writes are not stopped by its state
        message, = Message.create([{
                    'company': company.id, 'list_': email_list.id,
                    'title': f'Summer {code}',
                    'content': '<p>Summer offers</p>'}])

    def relation(model, owner, field='owner'):
        return pool.get(model).search([(field, '=', owner.id)])[0]
    return {
        'telco.offer.zone': zone,
        'telco.offer.zone-country.subdivision': relation(
            'telco.offer.zone-country.subdivision', zone, 'zone'),
        'telco.offer.consumption_band': band,
        'telco.offer.season': season,
        'telco.offer.season.period': season.periods[0],
        'telco.offer': offer,
        'telco.offer-telco.customer.category': relation(
            'telco.offer-telco.customer.category', offer),
        'telco.offer-telco.offer.zone': relation(
            'telco.offer-telco.offer.zone', offer),
        'telco.offer-telco.offer.consumption_band': relation(
            'telco.offer-telco.offer.consumption_band', offer),
        'telco.pack': pack,
        'telco.pack.component': pack.components[0],
        'telco.pack.revenue': revenue,
        'sale.promotion': promotion,
        'sale.promotion-telco.customer.category': relation(
            'sale.promotion-telco.customer.category', promotion),
        'sale.promotion-telco.offer.zone': relation(
            'sale.promotion-telco.offer.zone', promotion),
        'sale.promotion-telco.offer.consumption_band': relation(
            'sale.promotion-telco.offer.consumption_band', promotion),
        'sale.line.promotion': application,
        'telco.quote.line.promotion': quote_application,
        'sale.point.sale.line.promotion': shop_application,
        # the line with a promotion stands for the sale lines: on a line
        # without one, linking a promotion would stop at the required
        # original price (sale_promotion) before the operator's domain
        'sale.line': application.line,
        'telco.offer.proposal': proposal,
        'marketing.email.list': email_list,
        'marketing.email': email,
        'marketing.email.message': message,
        }


def _build_messaging(company, staff, party):
    """A channel of each operator, its template, agent, opt-out, a message
    out to the customer, a conversation the customer opened (the webhook's
    way in), a bulk send, a refused webhook call and the timeline's rows"""
    pool = Pool()
    Channel = pool.get('telco.messaging.channel')
    Template = pool.get('telco.messaging.template')
    OptOut = pool.get('telco.messaging.opt_out')
    Agent = pool.get('telco.messaging.agent')
    AgentCategory = pool.get('telco.messaging.agent.category')
    Category = pool.get('telco.customer.category')
    Message = pool.get('telco.messaging.message')
    Conversation = pool.get('telco.messaging.conversation')
    Bulk = pool.get('telco.messaging.bulk')
    Refusal = pool.get('telco.messaging.refusal')
    Interaction = pool.get('telco.messaging.interaction')
    code = company.code
    number = {'OPA': '+21698000011', 'OPB': '+21622000011'}[code]
    with Transaction().set_context(company=company.id):
        channel, = Channel.create([{
                    'company': company.id, 'name': f'SMS {code}',
                    'kind': 'sms_json', 'url': 'http://127.0.0.1:9',
                    'sender': code, 'password': f'key-{code}',
                    'secret': f'secret-{code}'}])
        template, = Template.create([{
                    'company': company.id, 'code': f'hello_{code}',
                    'name': f'Hello {code}', 'quick_reply': True,
                    'body': f'Bonjour $name de {code}'}])
        opt_out, = OptOut.create([{
                    'company': company.id, 'address': f'+2165000{code}'}])
        segment, = Category.create([{
                    'company': company.id, 'kind': 'commercial_1',
                    'code': f'VIP-{code}', 'name': f'VIP {code}'}])
        agent, = Agent.create([{
                    'company': company.id, 'user': staff.id,
                    'categories': [('add', [segment.id])]}])
        inbound = Message.receive(
            channel, number, f'Bonjour {code}', provider_ref=f'in-{code}')
        conversation = inbound.conversation
        Conversation.write([conversation], {'party': party.id})
        message, = Message.create([{
                    'company': company.id, 'channel': channel.id,
                    'medium': 'sms', 'direction': 'out', 'party': party.id,
                    'address': number, 'conversation': conversation.id,
                    'body': f'Réponse {code}', 'state': 'delivered',
                    'template': template.id}])
        bulk, = Bulk.create([{
                    'company': company.id, 'name': f'Promo {code}',
                    'channel': channel.id, 'template': template.id,
                    'category': segment.id}])
        Refusal.refuse(channel, 'bad signature', '127.0.0.1', '{}')
        refusal, = Refusal.search([('company', '=', company.id)])
        interaction, = Interaction.search([
                ('party', '=', party.id), ('kind', '=', 'sms')], limit=1)
    return {
        'telco.messaging.channel': channel,
        'telco.messaging.template': template,
        'telco.messaging.opt_out': opt_out,
        'telco.messaging.agent': agent,
        'telco.messaging.agent.category': AgentCategory.search([
                ('agent', '=', agent.id)])[0],
        'telco.messaging.message': message,
        'telco.messaging.conversation': conversation,
        'telco.messaging.bulk': bulk,
        'telco.messaging.refusal': refusal,
        'telco.messaging.interaction': interaction,
        }


def _build_platform_billing(company):
    """The operator's side of the platform's billing (telco_platform): the
    charges of its subscriptions this month on a bill of the platform, issued
    as the invoicing cron does, and the row of its subscription in the
    monthly recurring revenue"""
    pool = Pool()
    Bill = pool.get('telco.platform.bill')
    Charge = pool.get('telco.platform.charge')
    Revenue = pool.get('telco.platform.revenue')
    bill = Bill.issue(company, Charge.for_month(company, dt.date.today()))
    # the invoice e-mailed to the operator's administrators
    run_queue()
    charge = bill.charges[0]
    revenue, = Revenue.search([('id', '=', charge.subscription.id)])
    return {
        'telco.platform.charge': charge,
        'telco.platform.bill': bill,
        'telco.platform.revenue': revenue,
        }


def _build_payments(company, party, fixtures):
    """The operator's own payments (Tryton's account_payment, which the
    platform's billing brings in): a journal, a draft payment, the group of
    a processed one, the refund of a card payment, a direct debit of its
    customer, the Stripe customer of its customer and the dunning of the
    overdue line of its posted invoice"""
    pool = Pool()
    Journal = pool.get('account.payment.journal')
    Payment = pool.get('account.payment')
    Group = pool.get('account.payment.group')
    StripeAccount = pool.get('account.payment.stripe.account')
    Refund = pool.get('account.payment.stripe.refund')
    Customer = pool.get('account.payment.stripe.customer')
    DirectDebit = pool.get('party.party.reception_direct_debit')
    Procedure = pool.get('account.dunning.procedure')
    Dunning = pool.get('account.dunning')
    code = company.code
    with Transaction().set_context(company=company.id):
        # a Stripe account of its own: Stripe accounts have no company
        account, = StripeAccount.create([{
                    'name': f'Stripe {code}',
                    'secret_key': f'sk_test_{code.lower()}',
                    'publishable_key': f'pk_test_{code.lower()}'}])
        journal, card_journal = Journal.create([{
                    'company': company.id, 'name': f'Cheques {code}',
                    'currency': company.currency.id,
                    'process_method': 'manual',
                    }, {
                    'company': company.id, 'name': f'Cards {code}',
                    'currency': company.currency.id,
                    'process_method': 'stripe',
                    'stripe_account': account.id,
                    }])
        values = {
            'company': company.id, 'kind': 'receivable', 'party': party.id,
            'amount': Decimal('10.000'), 'date': dt.date.today(),
            }
        # a draft payment: the crawler's writes are not stopped by its state
        payment, processed, card = Payment.create([
                {**values, 'journal': journal.id,
                    'reference': f'Cheque {code}'},
                {**values, 'journal': journal.id,
                    'reference': f'Cheque processed {code}'},
                {**values, 'journal': card_journal.id,
                    'reference': f'Card {code}',
                    'stripe_payment_intent_id': f'pi_{code.lower()}'},
                ])
        Payment.submit([processed])
        group = Payment.process([processed], lambda: Group.create([{
                        'company': company.id, 'journal': journal.id,
                        'kind': 'receivable'}])[0])
        refund, = Refund.create([{
                    'payment': card.id, 'amount': Decimal('5.000')}])
        # its customer as a customer of its Stripe account, no card saved
        customer, = Customer.create([{
                    'party': party.id, 'stripe_account': account.id}])
        direct_debit, = DirectDebit.create([{
                    'party': party.id, 'journal': journal.id}])
        procedure, = Procedure.create([{
                    'name': f'Reminders {code}',
                    'levels': [('create', [{
                                    'overdue': dt.timedelta(days=30)}])],
                    }])
        line, = [l for l in fixtures['account.move'].lines
            if l.account.type.receivable and l.debit > 0]
        dunning, = Dunning.create([{
                    'company': company.id, 'line': line.id,
                    'procedure': procedure.id,
                    'level': procedure.levels[0].id}])
    return {
        'account.payment.journal': journal,
        'account.payment': payment,
        'account.payment.group': group,
        'account.payment.stripe.refund': refund,
        'account.payment.stripe.customer': customer,
        'party.party.reception_direct_debit': direct_debit,
        'account.dunning': dunning,
        }


def _build_platform_records(config, companies):
    """The platform's own records of its billing of the operators: its
    company, the first operator as its customer, its invoice to it with its
    move, the card payment of it waiting on Stripe's form, the operator's
    Stripe customer, the dunning of the invoice, a refused delivery of the
    webhook.  Return them by name"""
    pool = Pool()
    Bill = pool.get('telco.platform.bill')
    Dunning = pool.get('account.dunning')
    Payment = pool.get('account.payment')
    Event = pool.get('telco.platform.stripe.event')
    company = companies[0]
    bill, = Bill.search([('company', '=', company.id)])
    invoice = bill.invoice
    with platform_side():
        # the reminder of the invoice once overdue
        Dunning.generate_dunnings(
            invoice.lines_to_pay[0].maturity_date + dt.timedelta(days=3))
    # the administrator's "Pay by Card", on the local Stripe
    Bill.checkout_url(bill)
    run_queue()
    with platform_side(), Transaction().set_context(active_test=False):
        company = company.__class__(company.id)
        invoice = bill.invoice
        dunning, = Dunning.search([('line.move', '=', invoice.move.id)])
        payment, = Payment.search([
                ('line', 'in', [l.id for l in invoice.lines_to_pay])])
        customer = company.platform_stripe_customer(config, create=True)
        account = config.payment_journal.stripe_account
        event = Event.refuse(account, '{}', "isolation fixture")
        return {
            'company.company': config.platform_company,
            'party.party': company.get_platform_party(),
            'account.account': config.account_revenue,
            'account.invoice': invoice,
            'account.invoice.line': invoice.lines[0],
            'account.move': invoice.move,
            'account.move.line': invoice.lines_to_pay[0],
            'account.payment': payment,
            'account.payment.journal': config.payment_journal,
            'account.payment.stripe.account': account,
            'account.payment.stripe.customer': customer,
            'account.dunning': dunning,
            'telco.platform.configuration': config,
            'telco.platform.stripe.event': event,
            }


def _build_core(company, party, accounting, fixtures):
    """One record of each per-company model of Tryton's own modules that the
    telco fixtures do not make on their way, then the first record of the
    operator of every other one"""
    pool = Pool()
    Journal = pool.get('account.journal')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    Period = pool.get('account.period')
    Location = pool.get('stock.location')
    code = company.code
    accounts = accounting['accounts']
    today = dt.date.today()
    warehouse = fixtures['telco.shop'].warehouse
    supplier = party
    made = {}

    def create(name, values):
        made[name], = pool.get(name).create([values])
        return made[name]
    with Transaction().set_context(company=company.id):
        journal, = Journal.search([('type', '=', 'general')], limit=1)
        create('account.tax.code', {
                'company': company.id, 'name': f'Tax code {code}'})
        create('account.tax.rule', {
                'company': company.id, 'name': f'Tax rule {code}',
                'kind': 'sale'})
        create('product.price_list', {
                'company': company.id, 'name': f'Price list {code}',
                'unit': 'product_default'})
        create('account.move.template', {
                'company': company.id, 'name': f'Template {code}',
                'journal': journal.id})
        write_off = Journal.search([('type', '=', 'write-off')], limit=1)
        if not write_off:
            write_off = Journal.create([{
                        'name': "Write-Off", 'type': 'write-off'}])
        create('account.move.reconcile.write_off', {
                'company': company.id, 'name': f'Write-off {code}',
                'journal': write_off[0].id,
                'credit_account': accounts['expense'].id,
                'debit_account': accounts['expense'].id})
        create('sale.point.cash.transfer.type', {
                'company': company.id, 'name': f'Transfer {code}',
                'journal': journal.id, 'account': accounts['cash'].id})
        create('stock.period', {
                'company': company.id, 'date': today - dt.timedelta(days=400)})
        create('product.cost_price.revision', {
                'company': company.id,
                'template': fixtures['product.template'].id,
                'date': today, 'cost_price': 'cost_price'})
        supplier_location, = Location.search(
            [('type', '=', 'supplier')], limit=1)
        create('stock.shipment.in', {
                'company': company.id, 'supplier': supplier.id,
                'warehouse': warehouse.id,
                'warehouse_input': warehouse.input_location.id,
                'warehouse_storage': warehouse.storage_location.id,
                'reference': f'Delivery {code}'})
        create('stock.shipment.in.return', {
                'company': company.id, 'supplier': supplier.id,
                'from_location': warehouse.storage_location.id,
                'to_location': supplier_location.id,
                'reference': f'Return {code}'})
        create('stock.shipment.out.return', {
                'company': company.id, 'customer': party.id,
                'warehouse': warehouse.id,
                'warehouse_input': warehouse.input_location.id,
                'warehouse_storage': warehouse.storage_location.id,
                'reference': f'Customer return {code}'})
        # a cash transfer of the shop's open session
        point = fixtures['sale.point']
        session, = pool.get('sale.point.cash.session').create([{
                    'point': point.id,
                    'previous_session': fixtures[
                        'sale.point.cash.session'].id}])
        create('sale.point.cash.transfer', {
                'point': point.id, 'session': session.id,
                'type': made['sale.point.cash.transfer.type'].id,
                'date': today, 'amount': Decimal('5.00')})
        identifier, = pool.get('party.identifier').create([{
                    'party': company.party.id, 'type': 'tn_vat',
                    'code': {'OPA': '1234567A', 'OPB': '1496298/T/P/N/000'}[
                        code]}])
        create('company.company.tax_identifier', {
                'company': company.id, 'tax_identifier': identifier.id})
        # two lines of a posted move, reconciled together
        period = Period.find(company, date=today)
        move, = Move.create([{
                    'company': company.id, 'journal': journal.id,
                    'period': period, 'date': today,
                    'description': f'Reconciled {code}',
                    'lines': [('create', [{
                                    'account': accounts['receivable'].id,
                                    'party': party.id, 'debit': 10,
                                    'credit': 0}, {
                                    'account': accounts['receivable'].id,
                                    'party': party.id, 'debit': 0,
                                    'credit': 10}])],
                    }])
        Move.post([move])
        reconciliation, = MoveLine.reconcile(move.lines)
        made['account.move.reconciliation'] = reconciliation
    # what the operator's set-up made on the way: its first record
    with Transaction().set_context(active_test=False):
        for name in sorted(company_models() - set(fixtures) - set(made)):
            Model = pool.get(name)
            if not isinstance(Model.company, fields.Function):
                records = Model.search(
                    [('company', '=', company.id)], order=[('id', 'ASC')],
                    limit=1)
            else:
                records = [
                    r for r in Model.search([], order=[('id', 'ASC')])
                    if r.company == company][:1]
            if records:
                made[name], = records
    return made


@cache
def company_models():
    "Models owned by a company, of every module"
    pool = Pool()
    names = set()
    for name, Model in pool.iterobject():
        if (not issubclass(Model, ModelSQL)
                or callable(getattr(Model, 'table_query', None))):
            continue
        field = Model._fields.get('company')
        if getattr(field, 'model_name', None) == 'company.company':
            names.add(name)
    return frozenset(names - set(SHARED))


@cache
def core_owned_models():
    """Models of Tryton's own modules owned by a company, which no telco
    module extends"""
    pool = Pool()
    return frozenset(
        n for n in company_models()
        if not any(isregisteredby(pool.get(n), m) for m in MODULES))


# the pool of the test database is the same for the whole run, and
# isregisteredby resolves every class of every module at each call
@cache
def crawled_models():
    "Model names the crawler must cover"
    pool = Pool()
    names = set(STANDARD) | set(STANDARD_BILLING) | set(STANDARD_STOCK)
    names |= core_owned_models() - set(NO_FIXTURE)
    for name, model in pool.iterobject():
        if not issubclass(model, ModelStorage):
            continue
        if any(isregisteredby(model, m) for m in MODULES):
            names.add(name)
    return frozenset(names - set(SHARED))


def _relation_targets(Model, fixtures):
    "Relational fields of the model that point to per-operator records"
    for fname, field in Model._fields.items():
        if field._type not in {'many2one', 'many2many'}:
            continue
        if getattr(field, 'readonly', False) is True:
            continue
        if isinstance(field, type(None)) or not hasattr(field, 'get_target'):
            continue
        target = field.get_target().__name__
        if target in fixtures:
            yield fname, field, target


class Leak(AssertionError):
    pass


def refused(func, errors=(AccessError,)):
    """Run func in a savepoint and undo it: return whether it was refused.
    The writes that get through are undone so that the next checks see the
    fixtures as they were built."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT isolation_crawl')
    try:
        func()
    except errors:
        return True
    else:
        return False
    finally:
        cursor.execute('ROLLBACK TO SAVEPOINT isolation_crawl')
        transaction.cache.clear()


def check_model(name, a, b, user_a):
    """Check as user A that nothing of operator B is reachable.
    Raise Leak with the way in that leaked."""
    pool = Pool()
    Model = pool.get(name)
    rec_a, rec_b = a[name], b[name]
    transaction = Transaction()
    with ExitStack() as stack:
        stack.enter_context(transaction.set_user(user_a.id))
        stack.enter_context(transaction.set_context(
                company=a['company.company'].id, _check_access=True))
        try:
            found = Model.search([('id', '=', rec_b.id)])
        except AccessError:
            found = []
        if found:
            raise Leak(f'{name}: search finds the record of B')
        try:
            count = Model.search_count([('id', '=', rec_b.id)])
        except AccessError:
            count = 0
        if count:
            raise Leak(f'{name}: search_count counts the record of B')
        try:
            Model.read([rec_b.id], ['id'])
        except AccessError:
            pass
        else:
            raise Leak(f'{name}: read returns the record of B')
        if issubclass(Model, ModelSQL) and not callable(Model.table_query):
            if not refused(lambda: Model.write([Model(rec_b.id)], {})):
                raise Leak(f'{name}: write changes the record of B')
            # users are never deleted: deactivated instead
            delete_errors = (AccessError, UserDeleteError)
            if not refused(
                    lambda: Model.delete([Model(rec_b.id)]), delete_errors):
                raise Leak(f'{name}: delete removes the record of B')
            for fname, field, target in _relation_targets(Model, a):
                value = b[target].id
                if field._type == 'many2many':
                    value = [('add', [value])]
                errors = (AccessError, DomainValidationError)
                if not refused(
                        lambda fname=fname, value=value: Model.write(
                            [Model(rec_a.id)], {fname: value}),
                        errors):
                    raise Leak(
                        f'{name}.{fname}: links a record of B '
                        f'({target} {b[target].id})')


class IsolationTestCase(unittest.TestCase):
    "Operator isolation crawler"

    @classmethod
    def setUpClass(cls):
        from trytond import config
        # the crawler's refused calls would log a traceback each
        cls._dispatcher_level = DISPATCHER_LOGGER.level
        DISPATCHER_LOGGER.setLevel(logging.CRITICAL)
        # quotes and claims are e-mailed by their fixtures
        cls.smtp = SMTPServer()
        cls.smtp.start()
        cls._email_uri = config.get('email', 'uri')
        config.set('email', 'uri', cls.smtp.uri)
        # the platform's billing pays by card on a local Stripe: the
        # fixtures' card form and the crawler's "Pay by Card" and "Save a
        # Card" of its own operator
        cls.stripe = StripeServer(webhook_secret=WEBHOOK_SECRET)
        cls.stripe.start()
        cls._stripe_config = {
            o: config.get('telco_platform', o) for o in STRIPE_OPTIONS
            } if config.has_section('telco_platform') else None
        point_stripe_at(cls.stripe)
        drop_db()
        activate_module(PLATFORM)
        # the fixtures' accounting locks these tables: taken from the start
        # rather than met one by one, each time building the operators again
        pool = Pool(DB_NAME)
        extras = {'_lock_tables': [pool.get(m)._table for m in [
                    'account.configuration', 'account.fiscalyear',
                    'account.period', 'account.journal.period']]}
        while True:
            # the bill run locks tables: start again with them, as the
            # dispatcher does
            try:
                with Transaction().start(
                        DB_NAME, 0, **extras) as transaction:
                    cls.ids = cls._build_operators()
                    transaction.commit()
            except TransactionError as error:
                Transaction().tasks.clear()
                error.fix(extras)
                continue
            break

    @classmethod
    def _build_operators(cls):
        ids = {}
        # the platform's own company, which invoices the operators: a third
        # company, of neither operator
        config = setup_platform(cls.stripe)
        companies = []
        for code, name in [('OPA', 'Operator A'), ('OPB', 'Operator B')]:
            company = create_operator(name, code, features=FEATURES)
            staff = create_staff(
                f'staff_{code.lower()}', company,
                groups=ISOLATION_GROUPS,
                email=f'staff@{code.lower()}.example.com')
            User = Pool().get('res.user')
            User.write([staff], {'password': PASSWORD})
            fixtures = _build(company, staff)
            companies.append(company)
            ids[code] = {k: (v.__name__, v.id) for k, v in fixtures.items()}
            # one user per role of the demo
            for role, groups in DEMO_ROLES.items():
                user = create_staff(
                    f'{role}_{code.lower()}', company, groups=groups)
                User.write([user], {'password': PASSWORD})
        cls.platform_ids = {
            k: (v.__name__, v.id)
            for k, v in _build_platform_records(config, companies).items()}
        # the platform administrator, who works for every operator
        platform_company = config.platform_company
        admin = create_staff(
            'platform_isolation', platform_company,
            groups=demo_roles.PLATFORM_GROUPS)
        User.write([admin], {
                'companies': [('add', [c.id for c in companies])],
                'company_filter': 'all',
                })
        # the configuration values found for one operator only are left
        both = set(ids['OPA']) & set(ids['OPB'])
        return {
            code: {k: v for k, v in values.items() if k in both}
            for code, values in ids.items()}

    @classmethod
    def tearDownClass(cls):
        from trytond import config
        DISPATCHER_LOGGER.setLevel(cls._dispatcher_level)
        drop_db()
        cls.smtp.stop()
        config.set('email', 'uri', cls._email_uri)
        cls.stripe.stop()
        if cls._stripe_config is None:
            config.remove_section('telco_platform')
            config.get.cache_clear()
            config.getint.cache_clear()
        else:
            for option, value in cls._stripe_config.items():
                config.set('telco_platform', option, value)

    def fixtures(self, code):
        pool = Pool()
        return {
            name: pool.get(model)(id_)
            for name, (model, id_) in self.ids[code].items()}

    @with_transaction()
    def test_every_model_has_fixtures(self):
        "Every per-operator model is crawled: a new one must join"
        pool = Pool()
        owned = company_models()
        fixtures = self.fixtures('OPA')
        # a company's value of a configuration that is not a ModelView: its
        # RPC (default_get, fields_get, pre_validate) reads no record
        values = {
            n for n in crawled_models() - set(fixtures)
            if not issubclass(pool.get(n), ModelView)
            and 'company' in pool.get(n)._fields}
        missing = crawled_models() - set(fixtures) - values
        print(f"\nmodels: {len(crawled_models() & set(fixtures))} crawled, "
            f"{len(owned)} models owned by a company, "
            f"{len(values)} configuration values without a record, "
            f"{len(NO_FIXTURE)} without fixture (NO_FIXTURE)", end=' ')
        self.assertFalse(
            missing,
            msg="Models without isolation fixture (add them to _build "
            "or to SHARED with the reason): %s" % ', '.join(sorted(missing)))

    @with_transaction()
    def test_crawler_orm(self):
        "No record of B reachable by A, through any method of the client"
        a, b = self.fixtures('OPA'), self.fixtures('OPB')
        checked = []
        for name in sorted(crawled_models() & set(a)):
            with self.subTest(model=name):
                check_model(name, a, b, a['res.user'])
                check_model(name, b, a, b['res.user'])
                checked.append(name)
        self.assertGreaterEqual(len(checked), 15)
        print(f"\ncrawler: {len(checked)} models checked", end=' ')

    @with_transaction()
    def test_crawler_detects_missing_rule(self):
        "The crawler fails when an isolation rule is removed"
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        ModelData = pool.get('ir.model.data')
        a, b = self.fixtures('OPA'), self.fixtures('OPB')
        check_model('telco.customer.category', a, b, a['res.user'])
        Rule = pool.get('ir.rule')
        rule_group = RuleGroup.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*rule_group.delete(
                where=rule_group.id == ModelData.get_id(
                    'telco_party', 'rule_group_customer_category_companies')))
        Rule._domain_get_cache.clear()
        with self.assertRaises(Leak):
            check_model('telco.customer.category', a, b, a['res.user'])

    @with_transaction()
    def test_platform_records(self):
        """The platform's company and its records of the billing of the
        operators (its invoice to an operator and its move, the card payment,
        the operator's Stripe customer, the dunning, the webhook's events,
        the configuration) are out of reach of the staff of both operators,
        every role; the platform administrator is served the operators'
        bills and charges"""
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        platform = {
            name: pool.get(model)(id_)
            for name, (model, id_) in self.platform_ids.items()}
        logins = [
            f'{role}_{code.lower()}'
            for code in sorted(self.ids) for role in ['staff', *DEMO_ROLES]]
        leaks = []
        for login in logins:
            user, = User.search([('login', '=', login)])
            with transaction.set_user(user.id), transaction.set_context(
                    company=user.company.id, _check_access=True):
                for name, record in sorted(platform.items()):
                    Model = record.__class__
                    try:
                        found = Model.search([('id', '=', record.id)])
                    except AccessError:
                        found = []
                    if found:
                        leaks.append(f'{login}: {name}: search finds it')
                    try:
                        Model.read([record.id], ['rec_name'])
                    except AccessError:
                        pass
                    else:
                        leaks.append(f'{login}: {name}: read returns it')
        self.assertFalse(leaks, msg='\n'.join(leaks))
        # the platform administrator works for every operator
        admin, = User.search([('login', '=', 'platform_isolation')])
        with transaction.set_user(admin.id), transaction.set_context(
                company=platform['company.company'].id,
                _check_access=True):
            for code in sorted(self.ids):
                for name in ['telco.platform.bill', 'telco.platform.charge']:
                    model, id_ = self.ids[code][name]
                    Model = pool.get(model)
                    self.assertEqual(
                        Model.search([('id', '=', id_)]), [Model(id_)],
                        msg=f'{code} {name}')
            for name in [
                    'telco.platform.configuration',
                    'telco.platform.stripe.event']:
                record = platform[name]
                record.__class__.read([record.id], ['rec_name'])
        print(f"\nplatform: {len(platform)} records of the platform hidden "
            f"from {len(logins)} users of the operators", end=' ')

    def test_platform_records_rpc(self):
        """The platform's records over JSON-RPC, by the crawler's staff of
        both operators, in a context of their own operator with every other
        key that could widen the access, the platform's company among them"""
        client = Client(app)
        leaks = []
        calls = 0
        for code in sorted(self.ids):
            login = f'staff_{code.lower()}'
            session = Session(client, DB_NAME, login, PASSWORD)
            company = self.ids[code]['company.company'][1]
            context = self._hostile_context(
                {'company': company, 'companies': [company]})
            for model, id_ in sorted(self.platform_ids.values()):
                for method, params in [
                        ('search', [[('id', '=', id_)], 0, None, None]),
                        ('search_count', [[('id', '=', id_)], 0, None]),
                        ('read', [[id_], ['rec_name']]),
                        ]:
                    answer = session.call(
                        f'model.{model}.{method}', params + [context])
                    calls += 1
                    if answer.get('result'):
                        leaks.append(f'{login}: {model}.{method} {id_}: '
                            f'{answer["result"]}')
        self.assertFalse(leaks, msg='\n'.join(leaks))
        print(f"\nplatform over JSON-RPC: {calls} calls", end=' ')

    def test_platform_bill_of_invoice(self):
        """The operators' staff may not make an invoice of their own the
        platform's invoice of a bill, theirs or the other operator's: posting
        or paying it would write the bill (number, amounts, paid) and run the
        features it adds (telco_platform's account.invoice.platform_bill,
        read-only in the client only)"""
        client = Client(app)
        leaks = []
        with Transaction().start(DB_NAME, 0, readonly=True):
            Invoice = Pool().get('account.invoice')
            before = {
                i.id: {
                    'platform_bill': (
                        i.platform_bill.id if i.platform_bill else None),
                    'comment': i.comment}
                for i in Invoice.browse([
                        self.ids[c]['account.invoice'][1] for c in self.ids])}
        try:
            for code in sorted(self.ids):
                invoice_id = self.ids[code]['account.invoice'][1]
                context = {'company': self.ids[code]['company.company'][1]}
                for role in ['staff', 'billing']:
                    login = f'{role}_{code.lower()}'
                    session = Session(client, DB_NAME, login, PASSWORD)
                    # served: the user changes the invoice
                    answer = session.call('model.account.invoice.write', [
                            [invoice_id], {'comment': f'Checked {code}'},
                            context])
                    self.assertIn('result', answer, msg=login)
                    for bill_code in sorted(self.ids):
                        bill_id = self.ids[bill_code]['telco.platform.bill'][1]
                        answer = session.call('model.account.invoice.write', [
                                [invoice_id], {'platform_bill': bill_id},
                                context])
                        if 'result' in answer:
                            leaks.append(f'{login}: account.invoice '
                                f'{invoice_id}.platform_bill: bill of '
                                f'{bill_code} linked')
        finally:
            # the invoices as they were, for the other tests
            with Transaction().start(DB_NAME, 0) as transaction:
                Invoice = Pool().get('account.invoice')
                for invoice_id, values in before.items():
                    Invoice.write([Invoice(invoice_id)], values)
                transaction.commit()
        self.assertFalse(leaks, msg='\n'.join(leaks))

    @with_transaction()
    def test_reports_and_wizards(self):
        """Reports and wizards of a model refuse the records of the other
        operator, run by the users of each operator"""
        runners = []
        counts = []
        for own_code, other_code in [('OPA', 'OPB'), ('OPB', 'OPA')]:
            counts.append(self._reports_and_wizards(
                    own_code, other_code, runners))
        (reports, wizards), _ = counts
        print(f"\nreports: {reports}, wizards: {wizards}, in both "
            "directions, run by a user given their groups: "
            f"{', '.join(sorted(set(runners)))}", end=' ')

    def _reports_and_wizards(self, own_code, other_code, runners):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        ActionWizard = pool.get('ir.action.wizard')
        Keyword = pool.get('ir.action.keyword')
        a, b = self.fixtures(own_code), self.fixtures(other_code)
        models = crawled_models()
        reports = ActionReport.search([('model', 'in', list(models))])
        keywords = Keyword.search([
                ('model', 'like', '%,-1'),
                ('action.type', '=', 'ir.action.wizard'),
                ])
        wizards = {
            (k.model.split(',')[0], ActionWizard.search([
                        ('action', '=', k.action.id)])[0])
            for k in keywords if k.model.split(',')[0] in models
            and k.action.active}
        wizards |= {
            (w.model, w) for w in ActionWizard.search([
                    ('model', 'in', list(models))])}
        self.assertTrue(reports)
        self.assertTrue(wizards)
        transaction = Transaction()
        IrModel = pool.get('ir.model')
        walled = {M.__name__ for M in IrModel.telco_rls_models()} if (
            IrModel.telco_rls_ready()) else set()

        def refusal(model):
            """The refusal of a record of B: absent behind the database's
            wall, else outside the record rules"""
            return ('ir.msg_read_error'
                if model in walled or model in OPERATOR_QUERIES
                else 'ir.msg_read_rule_error')

        # the action is run by a user of the own operator (A) allowed to
        # run it, so that the refusal is the record's: the crawler's staff
        # or a user of the demo's roles; an action that no role of an
        # operator may run (the standard invoice, the accounting
        # administration's) by a user of A given the action's groups and
        # the groups with access to its model
        User = pool.get('res.user')
        ModelAccess = pool.get('ir.model.access')
        users = [a['res.user']] + [
            User.search([('login', '=', f'{role}_{own_code.lower()}')])[0]
            for role in DEMO_ROLES]
        company = a['company.company'].id

        def allowed(user, check, context):
            with transaction.set_user(user.id), transaction.set_context(
                    company=company, _check_access=True, **context):
                try:
                    check()
                except AccessError:
                    return False
            return True

        def runner(action, model, check, **context):
            "A user of A allowed to run the action on no record"
            name = action.rec_name
            for user in users:
                if allowed(user, check, context):
                    return user
            accesses = ModelAccess.search([
                    ('model', '=', model),
                    ('group', '!=', None),
                    ['OR',
                        ('perm_read', '=', True),
                        ('perm_write', '=', True)],
                    ])
            user, = User.create([{
                        'name': f"Runner {name}",
                        'login': (
                            f'runner_{len(runners)}_{own_code.lower()}'),
                        'companies': [('add', [company])],
                        'company': company,
                        'groups': [('add', list(
                                    {g.id for g in action.groups}
                                    | {x.group.id for x in accesses}))],
                        }])
            self.assertTrue(
                allowed(user, check, context),
                msg=f"no user of {own_code} may run {name}")
            runners.append(name)
            return user

        for report in reports:
            with self.subTest(report=report.report_name):
                Report = pool.get(report.report_name, type='report')
                record = b[report.model]
                user = runner(report, report.model, partial(
                        Report.check_access, report, report.model, []))
                with transaction.set_user(user.id), \
                        transaction.set_context(
                            company=company, _check_access=True):
                    with self.assertRaises(AccessError) as cm:
                        Report.execute([record.id], {
                                'model': report.model,
                                'id': record.id, 'ids': [record.id],
                                'action_id': report.action.id})
                    assert_message(
                        self, cm.exception, refusal(report.model))
        for model, wizard in wizards:
            with self.subTest(wizard=wizard.wiz_name, model=model):
                Wizard = pool.get(wizard.wiz_name, type='wizard')
                record = b[model]
                context = {
                    'active_model': model, 'action_id': wizard.action.id}
                user = runner(wizard, model, Wizard.check_access, **context)
                with transaction.set_user(user.id), \
                        transaction.set_context(
                            company=company, active_id=record.id,
                            active_ids=[record.id], _check_access=True,
                            **context):
                    with self.assertRaises(AccessError) as cm:
                        Wizard.create()
                    assert_message(self, cm.exception, refusal(model))
        return len(reports), len(wizards)

    # --- HTTP entry points ---------------------------------------------

    def _hostile_context(self, extra=None):
        "A context that tries every key that could widen the access"
        context = {
            'company': self.ids['OPB']['company.company'][1],
            'companies': [self.ids['OPB']['company.company'][1]],
            # the platform's company too
            '_companies': [
                self.ids['OPA']['company.company'][1],
                self.ids['OPB']['company.company'][1],
                self.platform_ids['company.company'][1]],
            'company_filter': 'all',
            '_check_access': False,
            'active_test': False,
            }
        context.update(extra or {})
        return context

    def _sneaky_context(self, extra=None):
        """The keys of the hostile context with the user's own operator,
        which the context guard lets through"""
        context = self._hostile_context(extra)
        company = self.ids['OPA']['company.company'][1]
        context.update(company=company, companies=[company])
        return context

    def _jsonrpc(self, client, method, params, session=None):
        headers = {}
        if session:
            user_id, key = session[:2]
            token = base64.b64encode(
                f'staff_opa:{user_id}:{key}'.encode()).decode()
            headers['Authorization'] = f'Session {token}'
        response = client.post(
            f'/{DB_NAME}/rpc/', headers=headers,
            data=json.dumps(
                {'id': 1, 'method': method, 'params': params},
                cls=JSONEncoder),
            content_type='application/json')
        if response.status_code != 200:
            # models without views are not served to clients at all
            return {'error': response.status_code}
        return json.loads(response.get_data(), object_hook=JSONDecoder())

    def test_jsonrpc(self):
        "JSON-RPC as the web client speaks it, with a hostile context"
        client = Client(app)
        login = self._jsonrpc(
            client, 'common.db.login',
            ['staff_opa', {'password': PASSWORD}, 'en'])
        session = login['result']
        with Transaction().start(DB_NAME, 0):
            groups = [g.id for g in Pool().get('res.group').search([])]
            refusal = gettext('telco_base.msg_context_company')
        # B's operator named in the context: every call refused at the door
        context = self._hostile_context({'_groups': groups})
        for name in sorted(self.ids['OPB']):
            model, b_id = self.ids['OPB'][name]
            with self.subTest(model=model, context='B'):
                for method, params in [
                        ('search', [[], 0, None, None, context]),
                        ('read', [[b_id], ['id'], context]),
                        ('search_count',
                            [[('id', '=', b_id)], 0, None, context]),
                        ]:
                    result = self._jsonrpc(
                        client, f'model.{model}.{method}', params, session)
                    self.assertNotIn('result', result)
                    if result['error'] != 403:
                        self.assertEqual(
                            result['error'][1][0], refusal, method)
        # A's own operator with every other key that could widen access:
        # the calls are served (when the role may read the model) without
        # B's record
        context = self._sneaky_context({'_groups': groups})
        served = 0
        for name in sorted(self.ids['OPB']):
            model, b_id = self.ids['OPB'][name]
            with self.subTest(model=model, context='A'):
                result = self._jsonrpc(
                    client, f'model.{model}.search',
                    [[], 0, None, None, context], session)
                if 'result' in result:
                    served += 1
                    self.assertNotIn(b_id, result['result'])
                    result = self._jsonrpc(
                        client, f'model.{model}.search_count',
                        [[('id', '=', b_id)], 0, None, context], session)
                    self.assertEqual(result['result'], 0)
                result = self._jsonrpc(
                    client, f'model.{model}.read',
                    [[b_id], ['id'], context], session)
                self.assertNotIn('result', result)
        # most models are served: the branch above is not dead
        self.assertGreater(served, len(self.ids['OPB']) // 2)
        # and A still works through the same path
        result = self._jsonrpc(
            client, 'model.party.party.search',
            [[], 0, None, None, {
                    'company': self.ids['OPA']['company.company'][1]}],
            session)
        self.assertIn(self.ids['OPA']['party.party'][1], result['result'])

    def _rest_key(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Application = pool.get('res.user.application')
            User = pool.get('res.user')
            user, = User.search([('login', '=', 'staff_opa')])
            key = secrets.token_hex(16)
            Application.create([{
                        'key': key, 'user': user.id,
                        'application': 'rest', 'state': 'validated'}])
            groups = [g.id for g in Pool().get('res.group').search([])]
            transaction.commit()
        return key, groups

    def test_rest(self):
        "REST API of user applications, with a hostile context header"
        key, groups = self._rest_key()
        client = Client(app)
        domain = base64.urlsafe_b64encode(b'[]').decode()

        def headers(context):
            return {
                'Authorization': f'bearer {key}',
                'X-Tryton-Context': base64.urlsafe_b64encode(
                    json.dumps(context).encode()).decode(),
                }
        hostile = headers(self._hostile_context({'_groups': groups}))
        sneaky = headers(self._sneaky_context({'_groups': groups}))
        served = 0
        for name in sorted(self.ids['OPB']):
            model, b_id = self.ids['OPB'][name]
            with self.subTest(model=model):
                # B's operator named: refused whatever the model
                for method, path in [
                        (client.get, f'{model}?d={domain}'),
                        (client.get, f'{model}/{b_id}'),
                        (client.delete, f'{model}/{b_id}'),
                        ]:
                    response = method(
                        f'/{DB_NAME}/rest/model/{path}', headers=hostile)
                    self.assertIn(response.status_code, {400, 403}, path)
                # A's operator with the other widening keys
                response = client.get(
                    f'/{DB_NAME}/rest/model/{model}?d={domain}',
                    headers=sneaky)
                if response.status_code == 200:
                    served += 1
                    ids = [r['id'] for r in json.loads(response.get_data())]
                    self.assertNotIn(b_id, ids)
                else:
                    self.assertIn(response.status_code, {400, 403})
                response = client.get(
                    f'/{DB_NAME}/rest/model/{model}/{b_id}', headers=sneaky)
                self.assertIn(response.status_code, {400, 403, 404})
                response = client.delete(
                    f'/{DB_NAME}/rest/model/{model}/{b_id}', headers=sneaky)
                self.assertIn(response.status_code, {400, 403, 404})
        self.assertGreater(served, len(self.ids['OPB']) // 2)
        headers = hostile
        # A's own party is served, with a context of A's (the hostile one
        # names B's operator: refused whatever the record)
        a_id = self.ids['OPA']['party.party'][1]
        response = client.get(
            f'/{DB_NAME}/rest/model/party.party/{a_id}', headers=headers)
        self.assertEqual(response.status_code, 400)
        own = {'company': self.ids['OPA']['company.company'][1]}
        response = client.get(
            f'/{DB_NAME}/rest/model/party.party/{a_id}', headers={
                'Authorization': headers['Authorization'],
                'X-Tryton-Context': base64.urlsafe_b64encode(
                    json.dumps(own).encode()).decode()})
        self.assertEqual(response.status_code, 200)

    def test_routes_known(self):
        "Every HTTP route is one whose isolation is covered here"
        covered = {
            # JSON-RPC / XML-RPC of the clients
            '/',
            # REST API, tested above
            '/<database_name>/rest/model/<name>',
            '/<database_name>/rest/model/<name>/<int:id>',
            '/<database_name>/rest/model/<name>/<int:id>/<action>',
            '/<database_name>/rest/model/<name>/<action>',
            '/<database_name>/rest/report/<name>/<int:id>',
            # data export: strips private context keys, runs as the user
            '/<database_name>/data/<model>',
            # HTML editor: checks access of the user on the record
            '/<database_name>/ir/html/<model>/<int:record>/<field>',
            # avatars by unguessable uuid, user applications
            '/avatar/<base64:database_name>/<uuid>',
            '/<database_name>/user/application/',
            # JSON-RPC of the web client, tested above
            '/<string:database_name>/rpc/', '/rpc/',
            # session login/logout: authentication only, no records
            '/<string:database_name>/session/login',
            '/<string:database_name>/session/logout',
            # bus: messages are published per user channel
            '/<string:database_name>/bus',
            # static files of the web client ([web] root)
            '/<path:path>',
            # telco_base: the brand of the login page, the public brand
            # (name, colours, logo) of the operator serving the request's
            # host, no session, no operator parameter (tested in telco_base)
            '/<database_name>/telco/brand',
            # marketing_email (extras of telco_offers): the tracking image,
            # a static file, no records
            '/m/empty.gif',
            # web_shortener (with marketing_email): public redirection of
            # the links of the e-mails sent to customers, no session, serves
            # no record
            '/s/<base64:database_name>$<shortened>',
            # account_payment_stripe (with telco_platform): Stripe's card
            # form of a payment or of a customer and the page it returns to,
            # no session, found by the unguessable checkout id (a uuid) that
            # only the button of the record's owner answers with; the id of
            # a record finds nothing
            '/<database_name>/account_payment_stripe/checkout/<model>/<id>',
            '/<database_name>/account_payment_stripe/checkout/<model>/<id>'
            '/end',
            # Stripe's webhooks (Tryton's and telco_platform's): called by
            # Stripe, no session, an event taken only when signed with the
            # account's secret (telco_platform refuses and keeps an unsigned
            # one), answered with a status alone
            '/<database_name>/account_payment_stripe/webhook/<account>',
            '/<database_name>/telco_platform/stripe/<identifier>',
            # telco_messaging: the channels' webhooks, called by the
            # providers, no session; the channel found by its random
            # identifier and the call taken only when signed with its secret
            # (tested both ways in telco_messaging and below)
            '/<database_name>/telco_messaging/<identifier>',
            }
        routes = {r.rule for r in app.url_map.iter_rules()}
        unknown = {r for r in routes - covered if not r.startswith('/static')}
        self.assertFalse(
            unknown, msg="Routes without isolation coverage: %s" % unknown)

    def test_routes_called(self):
        """Each route the isolation covers is called with the other
        operator's records and answers nothing of it"""
        pool, fixtures, found, models = self._surface()
        client = Client(app)
        own, other = fixtures['OPA'], fixtures['OPB']
        session = Session(client, DB_NAME, 'staff_opa', PASSWORD)
        key, _ = self._rest_key()
        bearer = {'Authorization': f'bearer {key}'}
        with Transaction().start(DB_NAME, 0, readonly=True):
            ActionReport = pool.get('ir.action.report')
            reports = [
                (r.report_name, r.model) for r in ActionReport.search([
                        ('model', 'in', models)])]
            StripeAccount = pool.get('account.payment.stripe.account')
            webhook = StripeAccount(self.platform_ids[
                    'account.payment.stripe.account'][1]).webhook_identifier
            Channel = pool.get('telco.messaging.channel')
            Message = pool.get('telco.messaging.message')
            channel_b = Channel(other['telco.messaging.channel'].id)
            messaging_hook = channel_b.webhook_identifier
            reference_b = Message(
                other['telco.messaging.message'].id).reference
        html_field = next(
            (n, f) for n, f in pool.get('telco.claim')._fields.items()
            if f._type == 'text')
        requests = [
            ('get', f'/{DB_NAME}/ir/html/party.party/'
                f'{other["party.party"].id}/name', session.headers, None),
            ('get', f'/{DB_NAME}/ir/html/telco.claim/'
                f'{other["telco.claim"].id}/{html_field[0]}',
                session.headers, None),
            ('post', f'/{DB_NAME}/rest/model/party.party', bearer,
                {'name': "X", 'categories': [
                        ['add', [other['party.category'].id]]]}),
            ('post', f'/{DB_NAME}/user/application/', {},
                {'user': 'staff_opb', 'application': 'rest'}),
            ('post', f'/{DB_NAME}/bus', session.headers,
                {'last_message': None, 'channels': [
                        f'user:{other["res.user"].id}']}),
            ('get', '/m/empty.gif', {}, None),
            ('get', f'/{DB_NAME}/telco/brand', session.headers, None),
            ('post', f'/{DB_NAME}/session/logout', session.headers, {}),
            # Stripe's card forms by the other's record ids, and an event
            # of its card payment not signed
            ('get', f'/{DB_NAME}/account_payment_stripe/checkout/'
                f'account.payment/{other["account.payment"].id}', {}, None),
            ('get', f'/{DB_NAME}/account_payment_stripe/checkout/'
                'account.payment.stripe.customer/'
                f'{other["account.payment.stripe.customer"].id}/end', {},
                None),
            ('post', f'/{DB_NAME}/telco_platform/stripe/{webhook}', {}, {
                    'id': 'evt_isolation',
                    'type': 'payment_intent.succeeded',
                    'data': {'object': {'id': 'pi_opb'}}}),
            ('post', f'/{DB_NAME}/account_payment_stripe/webhook/{webhook}',
                {}, {
                    'id': 'evt_isolation',
                    'type': 'payment_intent.succeeded',
                    'data': {'object': {'id': 'pi_opb'}}}),
            # the other's gateway webhook, unsigned: a report of its
            # message and a customer's message
            ('post', f'/{DB_NAME}/telco_messaging/{messaging_hook}', {}, {
                    'results': [{
                            'messageId': reference_b,
                            'status': {'groupName': 'UNDELIVERABLE'}}, {
                            'messageId': 'mo-isolation', 'from': '21698000011',
                            'text': 'STOP'}]}),
            ('get', f'/{DB_NAME}/telco_messaging/{messaging_hook}'
                '?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1', {},
                None),
            ]
        for report_name, model in reports:
            requests.append((
                    'get', f'/{DB_NAME}/rest/report/{report_name}/'
                    f'{other[model].id}', bearer, None))
        leaks = []
        for verb, url, headers, data in requests:
            response = getattr(client, verb)(
                url, headers=headers,
                data=json.dumps(data) if data is not None else None,
                content_type='application/json')
            text = response.get_data().decode('utf-8', 'replace')
            if self._leaked(text, found['OPB']):
                leaks.append(f'{verb} {url}: answer has '
                    f'{self._leaked(text, found["OPB"])[:3]}')
            if '/rest/' in url and response.status_code < 300:
                leaks.append(f'{verb} {url}: {response.status_code}')
            # neither a record id nor an unsigned event is taken by Stripe's
            # routes
            if ('stripe/' in url or 'telco_messaging/' in url) and (
                    response.status_code < 400):
                leaks.append(f'{verb} {url}: {response.status_code}')
        self.assertFalse(leaks, msg='\n'.join(leaks))
        # the unsigned report changed nothing of the other's message
        with Transaction().start(DB_NAME, 0, readonly=True):
            self.assertEqual(pool.get('telco.messaging.message')(
                    other['telco.messaging.message'].id).state, 'delivered')
        # the own side of the HTML editor is served
        session = Session(client, DB_NAME, 'staff_opa', PASSWORD)
        response = client.get(
            f'/{DB_NAME}/ir/html/telco.claim/{own["telco.claim"].id}/'
            f'{html_field[0]}', headers=session.headers)
        self.assertEqual(response.status_code, 200)
        print(f"\nroutes: {len(requests)} calls ({len(reports)} reports)",
            end=' ')

    def test_data_route(self):
        "CSV export route with a hostile context"
        client = Client(app)
        with Transaction().start(DB_NAME, 0):
            pass
        b_name = 'Customer of OPB'
        login = self._jsonrpc(
            client, 'common.db.login',
            ['staff_opa', {'password': PASSWORD}, 'en'])
        user_id, key = login['result'][:2]
        token = base64.b64encode(
            f'staff_opa:{user_id}:{key}'.encode()).decode()
        response = client.get(
            f'/{DB_NAME}/data/party.party?f=name&c='
            + json.dumps(self._hostile_context()),
            headers={'Authorization': f'Session {token}'})
        self.assertEqual(response.status_code, 200)
        body = response.get_data(as_text=True)
        self.assertIn('Customer of OPA', body)
        self.assertNotIn(b_name, body)

    @with_transaction()
    def test_relations_carry_operator_domain(self):
        """Every editable relation of a crawled model to an operator-owned
        model restricts its target to the record's operator"""
        pool = Pool()
        names = crawled_models()
        owned = set()
        for name in names:
            Model = pool.get(name)
            field = Model._fields.get('company')
            if (field is not None and field._type == 'many2one'
                    and field.get_target().__name__ == 'company.company'):
                owned.add(name)
        missing = []
        for name in sorted(names):
            Model = pool.get(name)
            if (not issubclass(Model, ModelSQL)
                    or callable(getattr(Model, 'table_query', None))):
                continue
            for fname, field in sorted(Model._fields.items()):
                # the parent a child follows for its access is the owner
                if fname in Model.__access__:
                    continue
                if (isinstance(field, fields.Function)
                        or field._type not in {'many2one', 'many2many'}
                        or field.readonly is True
                        or fname in {'create_uid', 'write_uid'}):
                    continue
                target = field.get_target().__name__
                if (target not in owned
                        or target in RELATION_TARGETS_EXEMPT
                        or f'{name}.{fname}' in RELATIONS_EXEMPT):
                    continue
                if 'company' not in repr(field.domain):
                    missing.append(f'{name}.{fname} -> {target}')
        self.assertFalse(missing, msg='\n'.join(missing))
        print(f"\nrelations: {len(owned)} operator-owned models",
            end=' ')

    # --- the whole surface the server exposes ---------------------------

    def _surface(self):
        """Fixtures, markers and the surface as the server lists it, read
        in a transaction of its own"""
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0, readonly=True):
            fixtures = {
                code: {name: pool.get(model)(id_)
                    for name, (model, id_) in self.ids[code].items()}
                for code in self.ids}
            found = {code: markers(fixtures[code], code) for code in fixtures}
            models = sorted(crawled_models() & set(fixtures['OPA']))
            ModelAccess = pool.get('ir.model.access')
            readable = {}
            for code in fixtures:
                user = fixtures[code]['res.user']
                company = fixtures[code]['company.company']
                with Transaction().set_user(user.id), \
                        Transaction().set_context(
                            company=company.id, _check_access=True):
                    readable[code] = {
                        n for n in models
                        if issubclass(pool.get(n), ModelView)
                        and ModelAccess.check(
                            n, 'read', raise_exception=False)}
            # records bound to a resource are served with their resource
            resource_of = {}
            for name in models:
                record = fixtures['OPA'][name]
                if 'resource' in record._fields and record.resource:
                    resource_of[name] = str(record.resource).split(',')[0]
        self.readable = readable
        self.resource_of = resource_of
        for code in fixtures:
            fixtures[code]['_markers'] = found[code]
            self.assertGreater(len(found[code]), 20, msg=code)
        return pool, fixtures, found, models

    def _fingerprint(self, fixtures):
        with Transaction().start(DB_NAME, 0, readonly=True):
            return fingerprint({
                    k: v for k, v in fixtures.items()
                    if not k.startswith('_')})

    @staticmethod
    def _leaked(text, found):
        return sorted(m for m in found if m in text)

    def _crawl_model(self, session, Model, own, other, found, contexts):
        "Call every RPC method of the model; return the leaks and calls"
        name = Model.__name__
        leaks = []
        calls = 0
        for method in sorted(Model.__rpc__):
            rpc = Model.__rpc__[method]
            for label, params in rpc_calls(Model, method, rpc, own, other):
                for i, context in enumerate(contexts):
                    if i and method not in HOSTILE_CONTEXT_METHODS:
                        continue
                    answer = session.call(
                        f'model.{name}.{method}', params + [context])
                    calls += 1
                    where = f'{session.login}: {name}.{method} ({label})'
                    leaked = self._leaked(answer['text'], found)
                    if leaked:
                        leaks.append(f'{where}: answer has {leaked[:3]}')
                    if i and 'result' in answer:
                        leaks.append(f'{where}: served with context {context}')
                    if (method == 'search' and 'result' in answer
                            and other[name].id in answer['result']):
                        leaks.append(f'{where}: finds the record')
        return leaks, calls

    def _contexts(self, own, other):
        return [
            {'company': own['company.company'].id},
            {'company': other['company.company'].id},
            {'company': own['company.company'].id,
                'employee': other['company.employee'].id},
            ]

    def test_rpc_surface(self):
        """Every RPC method of every crawled model, called over JSON-RPC
        with the other operator's ids, values and contexts"""
        pool, fixtures, found, models = self._surface()
        client = Client(app)
        leaks = []
        methods = {(n, m) for n in models for m in pool.get(n).__rpc__}
        calls = 0
        served = 0
        for own_code, other_code in [('OPA', 'OPB'), ('OPB', 'OPA')]:
            own, other = fixtures[own_code], fixtures[other_code]
            session = Session(
                client, DB_NAME, f'staff_{own_code.lower()}', PASSWORD)
            contexts = self._contexts(own, other)
            for name in models:
                Model = pool.get(name)
                before = self._fingerprint(other)
                model_leaks, model_calls = self._crawl_model(
                    session, Model, own, other, found[other_code], contexts)
                leaks += model_leaks
                calls += model_calls
                # the own side is served
                answer = session.call(f'model.{name}.search', [
                        [('id', '=', own[name].id)], 0, None, None,
                        contexts[0]])
                calls += 1
                if answer.get('result') == [own[name].id]:
                    served += 1
                elif name in self.readable[own_code]:
                    leaks.append(
                        f'{own_code}: {name}: own record not served')
                after = self._fingerprint(other)
                changed = [k for k in before if before[k] != after[k]]
                if changed:
                    leaks.append(
                        f'{own_code}: {name} changed rows of {other_code}: '
                        f'{changed}')
        self.assertFalse(leaks, msg='\n'.join(leaks[:50]))
        self.assertEqual(
            served, sum(len(r) for r in self.readable.values()))
        print(f"\nrpc surface: {len(models)} models, {len(methods)} "
            f"methods, {calls} calls, own records served for {served} "
            "model-operator pairs", end=' ')

    def test_rpc_surface_detects_unguarded(self):
        """The crawler finds the leak of an export_data that lost its
        check, on a child model the database's wall does not cover"""
        pool, fixtures, found, models = self._surface()
        client = Client(app)
        own, other = fixtures['OPA'], fixtures['OPB']
        session = Session(client, DB_NAME, 'staff_opa', PASSWORD)
        contexts = self._contexts(own, other)[:1]
        Address = pool.get('party.address')
        self.assertNotIn('export_data', Address.__dict__)
        Address.export_data = classmethod(ModelStorage.export_data.__func__)
        try:
            leaks, _ = self._crawl_model(
                session, Address, own, other, found['OPB'], contexts)
        finally:
            del Address.export_data
        self.assertTrue(
            [x for x in leaks if '.export_data (columns)' in x], msg=leaks)
        leaks, _ = self._crawl_model(
            session, Address, own, other, found['OPB'], contexts)
        self.assertEqual(leaks, [])

    def test_roles_surface(self):
        """As each role of the demo against the other operator: every RPC
        method of the models it may read, with the other operator's ids and
        values; its own records served.  A role has the same groups in both
        operators: the roles take turns at each direction (the staff's pass
        above crawls both with every variant and context)"""
        pool, fixtures, found, models = self._surface()
        client = Client(app)
        leaks = []
        calls = 0
        served = {}
        methods_called = set()
        directions = [('OPA', 'OPB'), ('OPB', 'OPA')]
        for i, role in enumerate(DEMO_ROLES):
            own_code, other_code = directions[i % 2]
            own, other = fixtures[own_code], fixtures[other_code]
            contexts = self._contexts(own, other)[:1]
            login = f'{role}_{own_code.lower()}'
            session = Session(client, DB_NAME, login, PASSWORD)
            readable = self._readable(login, own, models)
            served[login] = 0
            before = self._fingerprint(other)
            for name in readable:
                Model = pool.get(name)
                for method in sorted(Model.__rpc__):
                    rpc = Model.__rpc__[method]
                    variants = list(rpc_calls(
                            Model, method, rpc, own, other))
                    # every method, with the variants that carry the
                    # other's records (the staff pass tries them all)
                    chosen = [
                        v for v in variants if v[0] in ROLE_VARIANTS]
                    for label, params in chosen or variants[:1]:
                        methods_called.add((name, method))
                        answer = session.call(
                            f'model.{name}.{method}',
                            params + contexts)
                        calls += 1
                        leaked = self._leaked(
                            answer['text'], found[other_code])
                        if leaked:
                            leaks.append(f'{login}: {name}.{method} '
                                f'({label}): answer has {leaked[:3]}')
                if name in USER_RULE_MODELS:
                    # the fixture is another user's
                    continue
                if self.resource_of.get(name, name) not in readable:
                    # bound to a record the role may not read
                    continue
                answer = session.call(f'model.{name}.read', [
                        [own[name].id], ['rec_name'], contexts[0]])
                calls += 1
                if 'result' in answer:
                    served[login] += 1
                else:
                    leaks.append(f'{login}: {name}: own record not '
                        f'served: {answer["text"][:200]}')
            after = self._fingerprint(other)
            changed = [k for k in before if before[k] != after[k]]
            if changed:
                leaks.append(f'{login}: changed rows of '
                    f'{other_code}: {changed}')
        self.assertFalse(leaks, msg='\n'.join(leaks[:50]))
        self.assertTrue(all(served.values()), msg=served)
        print(f"\nroles: {len(DEMO_ROLES)} roles, both directions, "
            f"{len(methods_called)} methods, "
            f"{calls} calls, models served per role: "
            + ', '.join(f'{k} {v}' for k, v in sorted(served.items())),
            end=' ')

    def _readable(self, login, own, models):
        "The crawled models the user may read"
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0, readonly=True):
            User = pool.get('res.user')
            ModelAccess = pool.get('ir.model.access')
            user, = User.search([('login', '=', login)])
            with Transaction().set_user(user.id), \
                    Transaction().set_context(
                        company=own['company.company'].id,
                        _check_access=True):
                return [
                    n for n in models
                    if issubclass(pool.get(n), ModelView)
                    and ModelAccess.check(n, 'read', raise_exception=False)]

    def test_wizard_forms(self):
        """Every wizard of the pool: its session started on one's own
        record, each view's form pointing to the other operator's records,
        each button's transition executed"""
        pool, fixtures, found, models = self._surface()
        client = Client(app)
        with Transaction().start(DB_NAME, 0, readonly=True):
            ActionWizard = pool.get('ir.action.wizard')
            Keyword = pool.get('ir.action.keyword')
            actions = {}
            for action in ActionWizard.search([]):
                model = action.model
                if not model:
                    keywords = Keyword.search([
                            ('action', '=', action.action.id)])
                    models = [str(k.model).split(',')[0] for k in keywords
                        if k.model
                        and not str(k.model).startswith('ir.ui.menu,')]
                    model = models[0] if models else None
                actions.setdefault(action.wiz_name, (model, action.action.id))
        leaks = []
        wizards = executed = calls = without_record = 0
        forged_without_record = 0
        # the crawler's staff (every group) then each role of the demo, of
        # each operator against the other
        runs = [
            (own_code, other_code, f'{user}_{own_code.lower()}')
            for own_code, other_code in [('OPA', 'OPB'), ('OPB', 'OPA')]
            for user in ['staff', *DEMO_ROLES]]
        for own_code, other_code, login in runs:
            own, other = fixtures[own_code], fixtures[other_code]
            session = Session(client, DB_NAME, login, PASSWORD)
            first = login == 'staff_opa'
            before = self._fingerprint(other)
            for wiz_name, Wizard in sorted(pool.iterobject(type='wizard')):
                model, action_id = actions.get(wiz_name, (None, None))
                context = {'company': own['company.company'].id}
                # a wizard of a model that has no fixture (core accounting,
                # reporting and administration models) is started on no
                # record: its forms may then be accepted, but must neither
                # answer with nor change anything of the other operator
                on_record = model in own
                if on_record:
                    context.update(
                        active_model=model, active_id=own[model].id,
                        active_ids=[own[model].id], action_id=action_id)
                elif model:
                    context.update(
                        active_model=model, active_ids=[],
                        action_id=action_id)
                    without_record += first
                wizards += first
                for state_name, state, targets in wizard_states(Wizard):
                    View = pool.get(state.model_name)
                    form = forged_values(View, other)
                    if not form:
                        continue
                    for target in targets:
                        created = session.call(
                            f'wizard.{wiz_name}.create', [context])
                        calls += 1
                        if 'result' not in created:
                            continue
                        forged_without_record += not on_record
                        session_id = created['result'][0]
                        answer = session.call(
                            f'wizard.{wiz_name}.execute',
                            [session_id, {state_name: form}, target,
                                context])
                        calls += 1
                        executed += 1
                        where = (f'{login}: {wiz_name} {state_name} -> '
                            f'{target}')
                        leaked = self._leaked(
                            answer['text'], found[other_code])
                        if leaked:
                            leaks.append(f'{where}: answer has {leaked[:3]}')
                        if 'result' in answer and on_record:
                            leaks.append(f'{where}: forged form accepted')
                        session.call(
                            f'wizard.{wiz_name}.delete', [session_id, context])
                        calls += 1
            after = self._fingerprint(other)
            changed = [k for k in before if before[k] != after[k]]
            if changed:
                leaks.append(f'{login}: wizards changed rows of '
                    f'{other_code}: {changed}')
        self.assertFalse(leaks, msg='\n'.join(leaks[:50]))
        self.assertGreater(executed, 10)
        self.assertGreater(without_record, 0)
        print(f"\nwizards: {wizards} of the pool ({without_record} of models "
            f"without fixture, started on no record), {executed} forged "
            f"transitions ({forged_without_record} on no record) by "
            f"{len(runs)} users (the crawler's staff and the demo's roles "
            f"of both operators), {calls} calls", end=' ')

    def test_rest_surface(self):
        """REST verbs and every action of every crawled model with the
        other operator's ids"""
        pool, fixtures, found, models = self._surface()
        key, _ = self._rest_key()
        client = Client(app)
        headers = {'Authorization': f'bearer {key}'}
        own, other = fixtures['OPA'], fixtures['OPB']
        leaks = []
        calls = 0
        before = self._fingerprint(other)
        for name in models:
            Model = pool.get(name)
            other_id = other[name].id
            base = f'/{DB_NAME}/rest/model/{name}'
            requests = [
                ('get', f'{base}/{other_id}', None),
                ('put', f'{base}/{other_id}', {}),
                ('delete', f'{base}/{other_id}', None),
                ]
            for method, rpc in sorted(Model.__rpc__.items()):
                if method in {'read', 'write', 'delete', 'create'}:
                    continue
                requests.append(('post', f'{base}/{other_id}/{method}', {}))
                param = rest_params(Model, method)
                if param and (rpc.instantiate is not None):
                    requests.append(
                        ('post', f'{base}/{method}', {param: [other_id]}))
            for verb, url, data in requests:
                response = getattr(client, verb)(
                    url, headers=headers,
                    data=json.dumps(data) if data is not None else None,
                    content_type='application/json')
                calls += 1
                text = response.get_data(as_text=True)
                leaked = self._leaked(text, found['OPB'])
                if leaked:
                    leaks.append(f'{verb} {url}: answer has {leaked[:3]}')
                if response.status_code < 300 and verb in {'put', 'delete'}:
                    leaks.append(f'{verb} {url}: {response.status_code}')
            # the CSV route by id
            response = client.get(
                f'/{DB_NAME}/data/{name}?f=rec_name&d='
                + json.dumps([[('id', '=', other_id)]]),
                headers=self._session_headers(client))
            calls += 1
            leaked = self._leaked(
                response.get_data(as_text=True), found['OPB'])
            if leaked:
                leaks.append(f'/data/{name}: answer has {leaked[:3]}')
        after = self._fingerprint(other)
        changed = [k for k in before if before[k] != after[k]]
        if changed:
            leaks.append(f'REST changed rows of OPB: {changed}')
        self.assertFalse(leaks, msg='\n'.join(leaks[:50]))
        # the own side is served
        response = client.get(
            f'/{DB_NAME}/rest/model/party.party/{own["party.party"].id}',
            headers=headers)
        self.assertEqual(response.status_code, 200)
        print(f"\nrest surface: {len(models)} models, {calls} calls",
            end=' ')

    def _session_headers(self, client):
        session = getattr(self, '_csv_session', None)
        if session is None:
            session = self._csv_session = Session(
                client, DB_NAME, 'staff_opa', PASSWORD)
        return session.headers

    def test_preferences(self):
        "Preferences accept neither the other operator nor its employee"
        pool, fixtures, found, models = self._surface()
        client = Client(app)
        own, other = fixtures['OPA'], fixtures['OPB']
        session = Session(client, DB_NAME, 'staff_opa', PASSWORD)
        for values in [
                {'company': other['company.company'].id},
                {'employee': other['company.employee'].id},
                ]:
            with self.subTest(values=values):
                answer = session.call(
                    'model.res.user.set_preferences', [values, {}])
                self.assertIn('error', answer)
                self.assertFalse(self._leaked(answer['text'], found['OPB']))
        answer = session.call('model.res.user.get_preferences', [False, {}])
        self.assertEqual(
            answer['result']['company'], own['company.company'].id)
        self.assertFalse(self._leaked(answer['text'], found['OPB']))


# the roles of the demo's staff (the platform administrator, who works
# across operators by design, aside)
DEMO_ROLES = {
    'admin': demo_roles.ADMIN_GROUPS,
    'agent': demo_roles.AGENT_GROUPS,
    'billing': demo_roles.BILLING_GROUPS,
    'shop': demo_roles.SHOP_GROUPS,
    'marketing': demo_roles.MARKETING_GROUPS,
    }
ROLE_VARIANTS = {'id', 'columns', 'ids', 'values'}
# models whose rows are computed for the operator of the context only:
# another operator's row does not exist for the caller
OPERATOR_QUERIES = {
    'telco.dashboard.statistic': "grouped from the summary of the "
    "context's operator (behind the wall)",
    'telco.dashboard.breakdown.statistic': "grouped from the summary of "
    "the context's operator (behind the wall)",
    }
# targets whose company field is not an owner, and why
RELATION_TARGETS_EXEMPT = {
    'company.company': "the operators themselves, with their own rule",
    'res.user': "users are shared by the platform administrators across "
    "operators; their company is the one they work for now, and the users "
    "rule shows the users of one's operators only",
    }
# relation fields exempt from the operator domain, and why
RELATIONS_EXEMPT = {
    'company.company.party': "the operator's own party, which gets the "
    "operator as its company once the operator exists",
    'account.invoice.payment_lines': "restricted by core to the lines of "
    "the invoice's account, which is the operator's",
    }
DISPATCHER_LOGGER = logging.getLogger('trytond.protocols.dispatcher')
# the methods also called with a context naming the other operator
HOSTILE_CONTEXT_METHODS = {'search', 'read', 'default_get', 'search_read'}

ISOLATION_GROUPS = [
    'telco_claims.group_claim',
    'telco_claims.group_claim_supervisor',
    'telco_base.group_operator_admin',
    'telco_base.group_supervisor',
    'telco_base.group_agent',
    'telco_base.group_customer',
    'telco_base.group_customer_admin',
    'telco_dashboard.group_dashboard',
    'telco_billing.group_quote',
    'telco_billing.group_billing',
    'telco_stock.group_shop_agent',
    'telco_stock.group_shop_manager',
    'telco_stock.group_stock_manager',
    'sale_point.group_sale_point',
    'sale_point.group_sale_point_posting',
    'stock.group_stock',
    'stock.group_stock_admin',
    'sale.group_sale',
    'account.group_account',
    'product.group_product_admin',
    'account_product.group_account_product_admin',
    'party.group_party_admin',
    'company.group_employee_admin',
    'telco_offers.group_offers',
    'telco_offers.group_marketing',
    'marketing.group_marketing',
    'telco_messaging.group_messaging',
    'telco_messaging.group_messaging_supervisor',
    ]
