# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import logging
import mimetypes
from email.message import EmailMessage

from trytond import config
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.sendmail import send_message
from trytond.tools.email_ import format_address
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)


class EmailOutboxMixin:
    """Records that are e-mailed: kept pending while the SMTP server refuses
    them, sent again by a cron until it accepts them, with the number of
    attempts and the last error.  The model builds its message in
    ``_email`` and may record what was sent in ``_email_sent``."""
    __slots__ = ()

    email_state = fields.Selection([
            ('pending', "Pending"),
            ('sent', "Sent"),
            ('no_address', "No Address"),
            ], "E-mail State", readonly=True, sort=False)
    attempts = fields.Integer("Attempts", readonly=True)
    last_error = fields.Text("Last Error", readonly=True)
    sent_at = fields.Timestamp("Sent at", readonly=True)

    @classmethod
    def default_email_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    def _email(self):
        "Return the EmailMessage to send"
        raise NotImplementedError

    def _email_sent(self, msg):
        "Called once the SMTP server accepted msg"

    @classmethod
    def send_emails(cls, records):
        "Send the pending e-mails; a failure leaves them pending"
        for record in records:
            if record.email_state != 'pending':
                continue
            record.attempts = (record.attempts or 0) + 1
            try:
                msg = record._email()
                send_message(msg, strict=True)
            except Exception as exception:
                logger.warning(
                    "%s %s: e-mail not sent", cls.__name__, record.id,
                    exc_info=True)
                record.last_error = str(exception) or repr(exception)
            else:
                record.email_state = 'sent'
                record.sent_at = dt.datetime.now()
                record.last_error = None
                record._email_sent(msg)
        cls.save(records)

    @classmethod
    def retry_emails(cls):
        "Cron: send again every e-mail still pending"
        cls.send_emails(cls.search([('email_state', '=', 'pending')]))


class Notification(EmailOutboxMixin, ModelSQL, ModelView):
    """Staff notification

    The one way every telco module tells a staff user something: a
    notification in the client at once and an e-mail sent by a queue task,
    kept pending and retried by a cron until the SMTP server accepts it."""
    __name__ = 'telco.notification'
    __string__ = "Staff Notification"

    company = fields.Many2One(
        'company.company', "Operator", required=True, readonly=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True, ondelete='CASCADE')
    subject = fields.Char("Subject", required=True, readonly=True)
    body = fields.Text("Body", readonly=True)
    resource = fields.Reference(
        "Resource", selection='get_resources', readonly=True)
    attachment = fields.Binary(
        "Attachment", filename='attachment_name', readonly=True)
    attachment_name = fields.Char("Attachment Name", readonly=True)
    email = fields.Char("E-mail", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        return [(None, '')] + Model.get_name_items()

    @classmethod
    def notify(cls, users, subject, body=None, resource=None, company=None,
            attachment=None, attachment_name=None):
        """Notify staff users in the client and by e-mail.

        company defaults to the resource's operator, then to the context's;
        attachment (bytes, named attachment_name) is joined to the e-mail
        and kept on the notification.  Returns the notifications created."""
        pool = Pool()
        Company = pool.get('company.company')
        if company is None:
            company = getattr(resource, 'company', None)
        if company is None:
            company = Company(Transaction().context['company'])
        notifications = []
        for user in users:
            notifications.append(cls(
                    company=company,
                    user=user,
                    subject=subject,
                    body=body,
                    resource=resource,
                    attachment=attachment,
                    attachment_name=attachment_name,
                    email=user.email,
                    email_state='pending' if user.email else 'no_address',
                    ))
        cls.save(notifications)
        for notification in notifications:
            cls.notify_user(
                [notification], 'tryton-notification', subject,
                description=(body or '')[:200] or None,
                user=notification.user.id)
        pending = [n for n in notifications if n.email_state == 'pending']
        if pending:
            cls.__queue__.send_emails(pending)
        return notifications

    def _email(self):
        msg = EmailMessage()
        from_ = config.get('email', 'from')
        operator = self.company.display_name
        msg['From'] = format_address(from_, operator)
        msg['To'] = format_address(self.email, self.user.name)
        msg['Subject'] = self.subject
        msg['Auto-Submitted'] = 'auto-generated'
        lines = [self.body or self.subject]
        if self.resource:
            lines.append('')
            lines.append(self.resource.rec_name)
        lines.extend(['', '-- ', operator])
        msg.set_content('\n'.join(lines))
        if self.attachment:
            type_, _ = mimetypes.guess_type(self.attachment_name or '')
            maintype, subtype = (
                type_ or 'application/octet-stream').split('/', 1)
            msg.add_attachment(
                bytes(self.attachment), maintype=maintype, subtype=subtype,
                filename=self.attachment_name)
        return msg
