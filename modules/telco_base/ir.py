# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

# models whose rules depend on the user
USER_RULE_MODELS = {
    'company.company', 'res.user', 'telco.notification',
    'telco.admin.request'}


class ModelAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.access'

    @classmethod
    def check(cls, model_name, mode='read', raise_exception=True):
        pool = Pool()
        Feature = pool.get('telco.feature')
        User = pool.get('res.user')
        Company = pool.get('company.company')
        try:
            return super().check(
                model_name, mode=mode, raise_exception=raise_exception)
        except AccessError:
            if not Transaction().user:
                raise
            company_id = User._current_company()
            with without_check_access():
                feature = Feature.disabled_for_model(model_name, company_id)
                if not feature:
                    raise
                operator = (
                    Company(company_id).rec_name if company_id else '-')
                raise AccessError(gettext(
                        'telco_base.msg_feature_disabled',
                        feature=feature.rec_name, operator=operator))


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in USER_RULE_MODELS:
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if set(model_names) & USER_RULE_MODELS:
            key = (*key, Transaction().user)
        return key


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('telco.notification|retry_emails',
                "Retry Notification E-mails"))
