# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta

from .channel import MEDIA


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    messaging_medium = fields.Selection(
        [(None, '')] + MEDIA, "Preferred Channel",
        help="How the customer wants to be told; "
        "by default the first channel the customer can be reached on.")
    marketing_consent = fields.Boolean(
        "Accepts Advertising",
        help="Whether the customer agreed to receive offers and "
        "promotions by SMS, WhatsApp, Messenger or e-mail.")
    conversations = fields.One2Many(
        'telco.messaging.conversation', 'party', "Conversations",
        readonly=True)
    interactions = fields.One2Many(
        'telco.messaging.interaction', 'party', "Timeline", readonly=True)

    @classmethod
    def default_marketing_consent(cls):
        return False

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('conversations', None)
        return super().copy(parties, default=default)


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if ('messenger', "Messenger") not in cls.type.selection:
            cls.type.selection.append(('messenger', "Messenger"))
