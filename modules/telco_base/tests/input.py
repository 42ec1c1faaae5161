# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Tests of the errors a French user meets and of the guard on input"
import datetime as dt
import importlib
import os
import random
import string
from contextlib import contextmanager
from decimal import Decimal

import polib

from trytond import backend
from trytond.i18n import gettext
from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError,
    SizeValidationError)
from trytond.modules.telco_base.exceptions import InputValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    as_user, assert_message, create_operator, create_staff, savepoint)

_PO = {}


def french(module, context):
    """The French of the msgctxt in the fr.po shipped with the module
    (trytond's own for ir and res)"""
    if module not in _PO:
        if module in {'ir', 'res'}:
            package = importlib.import_module('trytond.' + module)
        else:
            package = importlib.import_module('trytond.modules.' + module)
        path = os.path.join(
            os.path.dirname(package.__file__), 'locale', 'fr.po')
        _PO[module] = {
            e.msgctxt: e.msgstr for e in polib.pofile(path)
            if e.msgstr and not e.obsolete}
    return _PO[module][context]


def random_text(length):
    "A text PostgreSQL cannot compress, as a pasted blob would be"
    rng = random.Random(16)
    return ''.join(rng.choice(string.ascii_letters + string.digits)
        for _ in range(length))


class InputTestMixin:
    "Test the French of errors and the guard on the values written"

    @contextmanager
    def _french_loaded(self):
        """Load French as trytond-admin -l fr and the "Load translations"
        button do: the fr.po of every activated module, core modules
        included.  It is committed, as in a real database: the errors of
        database constraints (required, size) are translated in a new
        transaction, which sees only what is committed.  What the block
        writes is undone, then the translations."""
        pool = Pool()
        Lang = pool.get('ir.lang')
        transaction = Transaction()
        fr, = Lang.search([('code', '=', 'fr')])
        Lang.load_translations([fr])
        transaction.commit()
        try:
            yield
        finally:
            transaction.rollback()
            Lang.unload_translations([Lang(fr.id)])
            transaction.commit()

    def _french_user(self, company):
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        fr, = Lang.search([('code', '=', 'fr')])
        user = create_staff('agent_fr', company)
        User.write([user], {'language': fr.id})
        return user

    @contextmanager
    def _as_french(self, user, company=None):
        "Act as the user with the context the client gets from preferences"
        pool = Pool()
        User = pool.get('res.user')
        with as_user(user, company=company):
            context = User.get_preferences(context_only=True)
            self.assertEqual(context['language'], 'fr')
            with Transaction().set_context(language=context['language']):
                yield

    @with_transaction()
    def test_french_errors(self):
        "Required, size, domain and access errors come in French"
        with self._french_loaded():
            self._check_french_errors()

    def _check_french_errors(self):
        pool = Pool()
        Category = pool.get('party.category')
        AddressFormat = pool.get('party.address.format')
        CreditRule = pool.get('telco.credit.rule')
        PayerAccount = pool.get('telco.payer_account')
        Feature = pool.get('telco.feature')
        Sim = pool.get('telco.sim')
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        ContactMechanism = pool.get('party.contact_mechanism')
        company = self._operator()
        other = create_operator("Tunisie Telecom", 'TT')
        user = self._french_user(company)
        customer = self._customer(company)
        sim = self._sim(company, 1)
        other_customer = self._customer(company, first_name="Leila")
        with Transaction().set_context(company=company.id):
            address, = Address.create([{
                        'party': other_customer.id, 'city': "Sfax"}])
            mechanism, = ContactMechanism.create([{
                        'party': customer.id, 'type': 'email',
                        'value': 'sami@example.tn'}])
        address_format, = AddressFormat.create([{'country_code': 'TN'}])
        with Transaction().set_context(company=company.id):
            rule, = CreditRule.create([{
                        'company': company.id, 'credit_class': 'A'}])

        with self._as_french(user):
            # required, core model
            with self.assertRaises(RequiredValidationError) as cm, \
                    savepoint():
                Category.create([{'company': company.id, 'name': None}])
            self.assertEqual(cm.exception.message,
                french('ir', 'model:ir.message,text:msg_required_validation')
                % {
                    'field': french('party', 'field:party.category,name:'),
                    'model': french('party', 'model:party.category,string:'),
                    })
            # required, telco model
            with self.assertRaises(RequiredValidationError) as cm, \
                    savepoint():
                PayerAccount.create([{
                            'company': company.id,
                            'customer': customer.id,
                            'payer': customer.id,
                            'name': None}])
            self.assertEqual(cm.exception.message,
                french('ir', 'model:ir.message,text:msg_required_validation')
                % {
                    'field': french(
                        'telco_line', 'field:telco.payer_account,name:'),
                    'model': french(
                        'telco_line', 'model:telco.payer_account,string:'),
                    })

            # size, core model
            with self.assertRaises(SizeValidationError) as cm, savepoint():
                AddressFormat.write([AddressFormat(address_format.id)], {
                        'country_code': 'TUN'})
            self.assertEqual(cm.exception.message,
                french('ir', 'model:ir.message,text:msg_size_validation')
                % {
                    'value': 'TUN',
                    'field': french(
                        'party', 'field:party.address.format,country_code:'),
                    'model': french(
                        'party', 'model:party.address.format,string:'),
                    'size': 3, 'max_size': 2,
                    })
            # size, telco model
            with self.assertRaises(SizeValidationError) as cm, savepoint():
                Sim.write([Sim(sim.id)], {'pin': '123456789'})
            self.assertEqual(cm.exception.message,
                french('ir', 'model:ir.message,text:msg_size_validation')
                % {
                    'value': '123456789',
                    'field': french('telco_line', 'field:telco.sim,pin:'),
                    'model': french('telco_line', 'model:telco.sim,string:'),
                    'size': 9, 'max_size': 8,
                    })

            # domain, core model: the address of a contact mechanism is
            # one of its party
            with self.assertRaises(DomainValidationError) as cm, savepoint():
                ContactMechanism.write([ContactMechanism(mechanism.id)], {
                        'address': address.id})
            self.assertEqual(cm.exception.message,
                french('ir',
                    'model:ir.message,text:msg_domain_validation_record')
                % {
                    'value': address.rec_name,
                    'field': french('party',
                        'field:party.contact_mechanism,address:'),
                    'record': mechanism.rec_name,
                    'model': french('party',
                        'model:party.contact_mechanism,string:'),
                    })
            # domain, telco model
            with self.assertRaises(DomainValidationError) as cm, savepoint():
                CreditRule.write([CreditRule(rule.id)], {'min_age': -1})
            self.assertEqual(cm.exception.message,
                french('ir',
                    'model:ir.message,text:msg_domain_validation_record')
                % {
                    'value': -1,
                    'field': french(
                        'telco_party', 'field:telco.credit.rule,min_age:'),
                    'record': rule.rec_name,
                    'model': french(
                        'telco_party', 'model:telco.credit.rule,string:'),
                    })

            # access, core message on a core and a telco model
            for Model, module in [
                    (Company, 'company'), (Feature, 'telco_base')]:
                with self.subTest(model=Model.__name__):
                    with self.assertRaises(AccessError) as cm, savepoint():
                        Model.create([{}])
                    self.assertEqual(cm.exception.message,
                        french('ir',
                            'model:ir.message,text:msg_access_rule_error')
                        % {
                            'model': french(module,
                                'model:%s,string:' % Model.__name__),
                            })
        # access, telco message: another operator in the preferences
        with self._as_french(user):
            with self.assertRaises(AccessError) as cm:
                pool.get('res.user').set_preferences({'company': other.id})
        self.assertEqual(cm.exception.message, french('telco_base',
                'model:ir.message,text:msg_context_company'))

        # the guard's own errors
        with self._as_french(user):
            with self.assertRaises(SizeValidationError) as cm:
                Party.create([{
                            'company': company.id,
                            'name': random_text(300)}])
            self.assertEqual(cm.exception.message,
                french('telco_base',
                    'model:ir.message,text:msg_input_too_long')
                % {
                    'field': french('party', 'field:party.party,name:'),
                    'model': french('party', 'model:party.party,string:'),
                    'size': 300, 'max_size': 255,
                    })
            with self.assertRaises(InputValidationError) as cm:
                CreditRule.write([CreditRule(rule.id)], {'min_age': 'dix'})
            self.assertEqual(cm.exception.message,
                french('telco_base',
                    'model:ir.message,text:msg_input_not_number')
                % {
                    'value': 'dix',
                    'field': french(
                        'telco_party', 'field:telco.credit.rule,min_age:'),
                    'model': french(
                        'telco_party', 'model:telco.credit.rule,string:'),
                    })

    @with_transaction()
    def test_input_control_characters(self):
        "NUL is refused, other control characters are removed"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        PayerAccount = pool.get('telco.payer_account')
        company = self._operator()
        agent = create_staff('agent', company)
        customer = self._customer(company)
        with as_user(agent):
            for Model, values in [
                    (Party, {'company': company.id, 'name': "Sami\x00"}),
                    (PayerAccount, {
                            'company': company.id, 'customer': customer.id,
                            'payer': customer.id, 'name': "Compte\x00 1"}),
                    (ContactMechanism, {
                            'party': customer.id, 'type': 'other',
                            'value': "x", 'comment': "a\x00b"}),
                    ]:
                with self.subTest(model=Model.__name__):
                    name = next(n for n, v in values.items()
                        if isinstance(v, str) and '\x00' in v)
                    with self.assertRaises(InputValidationError) as cm:
                        Model.create([values])
                    self.assertEqual(cm.exception.message, gettext(
                            'telco_base.msg_input_nul',
                            **Model.__names__(name)))
            # nothing was written, and the transaction goes on
            self.assertEqual(Party.search([('name', 'like', 'Sami%')]),
                [customer])

            party, = Party.create([{
                        'company': company.id,
                        'name': "\x1bLeila\x07 Ben\nSalah\t\u200f\x7f"}])
            self.assertEqual(party.name, "Leila Ben Salah \u200f")
            Party.write([party], {'name': "Leila\r\nBen Salah\x85"})
            self.assertEqual(Party(party.id).name, "Leila Ben Salah")
            mechanism, = ContactMechanism.create([{
                        'party': party.id, 'type': 'other', 'value': "x",
                        'comment': "Ligne 1\r\n\tLigne 2\x0c\x01\ud800"}])
            self.assertEqual(
                ContactMechanism(mechanism.id).comment,
                "Ligne 1\r\n\tLigne 2")

    @with_transaction()
    def test_input_lengths(self):
        "Names and texts are bounded, before their index refuses them"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')
        PayerAccount = pool.get('telco.payer_account')
        company = self._operator()
        agent = create_staff('agent', company)
        customer = self._customer(company)
        name = random_text(10_000)

        # the b-tree index (company, name) of parties cannot hold it:
        # without the bound, PostgreSQL answers "index row size ... exceeds
        # btree version 4 maximum 2704"
        cursor = Transaction().connection.cursor()
        with self.assertRaises(backend.DatabaseOperationalError) as cm, \
                savepoint():
            cursor.execute(
                'UPDATE party_party SET name = %s WHERE id = %s',
                (name, customer.id))
        self.assertIn('index row', str(cm.exception))

        with as_user(agent):
            for Model, field, values in [
                    (Party, 'name', {'company': company.id}),
                    (PayerAccount, 'name', {
                            'company': company.id, 'customer': customer.id,
                            'payer': customer.id}),
                    ]:
                with self.subTest(model=Model.__name__):
                    with self.assertRaises(SizeValidationError) as cm:
                        Model.create([dict(values, **{field: name})])
                    self.assertEqual(cm.exception.message, gettext(
                            'telco_base.msg_input_too_long',
                            **Model.__names__(field),
                            size=10_000, max_size=255))
                    self.assertEqual(
                        Model.search([(field, '=', name)]), [])
                    with self.assertRaises(SizeValidationError) as cm:
                        Model.write(Model.search([], limit=1), {field: name})
                    assert_message(
                        self, cm.exception, 'telco_base.msg_input_too_long')
            self.assertEqual(Party(customer.id).name, "Sami Trabelsi")

            # the bound itself is accepted, a Text takes longer values
            party, = Party.create([{
                        'company': company.id, 'name': 'x' * 255}])
            mechanism, = ContactMechanism.create([{
                        'party': party.id, 'type': 'other', 'value': "x",
                        'comment': name}])
            self.assertEqual(len(mechanism.comment), 10_000)
            with self.assertRaises(SizeValidationError) as cm:
                ContactMechanism.write([mechanism], {
                        'comment': 'x' * 100_001})
            self.assertEqual(cm.exception.message, gettext(
                    'telco_base.msg_input_too_long',
                    **ContactMechanism.__names__('comment'),
                    size=100_001, max_size=100_000))

    @with_transaction()
    def test_input_numbers_and_dates(self):
        "Numbers and dates given as text are converted or clearly refused"
        pool = Pool()
        CreditRule = pool.get('telco.credit.rule')
        Feature = pool.get('telco.feature')
        Subscription = pool.get('telco.operator.feature')
        company = self._operator()
        with Transaction().set_context(company=company.id):
            rule, = CreditRule.create([{
                        'company': company.id, 'credit_class': 'A',
                        'min_age': ' 18 '}])
        self.assertEqual(rule.min_age, 18)
        feature, = Feature.search([], limit=1)
        for Model, record, name, value, msg_id in [
                (CreditRule, rule, 'min_age', 'dix-huit',
                    'telco_base.msg_input_not_number'),
                (CreditRule, rule, 'min_age', '1.5',
                    'telco_base.msg_input_not_number'),
                (CreditRule, rule, 'min_age', 2 ** 31,
                    'telco_base.msg_input_out_of_range'),
                (Feature, feature, 'monthly_price', '12,5 DT',
                    'telco_base.msg_input_not_number'),
                (Feature, feature, 'monthly_price', 'NaN',
                    'telco_base.msg_input_out_of_range'),
                (Feature, feature, 'monthly_price', Decimal('Infinity'),
                    'telco_base.msg_input_out_of_range'),
                ]:
            with self.subTest(name=name, value=value):
                with self.assertRaises(InputValidationError) as cm:
                    Model.write([record], {name: value})
                self.assertEqual(cm.exception.message, gettext(msg_id,
                        **Model.__names__(name), value=value))
        Feature.write([feature], {'monthly_price': '12.50'})
        self.assertEqual(feature.monthly_price, Decimal('12.5'))
        CreditRule.write([rule], {'min_age': ''})
        self.assertIsNone(rule.min_age)

        subscription = Subscription.search([], limit=1)
        for value in ['31/12/2025', '2025-02-30', 'demain']:
            with self.subTest(value=value):
                with self.assertRaises(InputValidationError) as cm:
                    Subscription.write(subscription, {'end_date': value})
                self.assertEqual(cm.exception.message, gettext(
                        'telco_base.msg_input_not_date',
                        **Subscription.__names__('end_date'), value=value))
        Subscription.write(subscription, {'end_date': '2199-12-31'})
        self.assertEqual(subscription[0].end_date, dt.date(2199, 12, 31))

    @with_transaction()
    def test_input_guard_scope(self):
        "Business models are guarded, the framework's technical ones not"
        pool = Pool()
        guarded = {
            name for name, Model in pool.iterobject()
            if hasattr(Model, '_input_guard') and Model._input_guard()}
        for name in ['party.party', 'party.address', 'company.company',
                'telco.line', 'telco.sim', 'telco.payer_account',
                'ir.attachment', 'ir.note', 'res.user']:
            self.assertIn(name, guarded)
        for name in ['ir.ui.view', 'ir.action.act_window', 'ir.rule',
                'ir.translation', 'ir.email', 'res.group']:
            self.assertNotIn(name, guarded)
        # a long rule domain is no name
        RuleGroup = pool.get('ir.rule.group')
        domain = '[["id", "in", [%s]]]' % ', '.join(map(str, range(200)))
        group, = RuleGroup.create([{
                    'name': "Long", 'model': 'party.party',
                    'global_p': True,
                    'rules': [('create', [{'domain': domain}])],
                    }])
        rule, = group.rules
        self.assertEqual(rule.domain, domain)

    @with_transaction()
    def test_absurd_values_refused(self):
        "Birth dates, business dates, ages and prices out of bounds"
        pool = Pool()
        Party = pool.get('party.party')
        CreditRule = pool.get('telco.credit.rule')
        Feature = pool.get('telco.feature')
        Subscription = pool.get('telco.operator.feature')
        company = self._operator()
        customer = self._customer(company)
        with Transaction().set_context(company=company.id):
            rule, = CreditRule.create([{
                        'company': company.id, 'credit_class': 'A'}])
        subscription, = Subscription.search(
            [('company', '=', company.id)], limit=1)
        feature, = Feature.search([], limit=1)
        today = dt.date.today()
        for Model, record, name, value in [
                (Party, customer, 'birth_date', dt.date(1899, 12, 31)),
                (Party, customer, 'birth_date', today + dt.timedelta(1)),
                (CreditRule, rule, 'min_age', 151),
                (CreditRule, rule, 'max_age', 1000),
                (Subscription, subscription, 'end_date',
                    dt.date(2201, 1, 1)),
                (Subscription, subscription, 'start_date',
                    dt.date(1, 1, 1)),
                (Feature, feature, 'monthly_price', Decimal(10 ** 10)),
                ]:
            with self.subTest(model=Model.__name__, name=name, value=value):
                with self.assertRaises(DomainValidationError) as cm, \
                        savepoint():
                    Model.write([Model(record.id)], {name: value})
                names = Model.__names__(name, Model(record.id))
                names['value'] = str(value)
                self.assertEqual(cm.exception.message, gettext(
                        'ir.msg_domain_validation_record', **names))
        # the bounds themselves are accepted
        Party.write([customer], {'birth_date': dt.date(1900, 1, 1)})
        Party.write([customer], {'birth_date': today})
        CreditRule.write([rule], {'min_age': 0, 'max_age': 150})
        Subscription.write([subscription], {'end_date': dt.date(2200, 12, 31)})
        Feature.write([feature], {'monthly_price': Decimal(10 ** 9)})
