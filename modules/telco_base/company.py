# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import base64
import datetime as dt
import re

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .brand import brand, platform_brand
from .calendar_ import company_calendar
from .rls import cross_operator

CODE = re.compile(r'^[A-Z0-9_-]+$')
HOSTNAME = re.compile(
    r'^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
    r'(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$')
COLOR = re.compile(r'^#[0-9A-Fa-f]{6}$')
EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')


class Company(metaclass=PoolMeta):
    "Operator"
    __name__ = 'company.company'

    code = fields.Char(
        "Code", strip=True, size=16,
        help="A short code of the operator, like OOREDOO.")
    brand_name = fields.Char(
        "Brand Name", help="The name shown to staff and customers.")
    primary_color = fields.Char(
        "Primary Colour", size=7, help="A hexadecimal colour like #E30613.")
    secondary_color = fields.Char(
        "Secondary Colour", size=7, help="A hexadecimal colour like #FFFFFF.")
    website_host = fields.Char(
        "Website Host", strip=True,
        help="The host name of the operator's customer website.")
    web_hosts = fields.Char(
        "Web Host Names",
        help="The host names on which the staff's web client is served for "
        "the operator, separated by commas: its login page there carries "
        "the operator's brand.")
    phone_country = fields.Many2One(
        'country.country', "Phone Country",
        help="The country used for phone numbers written without a "
        "country code.")
    admin_email = fields.Char(
        "Administrator E-mail",
        help="The e-mail address of the operator's administrator.")
    customer_lang = fields.Many2One(
        'ir.lang', "Customers' Language", ondelete='RESTRICT',
        domain=[('translatable', '=', True)],
        help="The language of the documents and messages sent to the "
        "customers who have no language of their own.")
    legal_mentions = fields.Text(
        "Legal Mentions", translate=True,
        help="The legal mentions printed at the foot of the documents "
        "sent to customers: legal form, capital, trade register...")
    features = fields.One2Many(
        'telco.operator.feature', 'company', "Features",
        help="The CRM features subscribed by the operator.")
    users = fields.Many2Many(
        'res.user-company.company', 'company', 'user', "Users",
        readonly=True)
    service_state = fields.Selection([
            ('active', "Active"),
            ('read_only', "Read-Only"),
            ('suspended', "Suspended"),
            ], "Service", required=True, readonly=True,
        help="Whether the operator's staff use its features: read-only and "
        "suspended (the data kept) while its platform invoices are unpaid.")
    _phone_region_cache = Cache(
        'company.company.phone_region', context=False)
    _web_hosts_cache = Cache('company.company.web_hosts', context=False)
    _service_state_cache = Cache(
        'company.company.service_state', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('telco_code_unique', Unique(t, t.code),
                'telco_base.msg_operator_code_unique'),
            ('telco_host_unique', Unique(t, t.website_host),
                'telco_base.msg_operator_host_unique'),
            ]

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        cls.__rpc__['get_branding'] = RPC()

    @classmethod
    def default_service_state(cls):
        return 'active'

    @classmethod
    def service_state_of(cls, company_id):
        """Return the service state of the operator.
        Plain SQL: it is called while access rights are being computed."""
        if not company_id:
            return 'active'
        state = cls._service_state_cache.get(company_id)
        if state is None:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.service_state, where=table.id == company_id))
            row = cursor.fetchone()
            state = (row[0] if row else None) or 'active'
            cls._service_state_cache.set(company_id, state)
        return state

    @classmethod
    def get_branding(cls):
        """Return the brand of the user's screens: the one of the user's
        operator, or the neutral platform brand for the platform
        administrators and for a user working for several operators at
        once or for none"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            platform_group = ModelData.get_id(
                'telco_base', 'group_platform_admin')
        company_id = User._current_company()
        if (company_id is None
                or platform_group in User.get_groups()
                or len(User.get_companies()) != 1):
            return dict(platform_brand(), id=None, code=None)
        # read through the rules: only an operator of the user is returned
        company, = cls.search([('id', '=', company_id)])
        return dict(company.brand(), id=company.id, code=company.code)

    def brand(self):
        "The public brand of the operator: name, colours and logo"
        logo = None
        if self.logo:
            try:
                image, mimetype, _, _ = self.get_logo(160, 48)
            except ValueError:
                pass
            else:
                logo = 'data:%s;base64,%s' % (
                    mimetype, base64.b64encode(image).decode())
        return brand(
            self.display_name, self.primary_color, self.secondary_color,
            logo=logo)

    @classmethod
    def add_business_hours(cls, company_id, start, hours):
        """Return the moment (naive UTC) `hours` working hours of the
        operator after start (naive UTC): in its business calendar, or
        every hour without one"""
        with without_check_access():
            calendar = company_calendar(company_id)
            if not calendar:
                return start + dt.timedelta(hours=hours)
            return calendar.add_hours(start, hours)

    @classmethod
    def split_web_hosts(cls, value):
        "The host names of a value of web_hosts, in lower case"
        return [h for h in re.split(r'[\s,;]+', (value or '').lower()) if h]

    @classmethod
    def operator_for_host(cls, hostname):
        """Return the id of the operator whose web client is served on the
        host name, or None"""
        hostname = (hostname or '').lower().rstrip('.')
        hosts = cls._web_hosts_cache.get(None)
        if hosts is None:
            hosts = {}
            with without_check_access(), cross_operator():
                for company in cls.search([('web_hosts', '!=', None)]):
                    for host in cls.split_web_hosts(company.web_hosts):
                        hosts[host] = company.id
            cls._web_hosts_cache.set(None, hosts)
        return hosts.get(hostname)

    @classmethod
    def brand_for_host(cls, hostname):
        """The public brand shown on the login page served on the host name:
        its operator's, or the neutral platform brand"""
        company_id = cls.operator_for_host(hostname)
        if company_id is None:
            return platform_brand()
        with without_check_access(), cross_operator():
            return cls(company_id).brand()

    @classmethod
    def default_primary_color(cls):
        return '#1F3A5F'

    @classmethod
    def default_secondary_color(cls):
        return '#FFFFFF'

    @classmethod
    def phone_region(cls, company_id):
        "Return the country code for phone numbers of the company"
        if company_id is None or company_id < 0:
            return None
        key = company_id
        region = cls._phone_region_cache.get(key, -1)
        if region == -1:
            with without_check_access():
                company = cls(company_id)
                region = (
                    company.phone_country.code if company.phone_country
                    else None)
            cls._phone_region_cache.set(key, region)
        return region

    @property
    def display_name(self):
        return self.brand_name or self.rec_name

    def customer_language(self, party=None):
        """Return the ir.lang of the documents sent to the party: its own
        language, else the operator's language for customers (None: the
        database's default)"""
        if party is not None and party.lang:
            return party.lang
        return self.customer_lang

    def enabled_features(self, date=None):
        "Return the codes of the features running at the date"
        pool = Pool()
        Date = pool.get('ir.date')
        if date is None:
            with Transaction().set_context(company=self.id):
                date = Date.today()
        return {
            s.feature.code for s in self.features
            if s.running_on(date) and s.feature.active}

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('code'):
            values['code'] = values['code'].upper()
        if values.get('website_host'):
            values['website_host'] = values['website_host'].lower()
        if 'web_hosts' in values:
            values['web_hosts'] = ', '.join(
                cls.split_web_hosts(values['web_hosts'])) or None
        return values

    @classmethod
    def validate_fields(cls, companies, field_names):
        super().validate_fields(companies, field_names)
        for company in companies:
            if company.code and not CODE.match(company.code):
                raise ValidationError(gettext(
                        'telco_base.msg_operator_code_invalid',
                        code=company.code))
            for color in [company.primary_color, company.secondary_color]:
                if color and not COLOR.match(color):
                    raise ValidationError(gettext(
                            'telco_base.msg_operator_color_invalid',
                            color=color, operator=company.rec_name))
            if company.admin_email and not EMAIL.match(company.admin_email):
                raise ValidationError(gettext(
                        'telco_base.msg_operator_email_invalid',
                        email=company.admin_email,
                        operator=company.rec_name))
        if field_names is None or 'web_hosts' in field_names:
            cls.check_web_hosts(companies)

    @classmethod
    def check_web_hosts(cls, companies):
        "Each web host name is valid and serves one operator only"
        taken = {}
        with without_check_access(), cross_operator():
            others = cls.search([
                    ('web_hosts', '!=', None),
                    ('id', 'not in', [c.id for c in companies]),
                    ])
        for company in others + list(companies):
            for host in cls.split_web_hosts(company.web_hosts):
                if company in companies and not HOSTNAME.match(host):
                    raise ValidationError(gettext(
                            'telco_base.msg_operator_web_host_invalid',
                            host=host, operator=company.rec_name))
                other = taken.setdefault(host, company)
                if other != company:
                    raise ValidationError(gettext(
                            'telco_base.msg_operator_web_host_taken',
                            host=host, operator=company.rec_name,
                            other=other.rec_name))

    def _own_party_values(self):
        "The values written on the operator's own party at its creation"
        return {'company': self.id}

    @classmethod
    def on_modification(cls, mode, companies, field_names=None):
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        super().on_modification(mode, companies, field_names=field_names)
        cls._phone_region_cache.clear()
        cls._web_hosts_cache.clear()
        if field_names is None or 'service_state' in field_names:
            cls._service_state_cache.clear()
            pool.get('telco.feature').clear_gating_caches()
        if mode == 'create':
            # The operator's own party and the platform administrators
            # belong to the new operator: the platform administrator's
            # cross-operator work, before he acts for the new operator.
            with without_check_access(), cross_operator():
                for company in companies:
                    if not company.party.company:
                        Party.write([company.party],
                            company._own_party_values())
                admins = User.platform_admins()
                if admins:
                    User.write(admins, {
                            'companies': [
                                ('add', [c.id for c in companies])],
                            })
                # an administrator without operator yet sees them all
                bootstrap = [a for a in admins if not a.company]
                if bootstrap:
                    User.write(bootstrap, {
                            'company': companies[0].id,
                            'company_filter': 'all',
                            })


    @classmethod
    def next_number(cls, company_id, field, sequence_type, name, prefix,
            padding):
        """Return the next number of the operator's sequence in field,
        created of sequence_type on first use"""
        Sequence = Pool().get('ir.sequence')
        with Transaction().set_user(0), without_check_access():
            company = cls(company_id)
            if not getattr(company, field):
                # two first numbers at once create one sequence
                cls.lock([company])
                company = cls(company_id)
            if not getattr(company, field):
                sequence = Sequence(
                    name=f'{company.rec_name}: {name}',
                    sequence_type=sequence_type, company=company,
                    prefix=prefix, padding=padding)
                sequence.save()
                cls.write([company], {field: sequence.id})
                company = cls(company_id)
            with Transaction().set_context(company=company_id):
                return getattr(company, field).get()


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.party.domain = [
            ('company', '=', Eval('company', -1)),
            ]
