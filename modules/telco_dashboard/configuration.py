# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

# the thresholds of the recommendations: field, default
THRESHOLDS = {
    'recommendation_min_prospects': 5,
    'recommendation_min_claims': 5,
    'churn_risk_at_risk': 50,
    }


def _thresholds(domains=True):
    "The fields of the thresholds, with their domains on the values"
    fields_ = {
        'recommendation_min_prospects': fields.Integer(
            "Prospects at Least", required=True,
            domain=[('recommendation_min_prospects', '>=', 1)],
            help="A governorate or a category is recommended for "
            "prospecting when it had at least this many prospects in the "
            "last 12 months."),
        'recommendation_min_claims': fields.Integer(
            "Claims at Least", required=True,
            domain=[('recommendation_min_claims', '>=', 1)],
            help="A claim type is recommended for reduction when it had at "
            "least this many claims in the last 3 months."),
        'churn_risk_at_risk': fields.Integer(
            "At-Risk Score", required=True,
            domain=[
                ('churn_risk_at_risk', '>=', 1),
                ('churn_risk_at_risk', '<=', 100),
                ],
            help="The customers whose churn-risk score (out of 100) reaches "
            "it are at risk."),
        }
    if not domains:
        for field in fields_.values():
            field.domain = []
    return fields_


class Configuration(metaclass=PoolMeta):
    __name__ = 'telco.configuration'

    recommendation_min_prospects = fields.MultiValue(
        _thresholds(False)['recommendation_min_prospects'])
    recommendation_min_claims = fields.MultiValue(
        _thresholds(False)['recommendation_min_claims'])
    churn_risk_at_risk = fields.MultiValue(
        _thresholds(False)['churn_risk_at_risk'])

    @classmethod
    def multivalue_model(cls, field):
        if field in THRESHOLDS:
            return Pool().get('telco.configuration.dashboard')
        return super().multivalue_model(field)

    @classmethod
    def default_recommendation_min_prospects(cls, **pattern):
        return THRESHOLDS['recommendation_min_prospects']

    @classmethod
    def default_recommendation_min_claims(cls, **pattern):
        return THRESHOLDS['recommendation_min_claims']

    @classmethod
    def default_churn_risk_at_risk(cls, **pattern):
        return THRESHOLDS['churn_risk_at_risk']

    @classmethod
    def threshold(cls, name, company_id):
        "The operator's threshold, its default when it set none"
        with Transaction().set_user(0), without_check_access(), \
                Transaction().set_context(company=company_id):
            value = cls(1).get_multivalue(name, company=company_id)
        return THRESHOLDS[name] if value is None else value


class ConfigurationDashboard(ModelSQL, CompanyValueMixin):
    "Telco configuration of the dashboard of an operator"
    __name__ = 'telco.configuration.dashboard'
    __string__ = "Telco Configuration Dashboard"

    recommendation_min_prospects = _thresholds()[
        'recommendation_min_prospects']
    recommendation_min_claims = _thresholds()['recommendation_min_claims']
    churn_risk_at_risk = _thresholds()['churn_risk_at_risk']

    @classmethod
    def default_recommendation_min_prospects(cls):
        return THRESHOLDS['recommendation_min_prospects']

    @classmethod
    def default_recommendation_min_claims(cls):
        return THRESHOLDS['recommendation_min_claims']

    @classmethod
    def default_churn_risk_at_risk(cls):
        return THRESHOLDS['churn_risk_at_risk']
