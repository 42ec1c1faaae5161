# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .line import LineFixtures


class LineFiguresTestMixin(LineFixtures):
    "The key figures of lines on the dashboard"

    def _line(self, company, customer, number, kind, activated=None,
            terminated=None):
        "A line with its dates written as history"
        Line = Pool().get('telco.line')
        line, = Line.create([{
                    'company': company.id, 'customer': customer.id,
                    'number': number, 'kind': kind}])
        table = Line.__table__()
        cursor = Transaction().connection.cursor()
        state = 'terminated' if terminated else (
            'active' if activated else 'draft')
        cursor.execute(*table.update(
                [table.activation_date, table.termination_date, table.state],
                [activated, terminated, state],
                where=table.id == line.id))
        return line

    @with_transaction()
    def test_dashboard_figures(self):
        "The line figures of May 2026 computed by hand"
        pool = Pool()
        Figure = pool.get('telco.dashboard.figure')
        d = dt.date
        company = self._operator()
        customer = self._customer(company)
        for number, kind, activated, terminated in [
                ('+21698000001', 'mobile_prepaid', d(2026, 4, 10), None),
                ('+21698000002', 'mobile_postpaid', d(2026, 5, 5), None),
                ('+21698000003', 'mobile_prepaid', d(2026, 1, 1),
                    d(2026, 5, 20)),
                ('+21671000004', 'fibre', d(2026, 5, 30), None),
                ('+21698000005', 'mobile_prepaid', None, None),
                ]:
            self._line(
                company, customer, number, kind, activated, terminated)
        other = self._operator("Tunisie Telecom", 'TT')
        self._line(
            other, self._customer(other), '+21698000001', 'mobile_prepaid',
            d(2026, 5, 1))

        figures = {
            f.kpi: (f.value, f.previous)
            for f in Figure.compute([company], d(2026, 5, 31))}
        # end of May: the first, second and fourth (the third terminated
        # on the 20th, the fifth never activated); end of April: first and
        # third
        self.assertEqual(figures['lines'], (3, 2))
        self.assertEqual(figures['lines_new'], (2, 1))
        # prepaid of the mobile lines: 1 of 2 in May, 2 of 2 in April
        self.assertEqual(
            figures['prepaid_share'], (Decimal('50.00'), Decimal('100.00')))

        # by kind at the end of May, and at the end of May over two months
        Breakdown = pool.get('telco.dashboard.breakdown')
        Statistic = pool.get('telco.dashboard.breakdown.statistic')
        for month in [d(2026, 4, 1), d(2026, 5, 1)]:
            Breakdown.compute([company, other], month)
        with Transaction().set_context(company=company.id,
                division='lines_kind', from_period=d(2026, 4, 1),
                to_period=d(2026, 5, 1)):
            self.assertEqual(
                {s.code: (s.label, s.value) for s in Statistic.search([])}, {
                    'mobile_prepaid': ("Mobile Prepaid", 1),
                    'mobile_postpaid': ("Mobile Postpaid", 1),
                    'fibre': ("Fibre", 1),
                    })
