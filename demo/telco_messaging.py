# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Messaging: the operator's channels (SMS through Kannel, WhatsApp,
Messenger, e-mail), templates and quick replies in French and English, its
agents' skills, conversations of its customers on every channel over the
last three months (closed, waiting, assigned, to call back, one made a
claim) and a bulk send of last month, as the providers' webhooks and
reports would have left them"""
import datetime as dt
import random

from proteus import Model, config

from .tools import as_user, get_or_create, log

# kind, name, sender, server URL
CHANNELS = [
    ('kannel', "SMS", '{brand}', 'http://127.0.0.1:13013'),
    ('whatsapp', "WhatsApp", '1065{n}00001', ''),
    ('messenger', "Messenger", '1092{n}00002', ''),
    ('email', "E-mail", 'care@{login}.example.com', ''),
    ('smpp', "SMS (SMSC)", '{brand}', 'smpp://127.0.0.1:2775'),
    ]
# code, purpose, quick reply, English, French, WhatsApp template
TEMPLATES = [
    ('greeting', 'service', True,
        "Hello $name, thank you for your message. How can we help?",
        "Bonjour $name, merci pour votre message. Comment pouvons-nous "
        "vous aider ?", None),
    ('checking', 'service', True,
        "We are checking your line, we come back to you within the hour.",
        "Nous vérifions votre ligne, nous revenons vers vous dans l'heure.",
        None),
    ('closing', 'service', True,
        "Glad we could help. Have a nice day!",
        "Ravis d'avoir pu vous aider. Bonne journée !", None),
    ('outage', 'service', False,
        "$name, a network outage is under repair in your area.",
        "$name, une panne réseau est en cours de réparation dans votre "
        "zone.", None),
    ('offer_alert', 'marketing', False,
        "$name, discover our new offer: $offer",
        "$name, découvrez notre nouvelle offre : $offer", 'offer_alert'),
    ('satisfaction', 'service', False,
        "How satisfied are you with our answer? Reply from 1 to 5.",
        "Êtes-vous satisfait de notre réponse ? Répondez de 1 à 5.",
        'satisfaction'),
    ]
# medium, customer's messages, agent's answers, final state
CONVERSATIONS = [
    ('sms', ["Bonjour, pas de réseau depuis ce matin à La Marsa"],
        ["Nous vérifions votre ligne, nous revenons vers vous dans "
            "l'heure.", "Le relais a été redémarré, le réseau est rétabli."],
        'closed'),
    ('whatsapp', ["Bonsoir, ma facture de ce mois est le double de "
            "d'habitude", "Oui le forfait apparaît deux fois"],
        ["Bonsoir, pouvez-vous préciser le montant ?"], 'claim'),
    ('messenger', ["Quels sont vos forfaits internet pour étudiants ?"],
        ["Nous avons le forfait Campus 30 Go à 15 DT par mois."], 'closed'),
    ('sms', ["Comment activer l'itinérance pour la France ?"],
        ["Composez *140# puis choisissez Itinérance."], 'closed'),
    ('whatsapp', ["Mon code PUK svp, SIM bloquée"], [], 'assigned'),
    ('messenger', ["Bonjour, la fibre est-elle disponible à Sousse ?"],
        [], 'waiting'),
    ('sms', ["Rappelez-moi demain matin svp"],
        ["Entendu, un conseiller vous appellera demain à 9h."], 'callback'),
    ('whatsapp', ["Merci pour votre aide, tout fonctionne"],
        ["Ravis d'avoir pu vous aider. Bonne journée !"], 'closed'),
    ('sms', ["STOP"], [], 'closed'),
    ('messenger', ["Je veux changer d'offre"], [], 'waiting'),
    ]


def load(company, values, password, lang):
    "The operator's channels and templates, as its administrator; history"
    prefix = values['login']
    with as_user(f'{prefix}_admin'):
        operator = Model.get('company.company')(company.id)
        setup_channels(operator, values)
        setup_templates(operator)
        setup_agents(operator, prefix)
    from trytond.modules.telco_base.tests.tools import committed
    current = config.get_config()
    committed(current.database_name, _history, company.id, prefix)


def setup_channels(company, values):
    n = 1 if values['code'] == 'OOREDOO' else 2
    for sequence, (kind, name, sender, url) in enumerate(CHANNELS):
        get_or_create('telco.messaging.channel', [
                ('company', '=', company.id), ('kind', '=', kind),
                ], {
                'company': company, 'kind': kind, 'sequence': sequence,
                'name': f"{name} {values['brand_name']}",
                'sender': sender.format(
                    brand=values['brand_name'].split()[0][:11], n=n,
                    login=values['login']),
                'url': url or None,
                'api_version': 'v21.0' if kind in {
                    'whatsapp', 'messenger'} else None,
                'username': 'crm' if kind in {'kannel', 'smpp'} else None,
                # SMPP passwords have at most 8 characters
                'password': 'demo-pw' if kind == 'smpp'
                else f'demo-{kind}-token',
                'secret': f'demo-{kind}-secret-{values["login"]}',
                'verify_token': 'demo-verify' if kind in {
                    'whatsapp', 'messenger'} else None,
                'quiet_start': dt.time(21) if kind != 'email' else None,
                'quiet_end': dt.time(8) if kind != 'email' else None,
                }, label=f"{values['code']} {name}")


def setup_templates(company):
    Template = Model.get('telco.messaging.template')
    for code, purpose, quick, english, french, whatsapp in TEMPLATES:
        with config.get_config().set_context(language='en'):
            template, created = get_or_create('telco.messaging.template', [
                    ('company', '=', company.id), ('code', '=', code),
                    ], {
                    'company': company, 'code': code, 'purpose': purpose,
                    'quick_reply': quick, 'whatsapp_name': whatsapp,
                    'name': code.replace('_', ' ').capitalize(),
                    'body': english,
                    }, label=f'{company.code} {code}')
        if created:
            with config.get_config().set_context(language='fr'):
                template = Template(template.id)
                template.body = french
                template.save()


def setup_agents(company, prefix):
    User = Model.get('res.user')
    Category = Model.get('telco.customer.category')
    vip = Category.find([
            ('company', '=', company.id), ('kind', '=', 'commercial_1')],
        limit=1)
    for login, languages, segments, capacity in [
            (f'{prefix}_agent', ['fr', 'en'], [], 15),
            (f'{prefix}_admin', ['fr'], vip, 5),
            ]:
        user, = User.find([('login', '=', login)])
        agent, created = get_or_create('telco.messaging.agent', [
                ('company', '=', company.id), ('user', '=', user.id),
                ], {
                'company': company, 'user': user, 'languages': languages,
                'capacity': capacity,
                }, label=f'{company.code} {login}')
        if created and segments:
            agent.categories.extend([Category(c.id) for c in segments])
            agent.save()


def _history(company_id, prefix):
    """The conversations of the last three months, as the webhooks wrote
    them, and last month's bulk send with its reports"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Company = pool.get('company.company')
    Channel = pool.get('telco.messaging.channel')
    Conversation = pool.get('telco.messaging.conversation')
    Message = pool.get('telco.messaging.message')
    Party = pool.get('party.party')
    User = pool.get('res.user')
    company = Company(company_id)
    if Conversation.search([('company', '=', company_id)], limit=1):
        return
    rng = random.Random(company.code)
    channels = {c.medium: c for c in Channel.search([
                ('company', '=', company_id)])}
    parties = Party.search([
            ('company', '=', company_id),
            ('customer_state', '=', 'active'),
            ('contact_mechanisms.type', '=', 'mobile'),
            ], order=[('id', 'ASC')], limit=60)
    agent, = User.search([('login', '=', f'{prefix}_agent')])
    now = dt.datetime.now()
    moved = []
    ClaimType = pool.get('telco.claim.type') if hasattr(
        Conversation, 'to_claim') else None
    claims = bool(ClaimType and ClaimType.search([
                ('company', '=', company_id)], limit=1))
    # most customers accepted advertising; some prefer WhatsApp
    customers = Party.search([('company', '=', company_id)],
        order=[('id', 'ASC')])
    Party.write([p for p in customers if rng.random() < 0.7], {
            'marketing_consent': True})
    Party.write(customers[::9], {'messaging_medium': 'whatsapp'})
    with Transaction().set_context(company=company_id, queue_batch=True):
        for i, (medium, asked, answers, end) in enumerate(CONVERSATIONS):
            party = parties[i % len(parties)] if parties else None
            channel = channels[medium]
            if medium == 'messenger':
                address = f'PSID{company_id}{i:04d}'
                if party and i % 2:
                    # a known page-scoped id: the customer is found
                    Party.write([party], {'contact_mechanisms': [
                                ('create', [{'type': 'messenger',
                                            'value': address}])]})
                else:
                    party = None
            else:
                address = Message._address_of(party, medium) if party else (
                    f'+2169800{i:04d}')
            days = 90 - i * 9 if end == 'closed' else rng.randint(0, 2)
            start = now - dt.timedelta(
                days=days, hours=rng.randint(1, 8), minutes=rng.randint(0, 59))
            at = start
            conversation = None
            for text in asked:
                message = Message.receive(
                    channel, address, text, provider_ref=f'demo-{i}-{at}',
                    name=party.rec_name if party else None, date=at)
                conversation = message.conversation
                at += dt.timedelta(minutes=rng.randint(2, 20))
            with Transaction().set_user(agent.id), \
                    Transaction().set_context(company=company_id):
                for text in answers:
                    reply = conversation.reply(body=text)
                    moved.append((reply.id, at))
                    at += dt.timedelta(minutes=rng.randint(2, 20))
            Transaction().tasks.clear()
            conversation = Conversation(conversation.id)
            Conversation.write([conversation], {
                    'started_at': start, 'last_message_at': at})
            if end == 'closed':
                Conversation.close([conversation])
                Conversation.write([conversation], {'closed_at': at})
            elif end == 'callback':
                Conversation.write([conversation], {
                        'callback_at': now + dt.timedelta(days=1, hours=2)})
                Conversation.call_back([conversation])
            elif end == 'waiting' and conversation.state == 'assigned':
                # come in while every agent was busy: still in the queue
                Conversation.release([conversation])
            elif end == 'claim' and claims:
                with Transaction().set_user(agent.id):
                    Conversation.to_claim([conversation])
    _delivered(Message, moved)
    _bulk(company, channels['sms'], now - dt.timedelta(days=35))
    log(f"  {len(CONVERSATIONS)} conversations of {company.code}")


def _delivered(Message, moved):
    "The answers left, were delivered and read when the webhooks said"
    for message_id, at in moved:
        message = Message(message_id)
        read = message.medium in {'whatsapp', 'messenger'}
        Message.write([message], {
                'date': at,
                'state': 'read' if read else 'delivered',
                'error': None,
                'attempts': 1,
                'next_try': None,
                'sent_at': at,
                'delivered_at': at + dt.timedelta(seconds=4),
                'read_at': at + dt.timedelta(minutes=3) if read else None,
                'provider_ref': f'demo-{message.reference[:12]}',
                })


def _bulk(company, channel, at):
    "Last month's advertising by SMS, sent, its reports in"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Bulk = pool.get('telco.messaging.bulk')
    Message = pool.get('telco.messaging.message')
    with Transaction().set_context(company=company.id):
        bulk, = Bulk.create([{
                    'company': company.id, 'name': "Week-end 10 Go offerts",
                    'channel': channel.id, 'purpose': 'marketing',
                    'body': "$name, 10 Go offerts ce week-end avec le code "
                    "WEEKEND10.",
                    }])
        Bulk.write([bulk], {'state': 'queuing', 'started_at': at})
        Bulk.queue_messages([bulk], commit=False)
        Transaction().tasks.clear()
        rng = random.Random(company.code + 'bulk')
        for message in Message.search([
                    ('bulk', '=', bulk.id), ('state', '=', 'queued')]):
            delivered = rng.random() > 0.08
            Message.write([message], {
                    'date': at, 'attempts': 1, 'next_try': None,
                    'state': 'delivered' if delivered else 'failed',
                    'error': None if delivered else "UNDELIVERABLE",
                    'sent_at': at,
                    'delivered_at': at + dt.timedelta(seconds=6)
                    if delivered else None,
                    'provider_ref': message.reference,
                    })
        Message.write(Message.search([('bulk', '=', bulk.id)]), {'date': at})
        Bulk.finish([Bulk(bulk.id)])
