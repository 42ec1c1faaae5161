# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""PDF documents sent to customers, branded per operator, on one layout"""
import base64
import os
from io import BytesIO

from trytond.modules.company.company import CompanyReport
from trytond.report.report import _lazy_import

# where the layout every branded document includes is (report_layout.html)
LAYOUT_DIR = os.path.dirname(__file__)


class BrandedReport(CompanyReport):
    """HTML rendered to PDF by WeasyPrint, with the operator's branding.

    A document's template includes the operator layout
    (``<xi:include href="report_layout.html"/>``) and calls its macros:
    ``telco_style()`` in the head, ``telco_brand(company)`` in its header,
    ``telco_footer(company, tax_identifier)`` at the end of each record.
    Modules set ``date_in_words`` and other helpers in the context."""

    @classmethod
    def render(cls, report, report_context):
        template = report.get_template_cached()
        if template is None and report.template_extension == 'html':
            # relatorio's loader cannot resolve xi:include: the template
            # is compiled with a loader that finds the layout
            from genshi.template import MarkupTemplate, TemplateLoader
            loader = TemplateLoader([LAYOUT_DIR], auto_reload=False)
            template = MarkupTemplate(
                BytesIO(report.report_content), loader=loader)
            report.set_template_cached(template)
        return super().render(report, report_context)

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
