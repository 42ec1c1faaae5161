# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Key figures of the 18 months of the demo, and the home dashboard of the
operator's administrator (its manager in the demo)"""
from proteus import Model, Wizard

from .tools import as_user, log, months_ago, xml_id

# the panels of the manager's home dashboard
PANELS = [
    'telco_dashboard.act_figure_dashboard',
    'telco_dashboard.act_party_month_dashboard',
    ]


def load(company, values, password, lang):
    prefix = values['login']
    with as_user(f'{prefix}_admin'):
        for months in range(18, -1, -1):
            refresh = Wizard('telco.dashboard.figure.refresh')
            refresh.form.period = months_ago(months)
            refresh.execute('compute')
        Figure = Model.get('telco.dashboard.figure')
        log(f"  {len(Figure.find([]))} key figures over 19 months")
    setup_dashboard(f'{prefix}_admin')


def setup_dashboard(login):
    "The user opens on the dashboard, with its panels"
    User = Model.get('res.user')
    Action = Model.get('ir.action.act_window')
    DashboardAction = Model.get('dashboard.action')
    user, = User.find([('login', '=', login)])
    if user.dashboard_actions:
        return
    for sequence, panel in enumerate(PANELS):
        DashboardAction(
            user=user, sequence=sequence,
            act_window=Action(xml_id(panel))).save()
    user = User(user.id)
    user.dashboard_layout = 'stack_top'
    # opened at login
    user.actions.append(Model.get('ir.action')(
            Action(xml_id('dashboard.act_dashboard')).action.id))
    user.save()
