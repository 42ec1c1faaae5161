# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""python -m unittest, with the time of each test printed at the end.

Used by run_tests.sh so that a run says where its time goes: each test's
time counts from the end of the previous one, so the first test of a class
carries the class's set-up (activating or restoring its database)."""
import sys
import time
import unittest

SLOWEST = 12


class TimedResult(unittest.TextTestResult):

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = []
        self._last = time.perf_counter()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.perf_counter()
        self.durations.append((now - self._last, test.id()))
        self._last = now


class TimedRunner(unittest.TextTestRunner):
    resultclass = TimedResult

    def run(self, test):
        result = super().run(test)
        durations = sorted(result.durations, reverse=True)[:SLOWEST]
        if durations:
            self.stream.writeln('slowest tests (with their class set-up):')
            for seconds, name in durations:
                self.stream.writeln(f'  {seconds:7.1f} s  {name}')
            self.stream.flush()
        return result


if __name__ == '__main__':
    # as python -m unittest: the current directory first on the path
    sys.path[0] = ''
    sys.argv[0] = 'python -m unittest'
    unittest.main(module=None, testRunner=TimedRunner)
