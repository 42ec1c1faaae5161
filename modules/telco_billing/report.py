# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"PDF documents of billing, on the operator layout of telco_base"
from trytond.modules.telco_base.report import BrandedReport
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.transaction import without_check_access

from .words import date_in_words


class BillingReport(BrandedReport):
    "A billing document: dates and amounts written in words"

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['date_in_words'] = date_in_words
        return context


class QuoteReport(BillingReport):
    __name__ = 'telco.quote'


class InvoiceReport(BillingReport):
    __name__ = 'telco.invoice'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the first print of a posted invoice keeps its PDF
        cls.__rpc__['execute'] = RPC(False)

    @classmethod
    def _execute(cls, records, header, data, action):
        """Return the PDF kept when a customer invoice was posted; keep the
        PDF of a posted invoice printed for the first time, as the standard
        invoice report does"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        if len(records) != 1:
            return super()._execute(records, header, data, action)
        # Re-instantiate because records are TranslateModel
        invoice, = Invoice.browse(records)
        if invoice.invoice_report_cache:
            if invoice.invoice_report_format == action.extension:
                return (
                    invoice.invoice_report_format,
                    invoice.invoice_report_cache)
            # kept by another report: left as it is
            return super()._execute(records, header, data, action)
        format_, content = super()._execute(records, header, data, action)
        if invoice.invoice_report_versioned:
            invoice.invoice_report_format = format_
            invoice.invoice_report_cache = Invoice.invoice_report_cache.cast(
                content)
            # a print is not a change of the invoice
            with without_check_access():
                invoice.save()
        return format_, content
