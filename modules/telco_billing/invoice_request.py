# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.telco_base.input import date_domain
from trytond.modules.telco_base.model import ButtonFieldsMixin, OperatorMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import InvoiceRequestError


class InvoiceRequest(
        OperatorMixin, ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    "A customer's request for an invoice or a duplicate"
    __name__ = 'telco.invoice.request'
    __string__ = "Invoice Request"
    _button_fields = {
        'state': 'draft',
        'answered': None,
        }

    _states = {'readonly': Eval('state').in_(['done', 'refused'])}

    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'},
        states={'readonly': Eval('state') != 'draft'})
    kind = fields.Selection([
            ('invoice', "Invoice"),
            ('duplicate', "Duplicate"),
            ], "Kind", required=True, states=_states,
        help="An invoice not received yet, or a copy of one.")
    kind_string = kind.translated('kind')
    date = fields.Date(
        "Date", required=True, states=_states,
        domain=[date_domain('date', required=True)])
    description = fields.Text("Description", states=_states)
    invoice = fields.Many2One(
        'account.invoice', "Invoice", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'out'),
            ('state', 'in', ['posted', 'paid']),
            ['OR',
                ('party', '=', Eval('customer', -1)),
                ('party.parent', '=', Eval('customer', -1)),
                ],
            ],
        states={
            **_states,
            'required': Eval('state') == 'done',
            },
        help="The posted invoice sent in answer.")
    email = fields.Char(
        "E-mail", states=_states,
        help="Where to send the invoice; the customer's e-mail if empty.")
    assigned_to = fields.Many2One(
        'res.user', "Assigned To", states=_states,
        domain=[('companies', '=', Eval('company', -1))])
    answered = fields.DateTime("Answered", readonly=True)
    refusal_reason = fields.Text(
        "Refusal Reason",
        states={
            'readonly': Eval('state') != 'processing',
            'invisible': ~Eval('state').in_(['processing', 'refused']),
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('processing', "Processing"),
            ('done', "Done"),
            ('refused', "Refused"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.states = {'readonly': Eval('state') != 'draft'}
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality(cardinality='low')),
                where=t.state.in_(['draft', 'processing'])))
        cls._order.insert(0, ('date', 'DESC'))
        cls._transitions |= {
            ('draft', 'processing'),
            ('processing', 'done'),
            ('processing', 'refused'),
            ('refused', 'processing'),
            }
        cls._buttons.update({
                'process': {
                    'invisible': ~Eval('state').in_(['draft', 'refused']),
                    'depends': ['state'],
                    },
                'answer': {
                    'invisible': Eval('state') != 'processing',
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'processing',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'duplicate'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return '%s - %s (%s)' % (
            self.customer.rec_name, self.kind_string, self.date)

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('answered', None)
        return super().copy(requests, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('processing')
    def process(cls, requests):
        for request in requests:
            if not request.assigned_to:
                request.assigned_to = Transaction().user
        cls.save(requests)

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, requests):
        for request in requests:
            if not request.refusal_reason:
                raise InvoiceRequestError(gettext(
                        'telco_billing.msg_invoice_request_refusal_reason',
                        request=request.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def answer(cls, requests):
        "Send the invoice's PDF by e-mail and close the request"
        for request in requests:
            if not request.invoice:
                raise InvoiceRequestError(gettext(
                        'telco_billing.msg_invoice_request_invoice_required',
                        request=request.rec_name))
            email = request.email or request.customer.email
            if not email:
                raise InvoiceRequestError(gettext(
                        'telco_billing.msg_invoice_request_email_required',
                        request=request.rec_name))
            request.invoice.send_document(email=email)
            request.answered = dt.datetime.now()
        cls.save(requests)
