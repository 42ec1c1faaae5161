# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Workflow states are written by their transitions only.

Tryton does not enforce readonly on the server: without a check, a client
may write the state of a record (or what only its buttons set: counters,
dates, who decided) and skip what the transition does.  For every model a
telco module registers that has transitions, and for every field of its
_button_fields, a write over RPC is refused, whoever the user is; the list
comes from the pool, so a model added tomorrow is checked tomorrow."""
import unittest

from trytond.i18n import gettext
from trytond.model import ModelSQL
from trytond.model.exceptions import AccessError
from trytond.modules.telco_base.tests.platform import platform_modules
from trytond.modules.telco_base.tests.tools import (
    as_user, create_operator, create_staff)
from trytond.pool import Pool, isregisteredby
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)

# the platform, as the isolation crawler and the modules' suites activate it
PLATFORM = platform_modules()
MODULES = [m for m in PLATFORM if m.startswith('telco_')]
FEATURES = [
    'clients', 'dashboard', 'claims', 'billing', 'stock', 'offers',
    'messaging']

# Models left out, and why.
EXCEPTIONS = {
    'telco.offer.proposal': "computed by the server: no group may write "
    "it and every create or write of a client is refused "
    "(telco_offers.msg_proposal_read_only)",
    'telco.dashboard.recommendation': "computed by the server: no group "
    "may create, write or delete it (ir.model.access); its buttons, "
    "given to the dashboard's group, change it",
    }


def workflow_models():
    "The models of the telco modules with transitions or button fields"
    pool = Pool()
    for name, Model in pool.iterobject():
        if not issubclass(Model, ModelSQL) or name in EXCEPTIONS:
            continue
        if not (getattr(Model, '_transitions', None)
                or getattr(Model, '_button_fields', None)):
            continue
        if any(isregisteredby(Model, m) for m in MODULES):
            yield name, Model


class WorkflowFieldsTestCase(unittest.TestCase):
    "Workflow fields written by their transitions only"

    @classmethod
    def setUpClass(cls):
        drop_db()
        activate_module(PLATFORM)

    @classmethod
    def tearDownClass(cls):
        drop_db()

    @with_transaction()
    def test_state_written_by_transitions_only(self):
        "A client's write of a state or a button field is refused"
        pool = Pool()
        Group = pool.get('res.group')
        User = pool.get('res.user')
        company = create_operator("Workflow", 'WORKFLOW', features=FEATURES)
        # the most a user of an operator may be given: every group
        user = create_staff('workflow', company, groups=[])
        User.write([user], {
                'groups': [('add', [g.id for g in Group.search([])])],
                })
        models = dict(workflow_models())
        # the walk finds the models it must
        self.assertLessEqual(
            {'telco.line', 'telco.bill_run', 'telco.claim', 'party.party'},
            set(models))
        for name, Model in sorted(models.items()):
            names = set(Model._button_fields) if hasattr(
                Model, '_button_fields') else set()
            if getattr(Model, '_transitions', None):
                names.add(Model._transition_state)
            for field in sorted(names):
                with self.subTest(model=name, field=field):
                    with as_user(user), self.assertRaises(AccessError) as cm:
                        Model.write([], {field: None})
                    self.assertEqual(cm.exception.message, gettext(
                            'telco_base.msg_field_by_button',
                            field=getattr(Model, field).string,
                            model=Model.__names__()['model']))
