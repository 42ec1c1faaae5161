# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import io

import xlsxwriter

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report

# the columns of the export: field of the figure, its format
COLUMNS = [
    ('kpi_string', None),
    ('period', 'month'),
    ('value', 'number'),
    ('unit', None),
    ('previous', 'number'),
    ('change', 'number'),
    ('trend', None),
    ('computed_at', 'timestamp'),
    ('definition', 'text'),
    ]


class FigureSpreadsheet(Report):
    "The key figures selected in the list, as an Excel workbook"
    __name__ = 'telco.dashboard.figure.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        return 'xlsx', cls.spreadsheet(records)

    @classmethod
    def spreadsheet(cls, records):
        "Return the workbook of the figures, in the context's language"
        pool = Pool()
        Figure = pool.get('telco.dashboard.figure')
        fields = Figure.fields_get(['kpi'] + [c for c, _ in COLUMNS[1:]])
        titles = [fields['kpi']['string']] + [
            fields[c]['string'] for c, _ in COLUMNS[1:]]
        selections = {
            n: dict(fields[n]['selection']) for n in ['unit', 'trend']}
        content = io.BytesIO()
        workbook = xlsxwriter.Workbook(content, {'in_memory': True})
        formats = {
            'header': workbook.add_format({'bold': True, 'bottom': 1}),
            'month': workbook.add_format({'num_format': 'yyyy-mm'}),
            'number': workbook.add_format({'num_format': '#,##0.00'}),
            'timestamp': workbook.add_format(
                {'num_format': 'yyyy-mm-dd hh:mm'}),
            'text': workbook.add_format({'text_wrap': True}),
            }
        sheet = workbook.add_worksheet(
            gettext('telco_dashboard.msg_xlsx_sheet')[:31])
        sheet.write_row(0, 0, titles, formats['header'])
        for row, figure in enumerate(records, 1):
            for col, (name, format_) in enumerate(COLUMNS):
                value = getattr(figure, name)
                if name in selections:
                    value = selections[name].get(value, '')
                elif name == 'computed_at' and value:
                    value = value.replace(microsecond=0)
                if value is None:
                    continue
                if format_ in {'month', 'timestamp'}:
                    sheet.write_datetime(
                        row, col, value, formats[format_])
                elif format_ == 'number':
                    sheet.write_number(
                        row, col, float(value), formats[format_])
                else:
                    sheet.write(row, col, value, formats.get(format_))
        for col, width in enumerate([32, 10, 14, 8, 14, 11, 7, 17, 60]):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(len(records), 1), len(COLUMNS) - 1)
        workbook.close()
        return content.getvalue()
