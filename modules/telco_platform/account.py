# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.modules.telco_base.model import ButtonFieldsMixin
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access


class Invoice(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'account.invoice'

    platform_bill = fields.Many2One(
        'telco.platform.bill', "Operator's Invoice", readonly=True,
        ondelete='RESTRICT',
        help="The invoice as the operator sees it, when the platform "
        "invoices an operator.")

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('platform_bill', None)
        return super().copy(invoices, default=default)

    @classmethod
    def check_modification(cls, mode, invoices, values=None, external=False):
        super().check_modification(
            mode, invoices, values=values, external=external)
        # only the platform's invoicing links an invoice to an operator's
        # copy: a client that could would pay its features with any invoice
        if external and (
                (mode == 'write' and 'platform_bill' in (values or {}))
                or (mode == 'create'
                    and any(i.platform_bill for i in invoices))):
            raise AccessError(gettext(
                    'telco_base.msg_field_by_button',
                    field=cls.platform_bill.string,
                    model=cls.__names__()['model']))

    @classmethod
    def on_modification(cls, mode, invoices, field_names=None):
        pool = Pool()
        Bill = pool.get('telco.platform.bill')
        Configuration = pool.get('telco.platform.configuration')
        super().on_modification(mode, invoices, field_names=field_names)
        if mode == 'write' and (field_names is None
                or {'state', 'number'} & set(field_names)):
            with without_check_access():
                platform = Configuration(1).platform_company
            invoices = [i for i in invoices
                if i.platform_bill and i.company == platform]
            if invoices:
                Bill.sync(invoices)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['telco.platform.charge']


class DunningLevel(metaclass=PoolMeta):
    __name__ = 'account.dunning.level'

    operator_access = fields.Selection([
            (None, ""),
            ('active', "Active"),
            ('read_only', "Read-Only"),
            ('suspended', "Suspended"),
            ], "Operator's Service",
        help="For the platform's invoices: what the operator's staff may "
        "still do while an invoice stays at this level.")
    notify_operator = fields.Boolean(
        "Remind the Operator",
        help="For the platform's invoices: send a reminder to the "
        "operator's administrators, by e-mail and in the client, when an "
        "invoice reaches this level.")


class Dunning(metaclass=PoolMeta):
    __name__ = 'account.dunning'

    @classmethod
    def remind_operators(cls, dunnings):
        """Remind the operators of their invoices reaching a level that
        says so: once per level, in their administrators' language"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Bill = pool.get('telco.platform.bill')
        to_save = []
        for dunning in dunnings:
            if not dunning.level.notify_operator:
                continue
            invoice = dunning.line.move.origin
            if (not isinstance(invoice, Invoice)
                    or not invoice.platform_bill):
                continue
            bill = invoice.platform_bill
            bill.reminders = (bill.reminders or 0) + 1
            to_save.append(bill)
            access = dunning.level.operator_access or 'active'
            values = bill._message_values()
            values['amount'] = bill.amount_to_pay
            bill.company.platform_notify(
                'telco_platform.msg_reminder_subject',
                f'telco_platform.msg_reminder_body_{access}', values,
                resource=bill)
        Bill.save(to_save)
