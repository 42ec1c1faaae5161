# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from email.message import EmailMessage

from trytond import config
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.telco_base.model import OperatorMixin
from trytond.modules.telco_base.notification import EmailOutboxMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools.email_ import format_address
from trytond.transaction import without_check_access


class CustomerEmail(OperatorMixin, EmailOutboxMixin, ModelSQL, ModelView):
    """E-mail to a customer

    What a module tells a customer by e-mail (a claim registered or
    resolved ...): written in the transaction that decides it, sent by a
    queue task and, while the SMTP server refuses it, kept pending and sent
    again by a cron.  Once sent, it is recorded on its resource as Tryton's
    own e-mails are."""
    __name__ = 'telco.customer.email'
    __string__ = "Customer E-mail"
    _rec_name = 'subject'

    party = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        context={'company': Eval('company', -1)}, depends={'company'})
    email = fields.Char("E-mail", required=True, readonly=True)
    subject = fields.Char("Subject", required=True, readonly=True)
    body = fields.Text("Body", readonly=True)
    resource = fields.Reference(
        "Resource", selection='get_resources', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._buttons.update({
                'send': {
                    'invisible': Eval('email_state') != 'pending',
                    'depends': ['email_state'],
                    },
                })

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        return [(None, '')] + Model.get_name_items()

    @classmethod
    def queue(cls, messages):
        """Write the e-mails and queue their sending.

        messages is a list of dictionaries of values (company, party,
        subject, body, resource); parties without e-mail address are left
        out.  Returns the e-mails written."""
        emails = []
        for values in messages:
            party = values['party']
            if not party.email:
                continue
            emails.append(cls(email=party.email, **values))
        cls.save(emails)
        if emails:
            cls.__queue__.send_emails(emails)
        return emails

    @classmethod
    @ModelView.button
    def send(cls, emails):
        "Send the pending e-mails at once, without waiting for the cron"
        cls.send_emails(emails)

    def _email(self):
        msg = EmailMessage()
        msg['From'] = format_address(
            config.get('email', 'from'), self.company.display_name)
        msg['To'] = format_address(self.email, self.party.name)
        msg['Subject'] = self.subject
        msg['Auto-Submitted'] = 'auto-generated'
        msg.set_content(self.body or self.subject)
        return msg

    def _email_sent(self, msg):
        pool = Pool()
        Email = pool.get('ir.email')
        if self.resource:
            # shown with the other e-mails of the record (core's tab)
            with without_check_access():
                Email.from_message(
                    msg, body=self.body, resource=self.resource).save()


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('telco.customer.email|retry_emails',
                "Retry Customer E-mails"))
