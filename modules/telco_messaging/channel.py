# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import uuid
from urllib.parse import urlencode, urlsplit

from trytond import config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.modules.telco_base.calendar_ import local_now
from trytond.modules.telco_base.model import OperatorMixin
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .provider import PROVIDERS, Settings

KINDS = [
    ('kannel', "SMS (Kannel)"),
    ('sms_json', "SMS (JSON Gateway)"),
    ('smpp', "SMS (SMPP)"),
    ('whatsapp', "WhatsApp"),
    ('messenger', "Messenger"),
    ('email', "E-mail"),
    ]
# what the customers see of a channel: both SMS gateways are SMS
MEDIA = [
    ('sms', "SMS"),
    ('whatsapp', "WhatsApp"),
    ('messenger', "Messenger"),
    ('email', "E-mail"),
    ]
MEDIUM = {
    'kannel': 'sms', 'sms_json': 'sms', 'smpp': 'sms', 'whatsapp': 'whatsapp',
    'messenger': 'messenger', 'email': 'email'}
GRAPH = ['whatsapp', 'messenger']
HTTP = ['kannel', 'sms_json', 'whatsapp', 'messenger']
# the kinds whose provider calls the channel's webhook (e-mail: a mail
# provider's inbound route)
WEBHOOK = HTTP + ['email']


class Channel(
        OperatorMixin, DeactivableMixin, sequence_ordered(), ModelSQL,
        ModelView):
    """Messaging channel

    One way an operator talks to its customers: an SMS gateway, its
    WhatsApp number, its Facebook page or its e-mail.  Its credentials are
    read by the operator's administrators only."""
    __name__ = 'telco.messaging.channel'
    __string__ = "Messaging Channel"

    name = fields.Char("Name", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    medium = fields.Function(
        fields.Selection(MEDIA, "Medium"), 'on_change_with_medium',
        searcher='search_medium')
    url = fields.Char(
        "Server URL",
        states={
            'invisible': ~Eval('kind').in_(HTTP + ['smpp']),
            'required': Eval('kind').in_(['kannel', 'sms_json', 'smpp']),
            },
        help="Kannel's smsbox (http://host:13013), the gateway's API, "
        "the SMSC (smpp://host:2775) or, for WhatsApp and Messenger, "
        "Meta's Graph API (empty for https://graph.facebook.com).")
    api_version = fields.Char(
        "API Version", states={'invisible': ~Eval('kind').in_(GRAPH)})
    sender = fields.Char(
        "Sender", required=True,
        help="The sender id or number of the SMS, the WhatsApp phone "
        "number id, the Facebook page id or the e-mail address.")
    username = fields.Char(
        "User Name",
        states={'invisible': ~Eval('kind').in_(['kannel', 'smpp'])},
        help="Kannel's user or the SMPP system id.")
    password = fields.Char(
        "Password or Token",
        help="Kannel's or the SMSC's password, the gateway's API key or "
        "Meta's access token.")
    secret = fields.Char(
        "Webhook Secret",
        states={'invisible': ~Eval('kind').in_(WEBHOOK)},
        help="What the provider signs its calls with: Meta's app secret, "
        "the gateway's shared secret, the token of Kannel's URLs, the "
        "webhook signing key of the mail provider's inbound route.")
    verify_token = fields.Char(
        "Verify Token", states={'invisible': ~Eval('kind').in_(GRAPH)},
        help="The token Meta sends when the webhook is subscribed.")
    rate = fields.Integer(
        "Rate", required=True,
        domain=[('rate', '>', 0)],
        help="The most messages a second the provider accepts.")
    concurrency = fields.Integer(
        "Parallel Requests", required=True,
        domain=[('concurrency', '>', 0), ('concurrency', '<=', 32)],
        help="The requests sent at once; for SMPP, the window of "
        "submit_sm not yet answered.")
    quiet_start = fields.Time(
        "Quiet from",
        help="No marketing message leaves between these hours "
        "(operator's time); they wait for the end.")
    quiet_end = fields.Time("Quiet until")
    webhook_identifier = fields.Char("Webhook Identifier", readonly=True)
    webhook_url = fields.Function(
        fields.Char("Webhook URL",
            states={'invisible': ~Eval('kind').in_(WEBHOOK)}),
        'get_webhook_url')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('webhook_identifier_unique', Unique(t, t.webhook_identifier),
                'telco_messaging.msg_channel_identifier_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.webhook_identifier, Index.Equality(cardinality='high'))))

    @classmethod
    def validate_fields(cls, channels, field_names):
        super().validate_fields(channels, field_names)
        cls.check_smpp(channels, field_names)

    @classmethod
    def check_smpp(cls, channels, field_names=None):
        "SMPP 3.4's lengths (C strings of 16 and 9 octets) and the URL"
        if field_names and not field_names & {
                'kind', 'url', 'username', 'password'}:
            return
        for channel in channels:
            if channel.kind != 'smpp':
                continue
            if (len(channel.username or '') > 15
                    or len(channel.password or '') > 8):
                raise ValidationError(gettext(
                        'telco_messaging.msg_channel_smpp_login',
                        channel=channel.rec_name))
            url = urlsplit(channel.url or '')
            try:
                # a port that is no number raises
                valid = url.scheme == 'smpp' and url.hostname and (
                    url.port or True)
            except ValueError:
                valid = False
            if not valid:
                raise ValidationError(gettext(
                        'telco_messaging.msg_channel_smpp_url',
                        channel=channel.rec_name))

    @classmethod
    def default_kind(cls):
        return 'kannel'

    @classmethod
    def default_rate(cls):
        return 30

    @classmethod
    def default_concurrency(cls):
        return 4

    @classmethod
    def default_webhook_identifier(cls):
        return uuid.uuid4().hex

    @fields.depends('kind')
    def on_change_with_medium(self, name=None):
        return MEDIUM.get(self.kind)

    @classmethod
    def search_medium(cls, name, clause):
        _, operator, value = clause
        values = value if isinstance(value, (list, tuple)) else [value]
        kinds = [k for k, m in MEDIUM.items() if m in values]
        if operator in {'=', 'in'}:
            return [('kind', 'in', kinds)]
        return [('kind', 'not in', kinds)]

    @classmethod
    def copy(cls, channels, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('webhook_identifier', None)
        default.setdefault('secret', None)
        return super().copy(channels, default=default)

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('webhook_identifier'):
                values['webhook_identifier'] = uuid.uuid4().hex
        return super().create(vlist)

    def get_webhook_url(self, name):
        base = config.get('telco_messaging', 'public_url')
        if not base or self.kind not in WEBHOOK:
            return None
        url = (f'{base.rstrip("/")}/{Transaction().database.name}'
            f'/telco_messaging/{self.webhook_identifier}')
        if self.kind == 'kannel' and self.secret:
            url += '?' + urlencode({'token': self.secret})
        return url

    def settings(self):
        "The plain values the provider is given"
        return Settings(
            name=self.name, kind=self.kind, url=self.url,
            api_version=self.api_version, sender=self.sender,
            username=self.username, password=self.password,
            rate=self.rate, concurrency=self.concurrency,
            company_name=self.company.rec_name)

    def provider(self):
        "The channel's provider (provider.py)"
        return PROVIDERS[self.kind](
            self.settings(), self.get_webhook_url(None))

    def quiet_until(self, at=None):
        """When a marketing message may leave, if not now: the end of the
        quiet hours in which at (now) falls, in UTC; None otherwise"""
        if not self.quiet_start or not self.quiet_end:
            return None
        local = local_now(self.company)
        now = dt.datetime.now()
        if at is not None:
            local += at - now
        time = local.time()
        start, end = self.quiet_start, self.quiet_end
        if start <= end:
            quiet = start <= time < end
        else:
            quiet = time >= start or time < end
        if not quiet:
            return None
        end_at = dt.datetime.combine(local.date(), end)
        if end_at <= local:
            end_at += dt.timedelta(days=1)
        return (at or now) + (end_at - local)

    @classmethod
    def of_operator(cls, company, medium=None):
        "The operator's active channels, in their order, of the medium"
        domain = [('company', '=', company.id)]
        if medium:
            domain.append(('medium', '=', medium))
        return cls.search(domain)


