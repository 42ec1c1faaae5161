# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .model import ButtonFieldsMixin


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def _granted(cls, relation, column, user_id):
        """Ids of column in the relation table for the user, read without
        access checks; the cache of get_companies is cleared when users
        change"""
        key = (relation, user_id)
        granted = cls._get_companies_cache.get(key)
        if granted is not None:
            return set(granted)
        table = Pool().get(relation).__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                getattr(table, column), where=table.user == user_id))
        granted = sorted(i for i, in cursor)
        cls._get_companies_cache.set(key, granted)
        return set(granted)

    @classmethod
    def _granted_companies(cls, user_id):
        "Companies the user is member of"
        return cls._granted('res.user-company.company', 'company', user_id)

    @classmethod
    def _granted_employees(cls, user_id):
        "Employees the user may act as"
        return cls._granted('res.user-company.employee', 'employee', user_id)

    @classmethod
    def set_preferences(cls, values):
        # The domains of company and employee are not checked when users
        # set their preferences: only their own operators and employees.
        pool = Pool()
        Employee = pool.get('company.employee')
        user_id = Transaction().user
        if user_id:
            company = values.get('company')
            if (company is not None
                    and company not in cls._granted_companies(user_id)):
                raise AccessError(gettext('telco_base.msg_context_company'))
            employee = values.get('employee')
            if employee is not None:
                if employee not in cls._granted_employees(user_id):
                    raise AccessError(
                        gettext('telco_base.msg_context_employee'))
                if company is None:
                    company = cls(user_id).company
                    company = company.id if company else None
                with without_check_access():
                    if Employee(employee).company.id != company:
                        raise AccessError(
                            gettext('telco_base.msg_context_employee'))
        super().set_preferences(values)

    @classmethod
    def get_companies(cls):
        # The REST API passes the caller's context without removing the
        # private keys: a "_companies" sent by the caller must not widen
        # what the user may see.  And the standard cache is per user while
        # its value depends on the context's company: one request with a
        # foreign company would leave the user with no company at all.
        transaction = Transaction()
        user_id = transaction.user
        if not user_id:
            return super().get_companies()
        context_company = transaction.context.get('company')
        key = (user_id, context_company, '_companies' in transaction.context
            and tuple(transaction.context['_companies']))
        companies = cls._get_companies_cache.get(key)
        if companies is not None:
            return companies
        granted = cls._granted_companies(user_id)
        if '_companies' in transaction.context:
            companies = tuple(
                c for c in transaction.context['_companies'] if c in granted)
        else:
            table = cls.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*table.select(
                    table.company_filter, table.company,
                    where=table.id == user_id))
            company_filter, company = cursor.fetchone() or (None, None)
            if company_filter == 'all':
                companies = tuple(sorted(granted))
            else:
                if context_company in granted:
                    company = context_company
                companies = (company,) if company in granted else ()
        return cls._get_companies_cache.set(key, companies)

    @classmethod
    def _current_company(cls):
        "Company used to gate features, read without access checks"
        transaction = Transaction()
        user_id = transaction.user
        company = transaction.context.get('company')
        key = ('current', user_id, company)
        current = cls._get_companies_cache.get(key, -1)
        if current != -1:
            return current
        granted = cls._granted_companies(user_id)
        if isinstance(company, int) and company in granted:
            current = company
        else:
            table = cls.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*table.select(
                    table.company, where=table.id == user_id))
            row = cursor.fetchone()
            current = row[0] if row else None
        cls._get_companies_cache.set(key, current)
        return current

    @classmethod
    def get_groups(cls):
        pool = Pool()
        Feature = pool.get('telco.feature')
        ModelData = pool.get('ir.model.data')
        transaction = Transaction()
        if transaction.user and '_groups' in transaction.context:
            # Same as "_companies": never grant more than the user has.
            with transaction.reset_context():
                granted = set(super().get_groups())
            groups = tuple(
                g for g in transaction.context['_groups'] if g in granted)
        else:
            groups = super().get_groups()
        if not transaction.user:
            return groups
        with without_check_access():
            try:
                platform = ModelData.get_id(
                    'telco_base', 'group_platform_admin')
            except KeyError:
                # the module is being activated
                return groups
        if platform in groups:
            return groups
        disabled = Feature.disabled_groups(cls._current_company())
        return tuple(g for g in groups if g not in disabled)

    @classmethod
    def is_platform_admin(cls):
        "Whether the user of the transaction administers the platform"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        if not Transaction().user:
            return True
        with without_check_access():
            try:
                group_id = ModelData.get_id(
                    'telco_base', 'group_platform_admin')
            except KeyError:
                return False
        return group_id in cls.get_groups()

    @classmethod
    def platform_admins(cls):
        "Active users of the platform administrator group"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        UserGroup = pool.get('res.user-res.group')
        with without_check_access():
            group_id = ModelData.get_id('telco_base', 'group_platform_admin')
        table = UserGroup.user_group_all_table()
        user = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.join(user, condition=table.user == user.id
                ).select(table.user,
                where=(table.group == group_id)
                & (user.active == Literal(True))))
        return cls.browse([u for u, in cursor])


class UserApplication(ButtonFieldsMixin, metaclass=PoolMeta):
    __name__ = 'res.user.application'

    @classmethod
    def check(cls, key, application):
        from .access import check_context
        result = super().check(key, application)
        if result:
            # The REST API takes the caller's context from a header as it
            # is: it may only name the user's own operator and employee.
            transaction = Transaction()
            with transaction.set_user(result.user.id):
                check_context(transaction.context)
        return result
