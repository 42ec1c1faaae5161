# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Key figures and the customer base by segment of the 18 months of the
demo, today's recommendations, and the home dashboard of the operator's
administrator (its manager in the demo)"""
from proteus import Model, Wizard

from .tools import activated_modules, as_user, log, months_ago, xml_id

# the panels of the home dashboard of each role, among the modules
# activated
PANELS = {
    'admin': [
        'telco_dashboard.act_figure_dashboard',
        'telco_dashboard.act_recommendation_dashboard',
        'telco_dashboard.act_party_month_dashboard',
        ],
    'agent': ['telco_claims.act_claim_mine_dashboard'],
    'shop': [
        'telco_stock.act_shop_sales_dashboard',
        'telco_stock.act_stock_minimum_low_dashboard',
        'telco_stock.act_shop_stock_dashboard',
        ],
    }


def load(company, values, password, lang):
    prefix = values['login']
    with as_user(f'{prefix}_admin'):
        for months in range(18, -1, -1):
            refresh = Wizard('telco.dashboard.figure.refresh')
            refresh.form.period = months_ago(months)
            refresh.execute('compute')
        Figure = Model.get('telco.dashboard.figure')
        log(f"  {len(Figure.find([]))} key figures over 19 months")
        # the demo's operators are small: their thresholds are low
        Configuration = Model.get('telco.configuration')
        configuration = Configuration(1)
        configuration.recommendation_min_prospects = 2
        configuration.recommendation_min_claims = 2
        configuration.churn_risk_at_risk = 40
        configuration.save()
        Wizard('telco.dashboard.recommendation.compute').execute('compute')
        Recommendation = Model.get('telco.dashboard.recommendation')
        log(f"  {len(Recommendation.find([]))} recommendations")
    active = activated_modules()
    for role, panels in PANELS.items():
        panels = [p for p in panels if p.split('.')[0] in active]
        if panels:
            setup_dashboard(f'{prefix}_{role}', panels)


def setup_dashboard(login, panels):
    "The user opens on the dashboard, with its panels"
    User = Model.get('res.user')
    Action = Model.get('ir.action.act_window')
    DashboardAction = Model.get('dashboard.action')
    users = User.find([('login', '=', login)])
    if not users or users[0].dashboard_actions:
        return
    user, = users
    for sequence, panel in enumerate(panels):
        DashboardAction(
            user=user, sequence=sequence,
            act_window=Action(xml_id(panel))).save()
    user = User(user.id)
    user.dashboard_layout = 'stack_top' if len(panels) > 1 else 'square'
    # opened at login
    user.actions.append(Model.get('ir.action')(
            Action(xml_id('dashboard.act_dashboard')).action.id))
    user.save()
