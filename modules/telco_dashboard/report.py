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


class StatisticSpreadsheet(Report):
    """The statistic shown, with its months and filters, as an Excel
    workbook"""
    __name__ = 'telco.dashboard.statistic.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        return 'xlsx', cls.spreadsheet(records)

    @classmethod
    def spreadsheet(cls, records):
        pool = Pool()
        Statistic = pool.get('telco.dashboard.statistic')
        Context = pool.get('telco.dashboard.statistic.context')
        start, end, filters = Statistic.filters()
        dimension = Statistic.dimension()
        measures = Statistic.columns()
        fields = Statistic.fields_get(['segment'] + measures)
        context_fields = Context.fields_get(
            ['dimension', 'from_period', 'to_period'] + list(filters))
        content = io.BytesIO()
        workbook = xlsxwriter.Workbook(content, {'in_memory': True})
        bold = workbook.add_format({'bold': True})
        header = workbook.add_format({'bold': True, 'bottom': 1})
        month = workbook.add_format({'num_format': 'yyyy-mm'})
        number = workbook.add_format({'num_format': '#,##0.###'})
        sheet = workbook.add_worksheet(
            gettext('telco_dashboard.msg_statistic_sheet')[:31])

        # what the statistic is: its dimension, months and filters
        def selection(name, value):
            return dict(context_fields[name]['selection']).get(value, value)
        row = 0
        sheet.write(row, 0, context_fields['dimension']['string'], bold)
        sheet.write(row, 1, selection('dimension', dimension))
        for name, value in [('from_period', start), ('to_period', end)]:
            row += 1
            sheet.write(row, 0, context_fields[name]['string'], bold)
            sheet.write_datetime(row, 1, value, month)
        for name, value in filters.items():
            row += 1
            sheet.write(row, 0, context_fields[name]['string'], bold)
            if context_fields[name]['type'] == 'many2one':
                Target = pool.get(context_fields[name]['relation'])
                value = Target(value).rec_name
            else:
                value = selection(name, value)
            sheet.write(row, 1, value)

        row += 2
        sheet.write_row(
            row, 0, [fields[n]['string'] for n in ['segment'] + measures],
            header)
        first = row
        for statistic in records:
            row += 1
            sheet.write(row, 0, statistic.segment)
            for col, name in enumerate(measures, 1):
                value = getattr(statistic, name)
                if value is not None:
                    sheet.write_number(row, col, float(value), number)
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, len(measures), 15)
        sheet.freeze_panes(first + 1, 1)
        workbook.close()
        return content.getvalue()


class BreakdownSpreadsheet(Report):
    "The breakdown shown, with its figure and months, as an Excel workbook"
    __name__ = 'telco.dashboard.breakdown.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        return 'xlsx', cls.spreadsheet(records)

    @classmethod
    def spreadsheet(cls, records):
        pool = Pool()
        Statistic = pool.get('telco.dashboard.breakdown.statistic')
        Context = pool.get('telco.dashboard.breakdown.context')
        division, start, end = Statistic.filters()
        fields = Statistic.fields_get(['label', 'value'])
        context_fields = Context.fields_get(
            ['division', 'from_period', 'to_period'])
        content = io.BytesIO()
        workbook = xlsxwriter.Workbook(content, {'in_memory': True})
        bold = workbook.add_format({'bold': True})
        header = workbook.add_format({'bold': True, 'bottom': 1})
        month = workbook.add_format({'num_format': 'yyyy-mm'})
        number = workbook.add_format({'num_format': '#,##0.###'})
        wrap = workbook.add_format({'text_wrap': True})
        sheet = workbook.add_worksheet(
            gettext('telco_dashboard.msg_statistic_sheet')[:31])
        row = 0
        sheet.write(row, 0, context_fields['division']['string'], bold)
        if division:
            sheet.write(row, 1, gettext(division.name))
            row += 1
            sheet.write(row, 1, gettext(division.help), wrap)
        for name, value in [('from_period', start), ('to_period', end)]:
            row += 1
            sheet.write(row, 0, context_fields[name]['string'], bold)
            sheet.write_datetime(row, 1, value, month)
        row += 2
        sheet.write_row(
            row, 0, [fields['label']['string'], fields['value']['string']],
            header)
        first = row
        for statistic in records:
            row += 1
            sheet.write(row, 0, statistic.label)
            if statistic.value is not None:
                sheet.write_number(row, 1, float(statistic.value), number)
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 60)
        sheet.freeze_panes(first + 1, 1)
        workbook.close()
        return content.getvalue()
