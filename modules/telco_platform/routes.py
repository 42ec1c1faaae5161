# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Stripe's webhook of the platform's account.

Unlike the route of account_payment_stripe, it refuses an event without a
valid signature whatever the account's set-up, and keeps every refused
delivery with its reason (Platform > Stripe Events)."""
import logging

import stripe

from trytond.protocols.wrappers import (
    HTTPStatus, Response, with_pool, with_transaction)
from trytond.wsgi import app

logger = logging.getLogger(__name__)


@app.route(
    '/<database_name>/telco_platform/stripe/<identifier>', methods={'POST'})
@with_pool
@with_transaction(context={'_skip_warnings': True})
def stripe_webhook(request, pool, identifier):
    Account = pool.get('account.payment.stripe.account')
    Event = pool.get('telco.platform.stripe.event')
    body = request.get_data(as_text=True)
    remote = request.remote_addr
    accounts = Account.search([('webhook_identifier', '=', identifier)])
    if len(accounts) != 1:
        Event.refuse(None, body, "unknown webhook", remote)
        return Response(status=HTTPStatus.NOT_FOUND)
    account, = accounts
    if not account.webhook_signing_secret:
        Event.refuse(account, body, "no signing secret set", remote)
        return Response(status=HTTPStatus.FORBIDDEN)
    signature = request.headers.get('Stripe-Signature')
    if not signature:
        Event.refuse(account, body, "no signature", remote)
        return Response(status=HTTPStatus.BAD_REQUEST)
    try:
        event = stripe.Webhook.construct_event(
            body, signature, account.webhook_signing_secret)
    except ValueError:
        Event.refuse(account, body, "invalid payload", remote)
        return Response(status=HTTPStatus.BAD_REQUEST)
    except stripe.SignatureVerificationError as error:
        Event.refuse(account, body, f"bad signature: {error}", remote)
        return Response(status=HTTPStatus.BAD_REQUEST)
    result = account.webhook(event)
    if result is None:
        logger.info("No callback for event type '%s'", event.type)
    elif not result:
        return Response(status=HTTPStatus.NOT_FOUND)
    return Response(status=HTTPStatus.NO_CONTENT)
