# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The channels' webhooks: ``/<database>/telco_messaging/<identifier>``.

The identifier (a random id per channel) finds the channel and so the
operator: what a call says is applied to that channel's messages and
conversations only.  A call is taken only when signed with the channel's
secret (``X-Hub-Signature-256`` for Meta and the JSON gateway, the token
of Kannel's URLs, the mail provider's signature of an inbound e-mail); a
refused call is kept with its reason (Messaging >
Refused Calls).  Repeated calls change nothing: a message is received
once per provider's id and a report never takes a message back."""
import hmac
import json
import logging

from trytond import backend
from trytond.protocols.wrappers import (
    HTTPStatus, Response, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from . import webhook
from .channel import WEBHOOK
from .provider import signature_valid

logger = logging.getLogger(__name__)


@app.route(
    '/<database_name>/telco_messaging/<identifier>',
    methods={'GET', 'POST'})
@with_pool
@with_transaction(readonly=False, context={'_skip_warnings': True})
def messaging_webhook(request, pool, identifier):
    Channel = pool.get('telco.messaging.channel')
    Refusal = pool.get('telco.messaging.refusal')
    channels = Channel.search([
            ('webhook_identifier', '=', identifier),
            ('kind', 'in', WEBHOOK),
            ])
    if len(channels) != 1:
        logger.warning(
            "messaging webhook %s unknown (from %s)", identifier,
            request.remote_addr)
        return Response(status=HTTPStatus.NOT_FOUND)
    channel, = channels
    body = request.get_data(as_text=True)
    remote = request.remote_addr

    def refuse(reason, status=HTTPStatus.FORBIDDEN):
        logger.warning(
            "messaging webhook of %s refused: %s", channel.rec_name, reason)
        Refusal.refuse(channel, reason, remote, body or request.query_string
            .decode('utf-8', 'replace'))
        return Response(status=status)

    if not channel.secret:
        return refuse("no secret set on the channel")
    with Transaction().set_context(company=channel.company.id):
        if channel.kind in {'whatsapp', 'messenger'}:
            if request.method == 'GET':
                return _subscribe(request, channel, refuse)
            if not signature_valid(
                    channel.secret, request.get_data(),
                    request.headers.get('X-Hub-Signature-256')):
                return refuse("bad or missing X-Hub-Signature-256")
            payload = _json(body)
            if payload is None:
                return refuse("invalid JSON", HTTPStatus.BAD_REQUEST)
            if channel.kind == 'whatsapp':
                reports, inbound = webhook.whatsapp(payload)
                reads = []
            else:
                reports, inbound, reads = webhook.messenger(payload)
        elif channel.kind == 'sms_json':
            if request.method != 'POST' or not signature_valid(
                    channel.secret, request.get_data(),
                    request.headers.get('X-Hub-Signature-256')):
                return refuse("bad or missing X-Hub-Signature-256")
            payload = _json(body)
            if payload is None:
                return refuse("invalid JSON", HTTPStatus.BAD_REQUEST)
            reports, inbound = webhook.sms_json(payload)
            reads = []
        elif channel.kind == 'email':
            if request.method != 'POST':
                return refuse("not a POST")
            form = request.form
            if not webhook.email_signed(channel.secret, form):
                return refuse("bad, missing or stale signature")
            reports, inbound = webhook.email(form)
            reads = []
        else:
            token = request.args.get('token', '')
            if not hmac.compare_digest(token, channel.secret):
                return refuse("bad or missing token")
            reports, inbound = webhook.kannel(request.args)
            reads = []
        try:
            _apply(pool, channel, reports, inbound, reads)
        except backend.DatabaseOperationalError:
            # a report racing the queue's write: the transaction is tried
            # again by with_transaction
            raise
        except Exception:
            logger.exception(
                "messaging webhook of %s failed", channel.rec_name)
            raise
    if channel.kind == 'kannel':
        # Kannel sends the body of its get-url's answer to the customer
        return Response('', status=HTTPStatus.OK, content_type='text/plain')
    return Response(status=HTTPStatus.OK)


def _subscribe(request, channel, refuse):
    "Meta's verification of the webhook's URL"
    args = request.args
    if (args.get('hub.mode') == 'subscribe'
            and channel.verify_token
            and hmac.compare_digest(
                args.get('hub.verify_token', ''), channel.verify_token)):
        return Response(
            args.get('hub.challenge', ''), status=HTTPStatus.OK,
            content_type='text/plain')
    return refuse("bad verify token")


def _json(body):
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _apply(pool, channel, reports, inbound, reads):
    Message = pool.get('telco.messaging.message')
    if reports:
        Message.report(channel, reports)
    for sender, watermark in reads:
        Message.read_up_to(channel, sender, watermark)
    for address, text, ref, name, date in inbound:
        if address:
            Message.receive(
                channel, address, text, provider_ref=ref, name=name,
                date=date)
