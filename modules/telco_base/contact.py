# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .model import ButtonFieldsMixin

KINDS = [
    ('question', "Question"),
    ('bug', "Bug Report"),
    ]


class AdminRequest(ButtonFieldsMixin, Workflow, ModelSQL, ModelView):
    "Message to the platform administrator"
    __name__ = 'telco.admin.request'
    __string__ = "Request to the Administrator"
    _button_fields = {
        'state': 'open',
        'answered_by': None,
        }

    company = fields.Many2One(
        'company.company', "Operator", required=True, readonly=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "From", required=True, readonly=True, ondelete='RESTRICT')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    kind_string = kind.translated('kind')
    subject = fields.Char("Subject", required=True, readonly=True)
    body = fields.Text("Message", required=True, readonly=True)
    answer = fields.Text(
        "Answer",
        states={
            'readonly': Eval('state') != 'open',
            'required': Eval('state') == 'answered',
            })
    answered_by = fields.Many2One('res.user', "Answered by", readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('answered', "Answered"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._transitions |= {('open', 'answered')}
        cls._buttons.update({
                'answer_': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def check_modification(cls, mode, requests, values=None, external=False):
        super().check_modification(
            mode, requests, values=values, external=external)
        if external and (
                (mode == 'create' and any(
                        r.user.id != Transaction().user for r in requests))
                or (mode == 'write' and 'user' in (values or {}))):
            raise AccessError(gettext(
                    'telco_base.msg_field_by_button',
                    field=cls.user.string,
                    model=cls.__names__()['model']))

    @classmethod
    def default_company(cls):
        pool = Pool()
        User = pool.get('res.user')
        # not the context's: it may name an operator the user is not in
        return User._current_company()

    @classmethod
    def default_user(cls):
        return Transaction().user

    def get_rec_name(self, name):
        return self.subject

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def answer_(cls, requests):
        pool = Pool()
        Notification = pool.get('telco.notification')
        for request in requests:
            if not request.answer:
                raise ValidationError(gettext(
                        'telco_base.msg_admin_request_answer_required',
                        subject=request.subject))
        cls.write(requests, {'answered_by': Transaction().user})
        for request in requests:
            language = (
                request.user.language.code if request.user.language
                else None)
            with Transaction().set_context(language=language):
                subject = gettext(
                    'telco_base.msg_admin_request_answered',
                    subject=request.subject)
            with without_check_access():
                Notification.notify(
                    [request.user], subject, request.answer,
                    resource=request, company=request.company)

    @classmethod
    def send(cls, requests):
        "Notify the platform administrators of the new requests"
        pool = Pool()
        User = pool.get('res.user')
        Notification = pool.get('telco.notification')
        admins = User.platform_admins()
        for request in requests:
            for admin in admins:
                language = admin.language.code if admin.language else None
                with Transaction().set_context(language=language):
                    subject = gettext(
                        'telco_base.msg_admin_request_notification',
                        kind=cls(request.id).kind_string,
                        user=request.user.rec_name,
                        operator=request.company.rec_name,
                        subject=request.subject)
                with without_check_access():
                    Notification.notify(
                        [admin], subject, request.body, resource=request,
                        company=request.company)


class ContactAdminStart(ModelView):
    "Contact the Administrator"
    __name__ = 'telco.admin.contact.start'
    __string__ = "Contact the Administrator"

    kind = fields.Selection(KINDS, "Kind", required=True)
    subject = fields.Char("Subject", required=True)
    body = fields.Text("Message", required=True)

    @classmethod
    def default_kind(cls):
        return 'question'


class ContactAdminDone(ModelView):
    "Message sent to the Administrator"
    __name__ = 'telco.admin.contact.done'
    __string__ = "Message Sent"


class ContactAdmin(Wizard):
    "Contact the Administrator"
    __name__ = 'telco.admin.contact'

    start = StateView(
        'telco.admin.contact.start',
        'telco_base.admin_contact_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()
    # the user is told the message left
    done = StateView(
        'telco.admin.contact.done',
        'telco_base.admin_contact_done_view_form', [
            Button("OK", 'end', 'tryton-ok', default=True),
            ])

    def transition_send(self):
        pool = Pool()
        Request = pool.get('telco.admin.request')
        request = Request(
            company=Request.default_company(),
            user=Transaction().user,
            kind=self.start.kind,
            subject=self.start.subject,
            body=self.start.body)
        request.save()
        Request.send([request])
        return 'done'
