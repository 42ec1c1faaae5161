# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What customers and prospects ask quotes for, turned into quotes"
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.telco_base.input import MAX_QUANTITY, date_domain
from trytond.modules.telco_base.model import ButtonFieldsMixin, OperatorMixin
from trytond.pool import Pool
from trytond.pyson import Eval

from .exceptions import QuoteError


class QuoteRequest(
        ButtonFieldsMixin, OperatorMixin, Workflow, ModelSQL, ModelView):
    "What a customer or a prospect asks a quote for"
    __name__ = 'telco.quote.request'
    __string__ = "Quote Request"
    _button_fields = {
        'state': 'draft',
        'quote': None,
        }

    _states = {'readonly': Eval('state') != 'draft'}

    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'},
        states=_states, help="A customer or a prospect.")
    date = fields.Date(
        "Date", required=True, states=_states,
        domain=[date_domain('date', required=True)])
    channel = fields.Selection([
            ('shop', "Shop"),
            ('phone', "Phone"),
            ('email', "E-mail"),
            ('website', "Website"),
            ], "Channel", required=True, states=_states)
    description = fields.Text("Description", states=_states)
    lines = fields.One2Many(
        'telco.quote.request.line', 'request', "Products", states=_states)
    quote = fields.Many2One(
        'telco.quote', "Quote", readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    state = fields.Selection([
            ('draft', "Draft"),
            ('quoted', "Quoted"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {'readonly': Eval('state') != 'draft'}
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality(cardinality='low')),
                where=t.state == 'draft'))
        cls._order.insert(0, ('date', 'DESC'))
        cls._transitions |= {
            ('draft', 'quoted'),
            ('draft', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'create_quote': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_channel(cls):
        return 'shop'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return '%s (%s)' % (self.customer.rec_name, self.date)

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('quote', None)
        return super().copy(requests, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, requests):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, requests):
        pass

    @classmethod
    @ModelView.button_action('telco_billing.act_quote_form')
    @Workflow.transition('quoted')
    def create_quote(cls, requests):
        "Turn each request into a draft quote at the catalogue prices"
        pool = Pool()
        Quote = pool.get('telco.quote')
        quotes = []
        for request in requests:
            if not request.lines:
                raise QuoteError(gettext(
                        'telco_billing.msg_quote_request_no_line',
                        request=request.rec_name))
            quote = Quote(
                company=request.company, customer=request.customer,
                request=request, description=request.description)
            quote.on_change_customer()
            quote.lines = [
                line.get_quote_line(quote) for line in request.lines]
            quotes.append(quote)
        Quote.save(quotes)
        for request, quote in zip(requests, quotes):
            request.quote = quote
        cls.save(requests)
        return {
            'res_id': [q.id for q in quotes],
            }


class QuoteRequestLine(ModelSQL, ModelView):
    "Product asked for in a quote request"
    __name__ = 'telco.quote.request.line'
    __string__ = "Quote Request Line"

    request = fields.Many2One(
        'telco.quote.request', "Request", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[
            ('salable', '=', True),
            ('template.company', '=', Eval(
                    '_parent_request', {}).get('company', -1)),
            ],
        context={'company': Eval('_parent_request', {}).get('company', -1)})
    quantity = fields.Float(
        "Quantity", required=True, digits=(16, 2),
        domain=[('quantity', '>', 0), ('quantity', '<=', MAX_QUANTITY)])
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('request')

    @classmethod
    def default_quantity(cls):
        return 1

    def get_quote_line(self, quote):
        pool = Pool()
        Line = pool.get('telco.quote.line')
        line = Line(quote=quote, product=self.product, quantity=self.quantity)
        line.on_change_product()
        if self.note:
            line.description = '%s\n%s' % (line.description or '', self.note)
        return line
