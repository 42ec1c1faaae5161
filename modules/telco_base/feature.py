# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from sql import Literal, Null

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .input import MAX_AMOUNT, date_domain
from .model import OperatorMixin


class Feature(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "CRM feature of the catalog that operators subscribe to"
    __name__ = 'telco.feature'
    __string__ = "Feature"

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True, strip=True)
    module = fields.Function(fields.Char(
            "Module",
            help="The Tryton module that declares the feature and provides "
            "its screens."),
        'get_module', searcher='search_module')
    description = fields.Text("Description", translate=True)
    monthly_price = fields.Numeric(
        "Monthly Price", digits=(16, 2), required=True,
        domain=[
            ('monthly_price', '>=', 0),
            ('monthly_price', '<=', MAX_AMOUNT),
            ])
    currency_code = fields.Char(
        "Currency", required=True, size=3,
        help="The ISO code of the currency the operators pay in.")
    groups = fields.Many2Many(
        'telco.feature-res.group', 'feature', 'group', "Groups",
        help="The access groups that exist only for operators "
        "subscribed to the feature.")
    subscriptions = fields.One2Many(
        'telco.operator.feature', 'feature', "Subscriptions", readonly=True)

    _gated_groups_cache = Cache('telco.feature.gated_groups', context=False)
    _feature_models_cache = Cache(
        'telco.feature.feature_models', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'telco_base.msg_feature_code_unique'),
            ]

    @classmethod
    def default_currency_code(cls):
        return 'EUR'

    @classmethod
    def get_module(cls, features, name):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        modules = dict.fromkeys((f.id for f in features), None)
        # which module declares a record is not a secret
        with without_check_access():
            found = ModelData.search([
                    ('model', '=', cls.__name__),
                    ('db_id', 'in', list(modules)),
                    ])
        for data in found:
            modules[data.db_id] = data.module
        return modules

    @classmethod
    def search_module(cls, name, clause):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        _, operator, operand, *extra = clause
        with without_check_access():
            ids = [d.db_id for d in ModelData.search([
                        ('model', '=', cls.__name__),
                        ('module', operator, operand, *extra),
                        ])]
        return [('id', 'in', ids)]

    @classmethod
    def on_modification(cls, mode, features, field_names=None):
        super().on_modification(mode, features, field_names=field_names)
        cls.clear_gating_caches()

    @classmethod
    def clear_gating_caches(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelAccess = pool.get('ir.model.access')
        cls._gated_groups_cache.clear()
        cls._feature_models_cache.clear()
        User._get_groups_cache.clear()
        ModelAccess._get_access_cache.clear()

    @classmethod
    def disabled_groups(cls, company_id, date=None):
        """Return the ids of the groups that only belong to features that
        the company has no running subscription for.
        Plain SQL: it is called while access rights are being computed."""
        pool = Pool()
        Company = pool.get('company.company')
        FeatureGroup = pool.get('telco.feature-res.group')
        OperatorFeature = pool.get('telco.operator.feature')
        if date is None:
            # not ir.date: it reads the company, which checks access again
            date = dt.date.today()
        key = (company_id, date.isoformat())
        groups = cls._gated_groups_cache.get(key)
        if groups is not None:
            return groups
        feature = cls.__table__()
        feature_group = FeatureGroup.__table__()
        subscription = OperatorFeature.__table__()
        cursor = Transaction().connection.cursor()

        enabled = subscription.select(
            subscription.feature,
            where=(subscription.company == (company_id or -1))
            & (subscription.start_date <= date)
            & ((subscription.end_date == Null)
                | (subscription.end_date >= date)))
        cursor.execute(*feature_group.join(
                feature, condition=feature_group.feature == feature.id
                ).select(
                feature_group.group,
                (feature.id.in_(enabled) & (feature.active == Literal(True))),
                ))
        # a suspended operator keeps no feature, its subscriptions and its
        # data are kept for the day it is restored
        suspended = Company.service_state_of(company_id) == 'suspended'
        gated, allowed = set(), set()
        for group_id, is_enabled in cursor:
            (allowed if is_enabled and not suspended else gated).add(group_id)
        groups = frozenset(gated - allowed)
        return cls._gated_groups_cache.set(key, groups)

    @classmethod
    def feature_models(cls):
        """Return the names of the models that the groups of features may
        modify: what a read-only operator's staff may no longer change.
        Plain SQL: it is called while access rights are being computed."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        FeatureGroup = pool.get('telco.feature-res.group')
        models = cls._feature_models_cache.get(None)
        if models is not None:
            return models
        access = ModelAccess.__table__()
        feature_group = FeatureGroup.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*access.join(feature_group,
                condition=access.group == feature_group.group
                ).select(access.model,
                where=(access.perm_write == Literal(True))
                | (access.perm_create == Literal(True))
                | (access.perm_delete == Literal(True)),
                group_by=[access.model]))
        models = frozenset(m for m, in cursor)
        return cls._feature_models_cache.set(None, models)

    @classmethod
    def running_codes(cls, company_id, date=None):
        "Return the codes of the features the company subscribes on date"
        pool = Pool()
        OperatorFeature = pool.get('telco.operator.feature')
        if date is None:
            date = dt.date.today()
        feature = cls.__table__()
        subscription = OperatorFeature.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*subscription.join(
                feature, condition=subscription.feature == feature.id
                ).select(feature.code,
                where=(subscription.company == company_id)
                & (subscription.start_date <= date)
                & ((subscription.end_date == Null)
                    | (subscription.end_date >= date))
                & (feature.active == Literal(True))))
        return {c for c, in cursor}

    @classmethod
    def disabled_for_model(cls, model_name, company_id):
        "Return the disabled feature that grants access to the model"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        FeatureGroup = pool.get('telco.feature-res.group')
        gated = cls.disabled_groups(company_id)
        if not gated:
            return None
        access = ModelAccess.__table__()
        feature_group = FeatureGroup.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*access.join(feature_group,
                condition=access.group == feature_group.group
                ).select(feature_group.feature, access.group,
                where=(access.model == model_name)
                & (access.perm_read == Literal(True))))
        for feature_id, group_id in cursor:
            if group_id in gated:
                return cls(feature_id)
        return None


class FeatureGroup(ModelSQL):
    "Feature - Group"
    __name__ = 'telco.feature-res.group'
    __string__ = "Feature - Group"
    feature = fields.Many2One(
        'telco.feature', "Feature", required=True, ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Feature = pool.get('telco.feature')
        super().on_modification(mode, records, field_names=field_names)
        Feature.clear_gating_caches()


class OperatorFeature(OperatorMixin, ModelSQL, ModelView):
    "Feature subscribed by an operator for a period"
    __name__ = 'telco.operator.feature'
    __string__ = "Operator Subscription"

    feature = fields.Many2One(
        'telco.feature', "Feature", required=True, ondelete='RESTRICT')
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[
            If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            date_domain('start_date', required=True),
            ])
    end_date = fields.Date(
        "End Date",
        domain=[
            If(Eval('end_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            date_domain('end_date'),
            ],
        help="Leave empty to renew the subscription every month.")
    monthly_price = fields.Function(
        fields.Numeric("Monthly Price", digits=(16, 2)), 'get_feature_field')
    currency_code = fields.Function(
        fields.Char("Currency"), 'get_feature_field')
    state = fields.Function(fields.Selection([
                ('planned', "Planned"),
                ('running', "Running"),
                ('ended', "Ended"),
                ], "State"), 'get_state', searcher='search_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('start_date', 'DESC'))

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return f'{self.company.rec_name} - {self.feature.rec_name}'

    def get_feature_field(self, name):
        return getattr(self.feature, name)

    def get_state(self, name):
        today = Pool().get('ir.date').today()
        if self.start_date > today:
            return 'planned'
        if self.end_date and self.end_date < today:
            return 'ended'
        return 'running'

    @classmethod
    def search_state(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        domains = {
            'planned': [('start_date', '>', today)],
            'ended': [('end_date', '<', today)],
            'running': [
                ('start_date', '<=', today),
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', today)],
                ],
            }
        values = value if operator in {'in', 'not in'} else [value]
        domain = ['OR'] + [domains[v] for v in values if v in domains]
        if operator in {'!=', 'not in'}:
            domain = ['NOT', domain]
        return domain

    def running_on(self, date):
        return (self.start_date <= date
            and (not self.end_date or self.end_date >= date))

    @classmethod
    def validate_fields(cls, subscriptions, field_names):
        super().validate_fields(subscriptions, field_names)
        cls.check_overlap(subscriptions)

    @classmethod
    def check_overlap(cls, subscriptions):
        far = dt.date.max
        for subscription in subscriptions:
            if subscription.end_date and (
                    subscription.end_date < subscription.start_date):
                raise ValidationError(gettext(
                        'telco_base.msg_operator_feature_dates',
                        operator=subscription.company.rec_name,
                        feature=subscription.feature.rec_name))
            others = cls.search([
                    ('id', '!=', subscription.id),
                    ('company', '=', subscription.company.id),
                    ('feature', '=', subscription.feature.id),
                    ])
            for other in others:
                if (other.start_date <= (subscription.end_date or far)
                        and subscription.start_date <= (
                            other.end_date or far)):
                    raise ValidationError(gettext(
                            'telco_base.msg_operator_feature_overlap',
                            operator=subscription.company.rec_name,
                            feature=subscription.feature.rec_name))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Feature = pool.get('telco.feature')
        super().on_modification(mode, records, field_names=field_names)
        Feature.clear_gating_caches()
