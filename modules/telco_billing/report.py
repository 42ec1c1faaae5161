# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"PDF documents sent to customers, branded per operator"
import base64

from trytond.modules.company.company import CompanyReport
from trytond.report.report import _lazy_import


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
        return context

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
