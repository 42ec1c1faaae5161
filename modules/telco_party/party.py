# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re

from sql import Literal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, MatchMixin, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Date, Eval, If
from trytond.tools import likify
from trytond.transaction import Transaction

from trytond.modules.telco_base.company import EMAIL
from trytond.modules.telco_base.input import MAX_AGE, MIN_DATE
from trytond.modules.telco_base.model import (
    ButtonFieldsMixin, CodeNameMixin, OperatorMixin, same_operator,
    state_history)

from .exceptions import DuplicateWarning
from .search import PartySearchBox

CATEGORY_KINDS = [
    ('commercial_1', "Commercial (1)"),
    ('commercial_2', "Commercial (2)"),
    ('collection', "Collection"),
    ('accounting', "Accounting"),
    ('tax', "Tax"),
    ]
CUSTOMER_STATES = [
    ('prospect', "Prospect"),
    ('active', "Active"),
    ('suspended', "Suspended"),
    ('terminated', "Terminated"),
    ]
CREDIT_CLASSES = [
    (None, ""),
    ('A', "A - Low risk"),
    ('B', "B - Medium risk"),
    ('C', "C - High risk"),
    ('D', "D - Prepaid only"),
    ]
LEGAL_FORMS = [
    (None, ""),
    ('sa', "Public Limited Company (SA)"),
    ('sarl', "Limited Liability Company (SARL)"),
    ('suarl', "Single-Member LLC (SUARL)"),
    ('snc', "General Partnership (SNC)"),
    ('association', "Association"),
    ('public', "Public Body"),
    ('other', "Other"),
    ]
CIN = re.compile(r'^\d{8}$')


class CustomerCategory(
        OperatorMixin, CodeNameMixin, DeactivableMixin, ModelSQL, ModelView):
    "Customer category of an operator"
    __name__ = 'telco.customer.category'
    __string__ = "Customer Category"

    kind = fields.Selection(CATEGORY_KINDS, "Kind", required=True, sort=False)
    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('kind', 'ASC'), ('code', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.kind, t.code),
                'telco_party.msg_customer_category_code_unique'),
            ]


def _category(kind, string):
    return fields.Many2One(
        'telco.customer.category', string, ondelete='RESTRICT',
        domain=[
            ('kind', '=', kind),
            ('company', '=', Eval('company', -1)),
            ])


class Party(PartySearchBox, ButtonFieldsMixin, Workflow, metaclass=PoolMeta):
    __name__ = 'party.party'
    _transition_state = 'customer_state'
    _button_fields = {
        'customer_state': 'prospect',
        'customer_date': None,
        'suspension_date': None,
        'termination_date': None,
        'credit_class': None,
        'credit_decided_by': None,
        'credit_decided_at': None,
        }

    customer_base = fields.Boolean(
        "Customer or Prospect",
        help="Uncheck for parties that are not customers nor prospects, "
        "like the operator itself or a company's employees using its lines.")
    customer_type = fields.Selection([
            ('person', "Natural Person"),
            ('organization', "Legal Person"),
            ], "Customer Type", required=True, sort=False)
    first_name = fields.Char(
        "First Name",
        states={
            'invisible': Eval('customer_type') != 'person',
            })
    last_name = fields.Char(
        "Last Name",
        states={
            'invisible': Eval('customer_type') != 'person',
            })
    birth_date = fields.Date(
        "Birth Date",
        domain=[
            If(Eval('birth_date'),
                [('birth_date', '>=', MIN_DATE), ('birth_date', '<=', Date())],
                []),
            ],
        states={
            'invisible': Eval('customer_type') != 'person',
            })
    identity_number = fields.Function(fields.Char(
            "Identity Number",
            states={
                'invisible': Eval('customer_type') != 'person',
                }),
        'get_identity_number', setter='set_identity_number')
    legal_form = fields.Selection(LEGAL_FORMS, "Legal Form",
        states={
            'invisible': Eval('customer_type') != 'organization',
            })
    trade_register = fields.Char("Trade Register",
        states={
            'invisible': Eval('customer_type') != 'organization',
            })
    parent = fields.Many2One(
        'party.party', "Parent Company", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('customer_type', '=', 'organization'),
            ('id', '!=', Eval('id', -1)),
            ],
        states={
            'invisible': Eval('customer_type') != 'organization',
            },
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The head office of this branch.")
    branches = fields.One2Many(
        'party.party', 'parent', "Branches",
        context={'company': Eval('company', -1)}, depends={'company'},
        states={
            'invisible': Eval('customer_type') != 'organization',
            })
    customer_state = fields.Selection(
        CUSTOMER_STATES, "Customer State", readonly=True, required=True,
        sort=False)
    customer_state_string = customer_state.translated('customer_state')
    prospect_date = fields.Date("Prospect since", readonly=True)
    customer_date = fields.Date(
        "Customer since", readonly=True,
        help="The date the prospect became a customer.")
    suspension_date = fields.Date("Suspended on", readonly=True)
    termination_date = fields.Date("Terminated on", readonly=True)
    state_history = fields.One2Many(
        'telco.party.state', 'party', "State History", readonly=True)
    commercial_category_1 = _category('commercial_1', "Commercial Category 1")
    commercial_category_2 = _category('commercial_2', "Commercial Category 2")
    collection_category = _category('collection', "Collection Category")
    accounting_category = _category('accounting', "Accounting Category")
    tax_category = _category('tax', "Tax Category")
    credit_class = fields.Selection(
        CREDIT_CLASSES, "Credit Class", readonly=True, sort=False)
    credit_decided_by = fields.Many2One(
        'res.user', "Credit Decided by", readonly=True)
    credit_decided_at = fields.Timestamp("Credit Decided at", readonly=True)
    proposed_credit_class = fields.Function(fields.Selection(
            CREDIT_CLASSES, "Proposed Credit Class"),
        'get_proposed_credit_class')
    city = fields.Function(fields.Char(
            "City", help="The city of the customer's first address."),
        'get_city', searcher='search_city')
    main_address = fields.Function(fields.Text(
            "Address", help="The customer's first address."),
        'get_main_address')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.name, Index.Similarity(cardinality='high'))),
                Index(t,
                    (t.company, Index.Range(cardinality='low')),
                    (t.name, Index.Range(cardinality='high'))),
                # the search box walks it without reading the table
                Index(t,
                    (t.company, Index.Range(cardinality='low')),
                    (t.name, Index.Range(cardinality='high')),
                    include=[t.id], where=t.active == Literal(True)),
                Index(t, (t.company, Index.Equality(cardinality='low')),
                    (t.customer_state, Index.Equality(cardinality='low'))),
                })
        cls.name.search_unaccented = False
        cls._transitions |= {
            ('prospect', 'active'),
            ('active', 'suspended'),
            ('suspended', 'active'),
            ('active', 'terminated'),
            ('suspended', 'terminated'),
            ('terminated', 'active'),
            }
        cls._buttons.update({
                'convert': {
                    'invisible': Eval('customer_state') != 'prospect',
                    'depends': ['customer_state'],
                    },
                'suspend': {
                    'invisible': Eval('customer_state') != 'active',
                    'depends': ['customer_state'],
                    },
                'reactivate': {
                    'invisible': ~Eval('customer_state').in_(
                        ['suspended', 'terminated']),
                    'depends': ['customer_state'],
                    },
                'terminate': {
                    'invisible': ~Eval('customer_state').in_(
                        ['active', 'suspended']),
                    'depends': ['customer_state'],
                    },
                'decide_credit': {
                    'invisible': ~Eval('proposed_credit_class'),
                    'depends': ['proposed_credit_class'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        Model = pool.get('ir.model')
        super().__register__(module)
        if module == 'telco_party':
            # the client's global search finds customers too
            model = Model.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*model.update(
                    [model.global_search_p], [True],
                    where=model.name == cls.__name__))

    @classmethod
    def search_global(cls, text):
        # the first customers found by the search box, not all of them
        for party in cls.search(
                [('rec_name', 'ilike', likify(text))],
                limit=cls._telco_global_limit):
            yield party, party.rec_name, 'tryton-party'

    @classmethod
    def default_customer_base(cls):
        return True

    @classmethod
    def default_customer_type(cls):
        return 'person'

    @classmethod
    def default_customer_state(cls):
        return 'prospect'

    @classmethod
    def default_prospect_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('first_name', 'last_name', 'customer_type', 'name')
    def on_change_first_name(self):
        self._set_person_name()

    @fields.depends('first_name', 'last_name', 'customer_type', 'name')
    def on_change_last_name(self):
        self._set_person_name()

    def _set_person_name(self):
        if self.customer_type == 'person' and (
                self.first_name or self.last_name):
            self.name = ' '.join(
                filter(None, [self.first_name, (self.last_name or '')]))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if (values.get('first_name') or values.get('last_name')) and (
                not values.get('name')):
            values['name'] = ' '.join(filter(None, [
                        values.get('first_name'), values.get('last_name')]))
        return values

    def get_identity_number(self, name):
        for identifier in self.identifiers:
            if identifier.type == 'tn_cin':
                return identifier.code

    @classmethod
    def set_identity_number(cls, parties, name, value):
        pool = Pool()
        Identifier = pool.get('party.identifier')
        to_delete, to_save = [], []
        for party in parties:
            existing = [i for i in party.identifiers if i.type == 'tn_cin']
            if not value:
                to_delete.extend(existing)
                continue
            identifier = existing[0] if existing else Identifier(
                party=party, type='tn_cin')
            identifier.code = value
            to_save.append(identifier)
        Identifier.delete(to_delete)
        Identifier.save(to_save)

    def get_city(self, name):
        address = self.address_get()
        return address.city if address else None

    @classmethod
    def search_city(cls, name, clause):
        return [('addresses.city',) + tuple(clause[1:])]

    def get_main_address(self, name):
        address = self.address_get()
        return address.full_address if address else None

    def get_proposed_credit_class(self, name):
        pool = Pool()
        Rule = pool.get('telco.credit.rule')
        return Rule.propose(self)

    @property
    def age(self):
        if self.birth_date:
            today = Pool().get('ir.date').today()
            return today.year - self.birth_date.year - (
                (today.month, today.day)
                < (self.birth_date.month, self.birth_date.day))

    @classmethod
    def _record_state(cls, parties, state, date_field=None):
        pool = Pool()
        History = pool.get('telco.party.state')
        Date = pool.get('ir.date')
        today = Date.today()
        History.log_change(parties, state)
        if date_field:
            cls.write([p for p in parties if not getattr(p, date_field)
                    or state != 'active'], {date_field: today})

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def convert(cls, parties):
        "Turn prospects into customers, keeping their history"
        cls._record_state(parties, 'active', 'customer_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, parties):
        "Suspend customers"
        cls._record_state(parties, 'suspended', 'suspension_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def reactivate(cls, parties):
        "Reactivate customers"
        cls._record_state(parties, 'active')

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, parties):
        "Terminate customers (churn)"
        cls._record_state(parties, 'terminated', 'termination_date')

    @classmethod
    @ModelView.button
    def decide_credit(cls, parties):
        "Record the proposed credit class as the decision of the user"
        for party in parties:
            party.credit_class = party.proposed_credit_class
            party.credit_decided_by = Transaction().user
            party.credit_decided_at = dt.datetime.now()
        cls.save(parties)

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        if field_names is None or 'parent' in field_names:
            for party in parties:
                seen, parent = {party}, party.parent
                while parent:
                    if parent in seen:
                        raise ValidationError(gettext(
                                'telco_party.msg_party_parent_recursion',
                                party=party.rec_name))
                    seen.add(parent)
                    parent = parent.parent

    @classmethod
    def create(cls, vlist):
        parties = super().create(vlist)
        cls.check_duplicates(parties)
        return parties

    @classmethod
    def check_duplicates(cls, parties):
        "Warn the user about existing customers that look the same"
        pool = Pool()
        Warning = pool.get('res.user.warning')
        for party in parties:
            duplicates = party.find_duplicates()
            if duplicates:
                names = ', '.join(d.rec_name for d in duplicates[:5])
                key = Warning.format('telco_duplicate', duplicates)
                if Warning.check(key):
                    raise DuplicateWarning(key, gettext(
                            'telco_party.msg_party_duplicate',
                            party=party.rec_name, duplicates=names))

    def find_duplicates(self):
        """Return the operator's parties with the same identity number, the
        same phone number or a very similar name and the same birth date"""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        Mechanism = pool.get('party.contact_mechanism')
        if not self.company:
            return []
        domain = []
        codes = [i.code for i in self.identifiers if i.code]
        if codes:
            domain.append(('identifiers', 'where', [
                        ('code', 'in', codes),
                        ('party', '!=', self.id),
                        ]))
        phones = [
            m.value_compact for m in self.contact_mechanisms
            if m.type in {'phone', 'mobile'} and m.value_compact]
        if phones:
            domain.append(('contact_mechanisms', 'where', [
                        ('value_compact', 'in', phones),
                        ('type', 'in', ['phone', 'mobile']),
                        ]))
        if self.birth_date and self.name:
            domain.append([
                    ('birth_date', '=', self.birth_date),
                    ('name', 'ilike', self.name),
                    ])
        if not domain:
            return []
        del Identifier, Mechanism
        return self.search([
                ('company', '=', self.company.id),
                ('id', '!=', self.id),
                ['OR'] + domain,
                ])


class PartyState(
        state_history(
            'party.party', 'party', "Party", CUSTOMER_STATES, datetime=False),
        ModelSQL, ModelView):
    "Customer state change"
    __name__ = 'telco.party.state'
    __string__ = "Customer State Change"


class CreditRule(sequence_ordered(), MatchMixin, ModelSQL, ModelView):
    "Credit class rule"
    __name__ = 'telco.credit.rule'
    __string__ = "Credit Rule"

    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE')
    customer_type = fields.Selection([
            (None, ""),
            ('person', "Natural Person"),
            ('organization', "Legal Person"),
            ], "Customer Type")
    min_age = fields.Integer(
        "Minimal Age", domain=['OR', ('min_age', '=', None),
            [('min_age', '>=', 0), ('min_age', '<=', MAX_AGE)]])
    max_age = fields.Integer(
        "Maximal Age", domain=['OR', ('max_age', '=', None),
            [('max_age', '>=', 0), ('max_age', '<=', MAX_AGE)]])
    with_identity = fields.Boolean(
        "With Identity Number",
        help="Apply only to parties with an identity number.")
    credit_class = fields.Selection(
        CREDIT_CLASSES[1:], "Credit Class", required=True, sort=False)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def propose(cls, party):
        "Return the credit class of the first rule matching the party"
        if not party.company:
            return None
        pattern = {
            'customer_type': party.customer_type,
            'age': party.age,
            'with_identity': bool(party.identity_number),
            }
        for rule in cls.search([('company', '=', party.company.id)]):
            if rule.match(pattern):
                return rule.credit_class

    def match(self, pattern, match_none=False):
        pattern = pattern.copy()
        age = pattern.pop('age')
        with_identity = pattern.pop('with_identity')
        if self.min_age is not None and (age is None or age < self.min_age):
            return False
        if self.max_age is not None and (age is None or age > self.max_age):
            return False
        if self.with_identity and not with_identity:
            return False
        return super().match(pattern, match_none=match_none)


class Identifier(metaclass=PoolMeta):
    __name__ = 'party.identifier'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.code.search_unaccented = False
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.code, Index.Equality(cardinality='high'))),
                Index(t, (t.code_compact, Index.Equality(cardinality='high'))),
                })

    @fields.depends('type', 'code')
    def check_code(self):
        super().check_code()
        if self.type == 'tn_cin' and self.code and not CIN.match(self.code):
            raise ValidationError(gettext(
                    'telco_party.msg_invalid_cin', code=self.code))

    @classmethod
    def validate_fields(cls, identifiers, field_names):
        super().validate_fields(identifiers, field_names)
        for identifier in identifiers:
            identifier.check_code()


class Address(metaclass=PoolMeta):
    __name__ = 'party.address'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.city, Index.Similarity(cardinality='high'))))


class PartyConfiguration(metaclass=PoolMeta):
    __name__ = 'party.configuration'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if ('tn_cin', "Tunisian Identity Card") not in (
                cls.identifier_types.selection):
            cls.identifier_types.selection.append(
                ('tn_cin', "Tunisian Identity Card"))


class PartyLang(metaclass=PoolMeta):
    __name__ = 'party.party.lang'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        same_operator(cls.party, values=True)


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.value_compact, Index.Equality(cardinality='high'))),
                # the search box finds a customer by any part of an e-mail
                Index(t, (t.value, Index.Similarity(cardinality='high')),
                    where=t.type == 'email'),
                })

    @fields.depends('party', '_parent_party.company')
    def _phone_country_codes(self):
        yield from super()._phone_country_codes()
        if (self.party and self.party.company
                and self.party.company.phone_country):
            yield self.party.company.phone_country.code

    @classmethod
    def validate_fields(cls, mechanisms, field_names):
        # party checks the phone numbers, with the operator's country
        # (_phone_country_codes), but its e-mail check needs the optional
        # email-validator, which looks the domain up in the DNS: the servers
        # of the demo and of the tests have none
        super().validate_fields(mechanisms, field_names)
        for mechanism in mechanisms:
            if mechanism.type == 'email':
                if not EMAIL.match(mechanism.value or ''):
                    raise ValidationError(gettext(
                            'telco_party.msg_invalid_email',
                            value=mechanism.value))

