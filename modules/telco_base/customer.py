# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re

from sql import Literal, Null, Union
from sql.operators import ILike

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, MatchMixin, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Date, Eval, If
from trytond.tools import grouped_slice, likify
from trytond.transaction import Transaction

from . import phone
from .exceptions import DuplicateWarning
from .input import MAX_AGE, MIN_DATE
from .model import ButtonFieldsMixin, CodeNameMixin

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
# a word of a number written with spaces: 98, +216, (71), 0021698
NUMBER_WORD = re.compile(r'^\+?[\d()./-]*\d[\d()./-]*$')


class CustomerCategory(CodeNameMixin, DeactivableMixin, ModelSQL, ModelView):
    "Customer category of an operator"
    __name__ = 'telco.customer.category'
    __string__ = "Customer Category"

    company = fields.Many2One(
        'company.company', "Operator", required=True, ondelete='CASCADE')
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
                'telco_base.msg_customer_category_code_unique'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


def _category(kind, string):
    return fields.Many2One(
        'telco.customer.category', string, ondelete='RESTRICT',
        domain=[
            ('kind', '=', kind),
            ('company', '=', Eval('company', -1)),
            ])


class Party(ButtonFieldsMixin, Workflow, metaclass=PoolMeta):
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
    payer_accounts = fields.One2Many(
        'telco.payer_account', 'customer', "Payer Accounts",
        domain=[
            ('company', '=', Eval('company', -1)),
            ])
    lines = fields.One2Many(
        'telco.line', 'customer', "Lines",
        domain=[
            ('company', '=', Eval('company', -1)),
            ])
    sims = fields.Function(fields.Many2Many(
            'telco.sim', None, None, "SIM Cards",
            help="The SIM cards of the customer's lines."),
        'get_sims')
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
        if module == 'telco_base':
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

    @classmethod
    def get_sims(cls, parties, name):
        pool = Pool()
        Line = pool.get('telco.line')
        sims = {p.id: [] for p in parties}
        for sub in grouped_slice(
                parties, backend.MAX_QUERY_PARAMS):
            for line in Line.search([
                        ('customer', 'in', [p.id for p in sub]),
                        ('sim', '!=', None),
                        ], order=[('id', 'ASC')]):
                customer_sims = sims[line.customer.id]
                if line.sim.id not in customer_sims:
                    customer_sims.append(line.sim.id)
        return sims

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
        History.create([{
                    'party': p.id,
                    'from_state': p.customer_state,
                    'to_state': state,
                    'date': today,
                    } for p in parties if p.customer_state != state])
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
        "Suspend customers and their active lines"
        pool = Pool()
        Line = pool.get('telco.line')
        cls._record_state(parties, 'suspended', 'suspension_date')
        Line.suspend(cls._lines(parties, ['active']))

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def reactivate(cls, parties):
        "Reactivate customers and the lines suspended with them"
        pool = Pool()
        Line = pool.get('telco.line')
        suspended = [p for p in parties if p.customer_state == 'suspended']

        def suspended_with_customer(line):
            since = dt.datetime.combine(
                line.customer.suspension_date or dt.date.min, dt.time())
            return any(
                h.to_state == 'suspended' and h.date >= since
                for h in line.history)
        lines = list(filter(
                suspended_with_customer,
                cls._lines(suspended, ['suspended'])))
        cls._record_state(parties, 'active')
        # the transition writes the state on return: the lines need it now
        cls.write(suspended, {'customer_state': 'active'})
        Line.activate(Line.browse(lines))

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, parties):
        "Terminate customers and their lines (churn)"
        pool = Pool()
        Line = pool.get('telco.line')
        cls._record_state(parties, 'terminated', 'termination_date')
        Line.terminate(cls._lines(parties, ['active', 'suspended']))

    @classmethod
    def _lines(cls, parties, states):
        "The lines of the customers in the states"
        pool = Pool()
        Line = pool.get('telco.line')
        if not parties:
            return []
        return Line.search([
                ('customer', 'in', [p.id for p in parties]),
                ('state', 'in', states),
                ])

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
                                'telco_base.msg_party_parent_recursion',
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
                            'telco_base.msg_party_duplicate',
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

    @classmethod
    def search(
            cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        domain = cls._telco_join_number_words(domain)
        # The search box needs only the first names in name order when a
        # page is asked in that order: tell it how deep to look.
        window = None
        if (limit is not None and not count and cls._is_search_box(domain)
                and (order is None
                    or (order[0][0] == 'name'
                        and (order[0][1] or 'ASC').upper().startswith(
                            'ASC')))):
            window = (offset or 0) + limit
        with Transaction().set_context(_telco_search_window=window):
            return super().search(
                domain, offset=offset, limit=limit, order=order, count=count,
                query=query)

    @classmethod
    def _telco_join_number_words(cls, domain):
        """Return the domain with the words of a number written with
        spaces joined into one clause.

        The clients cut the text of the search bar at the spaces into one
        clause per word, all of them required: `98 123 456` would look for
        parties matching `98`, `123` and `456` each.  Consecutive words
        that are parts of a number are searched as the number they form."""
        if (not isinstance(domain, (list, tuple)) or not domain
                or (isinstance(domain[0], str)
                    and domain[0] not in {'AND', 'OR'})):
            return domain
        items = list(domain)
        head = [items.pop(0)] if isinstance(items[0], str) else []
        joined = [cls._telco_join_number_words(i) for i in items]
        changed = any(j is not i for j, i in zip(joined, items))
        result, run = [], []

        def flush():
            nonlocal changed
            if len(run) > 1:
                text = ' '.join(word for word, _ in run)
                result.append(('rec_name', 'ilike', f'%{text}%'))
                changed = True
            else:
                result.extend(clause for _, clause in run)
            run.clear()
        for item in joined:
            word = (cls._telco_number_word(item)
                if head != ['OR'] else None)
            if word:
                run.append((word, item))
            else:
                flush()
                result.append(item)
        flush()
        return head + result if changed else domain

    @staticmethod
    def _telco_number_word(clause):
        "The part of a number the search box clause looks for, if any"
        if (isinstance(clause, (list, tuple)) and len(clause) == 3
                and clause[0] == 'rec_name' and clause[1] == 'ilike'
                and isinstance(clause[2], str)):
            value = clause[2]
            if (len(value) > 2 and value.startswith('%')
                    and value.endswith('%')
                    and NUMBER_WORD.match(value[1:-1])):
                return value[1:-1]

    @staticmethod
    def _is_search_box(domain):
        "Whether the domain is the search box's clause alone"
        while (isinstance(domain, (list, tuple)) and domain
                and not isinstance(domain[0], str)):
            if len(domain) != 1:
                return False
            domain = domain[0]
        return (isinstance(domain, (list, tuple)) and len(domain) == 3
            and domain[0] == 'rec_name' and domain[1] in {'ilike', 'like'})

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if (operator in {'ilike', 'like'} and isinstance(operand, str)
                and operand.strip('%').strip()):
            return cls._telco_search_query(operand)
        return super().search_rec_name(name, clause)

    # customers the global search shows at most
    _telco_global_limit = 20
    # rows of the name index read, per result asked, before looking the
    # name up in the trigram index instead
    _telco_search_walk = 1000
    # from this length on, a part of a name is most often rare
    _telco_search_long = 12

    @classmethod
    def _telco_search_by_name(cls, party, scope, pattern, window, walk):
        """Return the query of the parties in scope whose name matches.

        When only the first of the window in name order are needed, walk
        the name index of the operator: a common part of a name fills the
        window within a few rows.  A rare part is found at once by the
        trigram index, which reads all the matches of a common one.
        PostgreSQL cannot tell these cases apart from its statistics, so
        the walk is bounded and a long or numeric part, most often rare,
        goes to the trigram index first.  The walk needs the name index of
        one operator."""
        where = scope & party.name.ilike(pattern)
        if not window:
            return party.select(party.id, where=where)
        if not walk:
            query = party.select(party.id, party.name, where=where,
                order_by=[party.name.asc, party.id.asc], limit=window)
            return query.select(query.id)
        cursor = Transaction().connection.cursor()
        rare = (len(pattern.strip('%')) >= cls._telco_search_long
            or any(c.isdigit() for c in pattern))
        if rare:
            # more than the window: all of them when the part is rare
            probe = window * 10
            cursor.execute(*party.select(party.id, where=where, limit=probe))
            ids = [i for i, in cursor]
            if len(ids) < probe:
                return party.select(party.id, where=party.id.in_(ids or [-1]))
        walked = party.select(party.id, party.name, where=scope,
            order_by=[party.name.asc, party.id.asc],
            limit=window * cls._telco_search_walk)
        first = walked.select(walked.id,
            where=walked.name.ilike(pattern),
            order_by=[walked.name.asc, walked.id.asc],
            limit=window)
        cursor.execute(*first)
        ids = [i for i, in cursor]
        if len(ids) == window:
            return party.select(party.id, where=party.id.in_(ids))
        return party.select(party.id, where=where)

    @classmethod
    def _telco_search_query(cls, text):
        """Return the domain of the parties found by the search box: any
        part of the name, any written form of a phone or line number, the
        identity number, any part of the e-mail (a text without spaces
        with an @, a dot or an underscore, or long), the city or the code.
        One indexed query per criterion, united."""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        Line = pool.get('telco.line')
        User = pool.get('res.user')
        Company = pool.get('company.company')
        party = cls.__table__()
        identifier = Identifier.__table__()
        mechanism = Mechanism.__table__()
        address = Address.__table__()
        line = Line.__table__()

        value = text.strip().strip('%').strip()
        pattern = '%' + value.replace('%', r'\%').replace('_', r'\_') + '%'
        region = Company.phone_region(User._current_company())
        # the access rules still apply to the result: these filters only
        # let the database read the user's operators first
        companies = User.get_companies()
        if len(companies) == 1:
            in_companies = party.company == companies[0]
        else:
            in_companies = party.company.in_(list(companies) or [-1])
        scope = in_companies
        if Transaction().context.get('active_test', True):
            scope &= party.active == Literal(True)
        queries = [
            cls._telco_search_by_name(party, scope, pattern,
                Transaction().context.get('_telco_search_window'),
                walk=len(companies) == 1),
            party.select(party.id, where=party.code == value),
            identifier.select(identifier.party,
                where=identifier.code == value),
            identifier.select(identifier.party,
                where=identifier.code_compact == value.replace(' ', '')),
            ]
        if ((any(c in value for c in '@._')
                    or len(value) >= cls._telco_search_long)
                and not any(c.isspace() for c in value)):
            # any part of an e-mail address that looks like one (an @, a
            # dot or an underscore) or is long: a short word is most often
            # a part of a name, and a common one (mohamed) would read a
            # large share of the e-mails
            owner = cls.__table__()
            scope_owner = owner.company.in_(list(companies) or [-1])
            if Transaction().context.get('active_test', True):
                scope_owner &= owner.active == Literal(True)
            queries.append(mechanism.join(owner,
                    condition=mechanism.party == owner.id
                    ).select(mechanism.party,
                    where=(mechanism.type == 'email')
                    & ILike(mechanism.value, pattern, escape='\\')
                    & scope_owner))
        number = phone.to_e164(value, region)
        if number:
            queries.append(mechanism.select(mechanism.party,
                    where=mechanism.value_compact == number))
            queries.append(line.select(line.customer,
                    where=line.number == number))
            queries.append(line.select(line.user,
                    where=(line.number == number) & (line.user != Null)))
        elif not any(c.isdigit() for c in value):
            queries.append(address.select(address.party,
                    where=address.city.ilike(value)))
        return [('id', 'in', Union(*queries))]


class PartyState(ModelSQL, ModelView):
    "Customer state change"
    __name__ = 'telco.party.state'
    __string__ = "Customer State Change"

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    from_state = fields.Selection(
        CUSTOMER_STATES, "From", readonly=True, sort=False)
    to_state = fields.Selection(
        CUSTOMER_STATES, "To", readonly=True, sort=False)
    date = fields.Date("Date", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('party')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]


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
                    'telco_base.msg_invalid_cin', code=self.code))

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
        super().validate_fields(mechanisms, field_names)
        for mechanism in mechanisms:
            if mechanism.type in {'phone', 'mobile', 'fax'}:
                if not mechanism._parse_phonenumber(mechanism.value):
                    raise ValidationError(gettext(
                            'telco_base.msg_invalid_phone',
                            value=mechanism.value))
            elif mechanism.type == 'email':
                if not EMAIL.match(mechanism.value or ''):
                    raise ValidationError(gettext(
                            'telco_base.msg_invalid_email',
                            value=mechanism.value))


EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
