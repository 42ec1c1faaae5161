# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Every string of the telco modules is translated into French"
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FrenchTranslationTestCase(unittest.TestCase):

    def test_french_complete(self):
        "The French files cover every string and load back in French"
        env = {k: v for k, v in os.environ.items()
            if not k.startswith('TRYTOND_')}
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, 'scripts', 'export_pot.py'),
                '--check'],
            capture_output=True, text=True, env=env, timeout=900)
        self.assertEqual(
            result.returncode, 0, msg=result.stdout[-3000:]
            + result.stderr[-3000:])
        self.assertRegex(result.stdout, r'(?m)^0 mismatch\(es\)$')
