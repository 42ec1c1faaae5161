# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for tests of messaging: channels on the local provider server"
from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

SECRETS = {
    'kannel': 'kannel-shared-secret',
    'sms_json': 'gateway-shared-secret',
    'whatsapp': 'meta-app-secret',
    'messenger': 'meta-app-secret-2',
    'email': 'mail-signing-key',
    }
MESSAGING_GROUPS = [
    'telco_base.group_agent',
    'telco_base.group_customer',
    'telco_messaging.group_messaging',
    'telco_claims.group_claim',
    'telco_billing.group_quote',
    ]
SUPERVISOR_GROUPS = MESSAGING_GROUPS + [
    'telco_messaging.group_messaging_supervisor',
    'telco_base.group_operator_admin',
    ]


def point_messaging_at(public_url):
    "The URL the providers call the CRM's webhooks on"
    if not config.has_section('telco_messaging'):
        config.add_section('telco_messaging')
    config.set('telco_messaging', 'public_url', public_url)


def create_channels(company, server, kinds=None, smsc=None, **values):
    """The operator's channels on the provider server (and the SMSC), in
    the order of kinds (their sequence); return them by kind"""
    pool = Pool()
    Channel = pool.get('telco.messaging.channel')
    kinds = kinds or ['kannel', 'sms_json', 'whatsapp', 'messenger', 'email']
    settings = {
        'kannel': {'url': server.url, 'sender': 'TELCO',
            'username': server.kannel_user,
            'password': server.kannel_password},
        'sms_json': {'url': server.url, 'sender': 'TELCO',
            'password': server.api_key},
        'whatsapp': {'url': server.url, 'sender': '1000001',
            'api_version': 'v21.0', 'password': server.token,
            'verify_token': 'verify-me'},
        'messenger': {'url': server.url, 'sender': '2000001',
            'api_version': 'v21.0', 'password': server.token,
            'verify_token': 'verify-me'},
        'email': {'sender': f'care@{company.code.lower()}.example.com'},
        }
    if smsc is not None:
        account = company.code.lower()
        smsc.accounts[account] = f'pw-{account}'[:8]
        settings['smpp'] = {'url': smsc.url, 'sender': 'TELCO',
            'username': account, 'password': smsc.accounts[account]}
    with Transaction().set_context(company=company.id):
        channels = Channel.create([{
                    'company': company.id,
                    'name': f'{kind} {company.code}',
                    'kind': kind,
                    'sequence': i,
                    'secret': (f'{SECRETS[kind]}-{company.code}'
                        if kind in SECRETS else None),
                    'concurrency': 2,
                    'rate': 1000,
                    **settings[kind],
                    **values,
                    } for i, kind in enumerate(kinds)])
    return {c.kind: c for c in channels}


def hook_server(server, channels):
    "Tell the provider server where the channels' webhooks are"
    for kind, channel in channels.items():
        if kind == 'smpp':
            continue
        server.webhooks[kind] = (channel.webhook_url, channel.secret)


def create_customer(company, name, mobile=None, psid=None, email=None,
        lang='fr', consent=True, category=None):
    pool = Pool()
    Party = pool.get('party.party')
    Lang = pool.get('ir.lang')
    mechanisms = []
    if mobile:
        mechanisms.append({'type': 'mobile', 'value': mobile})
    if psid:
        mechanisms.append({'type': 'messenger', 'value': psid})
    if email:
        mechanisms.append({'type': 'email', 'value': email})
    lang, = Lang.search([('code', '=', lang)])
    with Transaction().set_context(company=company.id):
        party, = Party.create([{
                    'company': company.id, 'name': name,
                    'customer_type': 'person',
                    'lang': lang.id,
                    'marketing_consent': consent,
                    'commercial_category_1': category.id if category
                    else None,
                    'contact_mechanisms': [('create', mechanisms)],
                    }])
    return party
