# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"PDF documents sent to customers, branded per operator"
import base64

from trytond.modules.company.company import CompanyReport
from trytond.pool import Pool
from trytond.report.report import _lazy_import
from trytond.rpc import RPC
from trytond.transaction import without_check_access

from .words import date_in_words


class BrandedReport(CompanyReport):
    "HTML rendered to PDF by WeasyPrint, with the operator's branding"

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        company = context['company']
        context['brand'] = {
            'name': company.display_name if company else '',
            'primary': (company.primary_color if company else None)
            or '#1F3A5F',
            'secondary': (company.secondary_color if company else None)
            or '#FFFFFF',
            'logo': cls._logo(company),
            }
        context['date_in_words'] = date_in_words
        context['operator_lines'] = cls.operator_lines
        return context

    @classmethod
    def operator_lines(cls, company, tax_identifier=None):
        """Return the operator's legal name, address and contacts as lines
        for the foot of the document, and its tax identifier"""
        party = company.party
        address = party.address_get()
        lines = [party.name]
        if address:
            lines.append(', '.join(
                    filter(None, address.full_address.splitlines())))
        contacts = ' · '.join(
            filter(None, [party.phone, party.email, party.website]))
        if contacts:
            lines.append(contacts)
        if tax_identifier is None:
            tax_identifier = company.get_tax_identifier()
        return lines, tax_identifier.code if tax_identifier else None

    @classmethod
    def _logo(cls, company):
        if not company or not company.logo:
            return None
        try:
            image, mimetype, _, _ = company.get_logo(320, 96)
        except ValueError:
            return None
        return 'data:%s;base64,%s' % (
            mimetype, base64.b64encode(image).decode())

    @classmethod
    def convert(cls, report, data, timeout=5 * 60, retry=5):
        # The logo is embedded as a data: URL, which the standard converter
        # refuses; nothing is fetched from the network.
        weasyprint = _lazy_import('weasyprint')
        if (weasyprint and report.template_extension == 'html'
                and report.extension == 'pdf'):
            return 'pdf', weasyprint.HTML(
                string=data,
                url_fetcher=weasyprint.URLFetcher(
                    allowed_protocols={'data'}),
                ).write_pdf()
        return super().convert(report, data, timeout=timeout, retry=retry)


class QuoteReport(BrandedReport):
    __name__ = 'telco.quote'


class InvoiceReport(BrandedReport):
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
