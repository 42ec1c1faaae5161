# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""With telco_billing: a conversation becomes a quote request; the quotes
and the invoices of a customer join his timeline."""
from sql import Cast, Literal, Null
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.modules.telco_base.model import same_operator
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import MessagingError
from .sources import row_id_index

# the quote request's channel of a conversation's medium
REQUEST_CHANNELS = {
    'sms': 'sms', 'whatsapp': 'whatsapp', 'messenger': 'messenger',
    'email': 'email'}


class QuoteRequest(metaclass=PoolMeta):
    __name__ = 'telco.quote.request'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for value, string in [
                ('sms', "SMS"), ('whatsapp', "WhatsApp"),
                ('messenger', "Messenger")]:
            if value not in dict(cls.channel.selection):
                cls.channel.selection.append((value, string))


class Quote(metaclass=PoolMeta):
    __name__ = 'telco.quote'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                row_id_index(t, cls.__name__),
                Index(t,
                    (t.customer, Index.Equality()),
                    (t.quote_date, Index.Range(order='DESC'))),
                })


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                row_id_index(t, cls.__name__),
                Index(t,
                    (t.party, Index.Equality()),
                    (t.invoice_date, Index.Range(order='DESC')),
                    where=t.type == 'out'),
                })


class Conversation(metaclass=PoolMeta):
    __name__ = 'telco.messaging.conversation'

    quote_request = fields.Many2One(
        'telco.quote.request', "Quote Request", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.quote_request)
        cls._buttons.update({
                'to_quote_request': {
                    'invisible': Bool(Eval('quote_request')),
                    'readonly': ~Eval('party'),
                    'depends': ['quote_request', 'party'],
                    },
                })

    @classmethod
    def copy(cls, conversations, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('quote_request', None)
        return super().copy(conversations, default=default)

    @classmethod
    @ModelView.button_action(
        'telco_messaging.act_conversation_quote_request')
    def to_quote_request(cls, conversations):
        "Open a quote request of each conversation, its messages as text"
        pool = Pool()
        Request = pool.get('telco.quote.request')
        Date = pool.get('ir.date')
        requests = []
        for conversation in conversations:
            if conversation.quote_request:
                continue
            if not conversation.party:
                raise MessagingError(gettext(
                        'telco_messaging.msg_quote_request_party',
                        conversation=conversation.rec_name))
            with Transaction().set_context(
                    company=conversation.company.id):
                today = Date.today()
            request = Request(
                company=conversation.company,
                customer=conversation.party, date=today,
                channel=REQUEST_CHANNELS[conversation.channel.medium],
                description=conversation.transcript())
            requests.append(request)
            conversation.quote_request = request
        Request.save(requests)
        with without_check_access():
            cls.save(conversations)
        return {'res_id': [
                c.quote_request.id for c in conversations
                if c.quote_request]}


class Interaction(metaclass=PoolMeta):
    __name__ = 'telco.messaging.interaction'

    @classmethod
    def _outcome_models(cls):
        return super()._outcome_models() + ['telco.quote', 'account.invoice']

    @classmethod
    def _queries(cls):
        pool = Pool()
        Quote = pool.get('telco.quote')
        Invoice = pool.get('account.invoice')
        quote = Quote.__table__()
        invoice = Invoice.__table__()
        return super()._queries() + [
            quote.select(
                cls._row_id(quote, Quote.__name__).as_('id'),
                *cls._common(quote),
                quote.company.as_('company'),
                quote.customer.as_('party'),
                cls._datetime(quote.quote_date).as_('date'),
                Literal('quote').as_('kind'),
                Literal('out').as_('direction'),
                Coalesce(quote.number, '').as_('summary'),
                quote.create_uid.as_('agent'),
                quote.state.as_('outcome'),
                cls._reference(Quote, quote).as_('resource'),
                where=quote.quote_date != Null),
            invoice.select(
                cls._row_id(invoice, Invoice.__name__).as_('id'),
                *cls._common(invoice),
                invoice.company.as_('company'),
                invoice.party.as_('party'),
                cls._datetime(invoice.invoice_date).as_('date'),
                Literal('invoice').as_('kind'),
                Literal('out').as_('direction'),
                Coalesce(invoice.number, '').as_('summary'),
                Cast(Null, 'INTEGER').as_('agent'),
                invoice.state.as_('outcome'),
                cls._reference(Invoice, invoice).as_('resource'),
                where=(invoice.type == 'out')
                & invoice.state.in_(['posted', 'paid'])
                & (invoice.invoice_date != Null)),
            ]
