# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The groups of the demo's roles: each operator's administrator, agent,
billing officer, shop manager and marketing, and the platform administrator
(the isolation tests and the browser crawl log in as them too)"""


ADMIN_GROUPS = [
    'telco_base.group_operator_admin',
    'telco_base.group_supervisor',
    'telco_base.group_customer',
    'telco_base.group_customer_admin',
    # hidden by feature gating for operators without the dashboard feature
    'telco_dashboard.group_dashboard',
    'telco_claims.group_claim',
    'telco_claims.group_claim_supervisor',
    'telco_messaging.group_messaging',
    'telco_messaging.group_messaging_supervisor',
    'telco_billing.group_quote',
    'telco_offers.group_offers',
    'sale.group_sale',
    'party.group_party_admin',
    'company.group_employee_admin',
    ]


AGENT_GROUPS = [
    'telco_base.group_agent',
    'telco_base.group_customer',
    'telco_claims.group_claim',
    'telco_messaging.group_messaging',
    'telco_billing.group_quote',
    'telco_offers.group_offers',
    'sale.group_sale',
    ]


BILLING_GROUPS = AGENT_GROUPS + [
    'telco_billing.group_billing',
    'account.group_account',
    'product.group_product_admin',
    'account_product.group_account_product_admin',
    ]


SHOP_GROUPS = [
    'telco_base.group_agent',
    'telco_base.group_customer',
    'telco_stock.group_shop_agent',
    'telco_stock.group_shop_manager',
    'telco_stock.group_stock_manager',
    'stock.group_stock',
    'stock.group_stock_admin',
    'sale_point.group_sale_point',
    'product.group_product_admin',
    ]


# the groups of the shops' managers: they are told of low stock, they do
# not log in to the demo
SHOP_MANAGER_GROUPS = [
    'telco_stock.group_shop_agent',
    'telco_stock.group_shop_manager',
    ]


# as MARKETING_EMAIL of telco_offers' tests/tools.py, and the accounting
# category of the pack's product
MARKETING_GROUPS = [
    'telco_base.group_operator_admin',
    'telco_base.group_agent',
    'telco_base.group_customer',
    'telco_base.group_customer_admin',
    'party.group_party_admin',
    'company.group_employee_admin',
    'telco_offers.group_marketing',
    'product.group_product_admin',
    'sale.group_sale',
    'marketing.group_marketing',
    'account_product.group_account_product_admin',
    ]


PLATFORM_GROUPS = [
    'telco_base.group_platform_admin',
    'telco_base.group_customer',
    'telco_base.group_customer_admin',
    'telco_dashboard.group_dashboard',
    'party.group_party_admin',
    'company.group_company_admin',
    'res.group_admin',
    ]
