# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import itertools
import logging
import threading
import time
from decimal import Decimal

from werkzeug.serving import make_server

from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.telco_base.tests.platform import PlatformTestCase
from trytond.modules.telco_base.tests.smtp import SMTPTestMixin
from trytond.modules.telco_base.tests.tools import (
    as_user, assert_message, committed, create_operator, create_staff)
from trytond.modules.telco_messaging.exceptions import MessagingError
from trytond.modules.telco_messaging.listener import (
    ChannelListener, Listeners)
from trytond.modules.telco_messaging.message import backoff
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .kannel import Kannel
from .providers import ProviderServer, meta_signature
from .smsc import SMSC
from .tools import (
    MESSAGING_GROUPS, SUPERVISOR_GROUPS, create_channels,
    create_customer, hook_server, point_messaging_at)

CODES = itertools.count(1)
FEATURES = ('clients', 'messaging', 'claims', 'billing')


def run(func, *args, **kwargs):
    "func in a committed transaction of root, its queued tasks run"
    return committed(DB_NAME, func, *args, **kwargs)


class TelcoMessagingTestCase(SMTPTestMixin, PlatformTestCase):
    """Test Telco Messaging module.

    The providers' webhooks reach the CRM over HTTP in transactions of
    their own: each test builds its operators and commits, as the cron and
    the webhooks see them."""
    module = 'telco_messaging'

    @classmethod
    def setUpClass(cls):
        from trytond.wsgi import app
        super().setUpClass()
        # the requests of the providers' calls, one line each
        logging.getLogger('werkzeug').setLevel(logging.WARNING)
        cls.server = ProviderServer().start()
        cls.smsc = SMSC().start()
        cls.http = make_server('127.0.0.1', 0, app, threaded=True)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        point_messaging_at(f'http://127.0.0.1:{cls.http.server_port}')

    @classmethod
    def tearDownClass(cls):
        cls.http.shutdown()
        cls.server.stop()
        cls.smsc.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.server.reset()
        self.smsc.reset()

    # -- helpers -------------------------------------------------------------
    def _operator(self, kinds=None):
        """A new operator with its channels on the provider server, an
        agent and a supervisor; return a dict of their ids"""
        code = f'MSG{next(CODES)}'

        def build():
            pool = Pool()
            Agent = pool.get('telco.messaging.agent')
            Category = pool.get('telco.customer.category')
            company = create_operator(f"Operator {code}", code, FEATURES)
            channels = create_channels(
                company, self.server, kinds, smsc=self.smsc)
            agent = create_staff(
                f'agent_{code.lower()}', company, MESSAGING_GROUPS)
            supervisor = create_staff(
                f'supervisor_{code.lower()}', company, SUPERVISOR_GROUPS)
            vip, = Category.create([{
                        'company': company.id, 'kind': 'commercial_1',
                        'code': 'VIP', 'name': 'VIP'}])
            return {
                'company': company.id, 'code': code,
                'channels': {k: c.id for k, c in channels.items()},
                'agent': agent.id, 'supervisor': supervisor.id,
                'vip': vip.id, 'Agent': Agent,
                }
        operator = run(build)
        operator.pop('Agent')
        self._hook(operator)
        return operator

    def _hook(self, operator):
        def urls():
            Channel = Pool().get('telco.messaging.channel')
            return {k: Channel(i) for k, i in operator['channels'].items()}
        run(lambda: hook_server(self.server, urls()))

    def _customer(self, operator, name, **values):
        def build():
            pool = Pool()
            Company = pool.get('company.company')
            Category = pool.get('telco.customer.category')
            if values.get('category'):
                values['category'] = Category(values['category'])
            return create_customer(
                Company(operator['company']), name, **values).id
        return run(build)

    def _message(self, message_id):
        return Pool().get('telco.messaging.message')(message_id)

    def _messages(self, domain):
        Message = Pool().get('telco.messaging.message')
        return Message.search(domain, order=[('id', 'ASC')])

    def _send(self, operator, party_id, **kwargs):
        def send():
            pool = Pool()
            Message = pool.get('telco.messaging.message')
            Party = pool.get('party.party')
            with Transaction().set_context(company=operator['company']):
                return Message.send(Party(party_id), **kwargs).id
        return run(send)

    def _template(self, operator, code, body, body_fr=None, **values):
        def build():
            Template = Pool().get('telco.messaging.template')
            with Transaction().set_context(language='en'):
                template, = Template.create([{
                            'company': operator['company'], 'code': code,
                            'name': code, 'body': body, **values}])
            if body_fr:
                with Transaction().set_context(language='fr'):
                    template = Template(template.id)
                    template.body = body_fr
                    template.save()
            return template.id
        return run(build)

    # -- tests ---------------------------------------------------------------
    def test_sms_by_kannel_with_reports(self):
        "An SMS leaves by Kannel in the customer's language, reports follow"
        operator = self._operator(['kannel', 'email'])
        party = self._customer(
            operator, "Amel Ben Salah", mobile='+21698123456')
        self._template(
            operator, 'bill_ready', "Hello $name, your bill is $amount.",
            "Bonjour $name, votre facture est de $amount.")
        message_id = self._send(
            operator, party, template='bill_ready',
            values={'amount': '42.500 TND'})
        sms, = self.server.sent
        self.assertEqual(sms['to'], '+21698123456')
        self.assertEqual(
            sms['text'], "Bonjour Amel Ben Salah, votre facture est de "
            "42.500 TND.")
        self.assertEqual(sms['from'], 'TELCO')
        self.assertEqual(sms['coding'], '0')

        def check(state):
            message = self._message(message_id)
            self.assertEqual(message.state, state)
            return message
        message = run(check, 'sent')
        self.assertEqual(message.attempts, 1)
        # Kannel's reports: submitted, delivered, then a late "submitted"
        self.assertEqual(self.server.kannel_report(sms, 8)[0], 200)
        run(check, 'sent')
        self.assertEqual(self.server.kannel_report(sms, 1)[0], 200)
        self.assertEqual(self.server.kannel_report(sms, 8)[0], 200)
        message = run(check, 'delivered')
        self.assertIsNotNone(message.delivered_at)
        # a report without the channel's token is refused and kept
        forged = sms['dlr_url'].replace(
            self.server.webhooks['kannel'][1], 'wrong').replace('%d', '2')
        from .providers import _call
        self.assertEqual(_call('GET', forged)[0], 403)
        run(check, 'delivered')

        def refusals():
            Refusal = Pool().get('telco.messaging.refusal')
            return [r.reason for r in Refusal.search([
                        ('company', '=', operator['company'])])]
        self.assertEqual(run(refusals), ["bad or missing token"])

    def _listen(self, operator):
        "A listener on the operator's SMPP channel, bound"
        channel_id = operator['channels']['smpp']

        def settings():
            Channel = Pool().get('telco.messaging.channel')
            return Channel(channel_id).settings()
        listener = ChannelListener(DB_NAME, channel_id, run(settings), quiet=1)
        listener.start()
        self.addCleanup(listener.join, 5)
        self.addCleanup(listener.stop)
        self.assertTrue(listener.bound.wait(10))
        return listener

    def _wait_for(self, func, *args, timeout=15):
        "func's first true answer, in a transaction of its own each time"
        deadline = time.monotonic() + timeout
        while True:
            result = run(func, *args)
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.1)

    def test_sms_by_smpp(self):
        """An SMS leaves by SMPP (GSM 03.38 or UCS-2, long ones in parts);
        the SMSC's receipts and the customers' SMS come through the
        listener, which binds again after a broken link and loses nothing"""
        operator = self._operator(['smpp'])
        account = operator['code'].lower()
        party = self._customer(
            operator, "Hédi Trabelsi", mobile='+21698123456')
        absent = self._customer(operator, "Absent", mobile='+21698000999')
        self.smsc.undeliverable.add('21698000999')
        listener = self._listen(operator)
        bill = "Votre facture de novembre est prête : 42,500 TND. " * 4
        long_id = self._send(operator, party, body=bill)
        short_id = self._send(operator, absent, body="Rappel : 12 TND dus")
        long_sms, short_sms = self.smsc.submitted
        self.assertEqual(long_sms['destination'], '21698123456')
        self.assertEqual(long_sms['dest_ton'], 1)
        self.assertEqual(
            (long_sms['source'], long_sms['source_ton']), ('TELCO', 5))
        # "ê" is not GSM 03.38: UCS-2, 67 characters a part
        self.assertEqual(long_sms['data_coding'], 8)
        self.assertEqual(long_sms['text'], bill)
        self.assertEqual(len(long_sms['ids']), 3)
        self.assertEqual(short_sms['data_coding'], 0)
        self.assertEqual(short_sms['text'], "Rappel : 12 TND dus")

        def states():
            return [(m.state, m.provider_ref, m.error) for m in (
                    self._message(long_id), self._message(short_id))]
        self.assertEqual(
            self._wait_for(lambda: {s[0] for s in states()} == {
                    'delivered', 'failed'} and states()),
            [('delivered', long_sms['id'], None),
                ('failed', short_sms['id'], 'UNDELIV err:001')])

        # a customer's long SMS, in parts, opens one conversation
        question = "Bonjour, je n'ai plus de connexion depuis ce matin. " * 3
        self.smsc.mo(account, '+21698123456', question)

        def conversation():
            Conversation = Pool().get('telco.messaging.conversation')
            conversations = Conversation.search([
                    ('company', '=', operator['company'])])
            return [(c.party.id, [m.body for m in c.messages])
                for c in conversations]
        self.assertEqual(
            self._wait_for(conversation), [(party, [question])])

        # the SMSC restarts: the receipt waits for the listener's new bind
        self.smsc.drop_links()
        back_id = self._send(operator, party, body="Connexion rétablie")
        self.assertEqual(
            self._wait_for(lambda: self._message(back_id).state
                == 'delivered' and 'delivered'), 'delivered')
        self.assertEqual(
            self.smsc.binds.count((account, 'receiver')), 2)
        self.assertTrue(listener.bound.is_set())

        # STOP by SMS: opted out, the confirmation leaves by SMPP
        self.smsc.mo(account, '+21698123456', 'STOP')

        def opted_out():
            OptOut = Pool().get('telco.messaging.opt_out')
            return OptOut.search([
                    ('company', '=', operator['company']),
                    ('address', '=', '+21698123456')])
        self.assertTrue(self._wait_for(opted_out))
        self.assertTrue(self._wait_for(
                lambda: "START" in self.smsc.submitted[-1]['text']))
        # every receipt and message taken at last (the confirmation's
        # receipt too, given again until its id is committed), none twice
        self.assertTrue(self._wait_for(
                lambda: not self.smsc.store[account]))
        self.assertEqual(len(self.smsc.delivered), len({
                    str(d['short_message']) for d in self.smsc.delivered}))

        # the listeners' process follows the channels: deactivated, the
        # channel's listener stops
        listeners = Listeners([DB_NAME], quiet=1)
        self.addCleanup(listeners.stop)
        key = (DB_NAME, operator['channels']['smpp'])
        thread = listeners.refresh()[key]
        self.assertTrue(thread.bound.wait(10))

        def deactivate():
            Channel = Pool().get('telco.messaging.channel')
            Channel.write([Channel(key[1])], {'active': False})
        run(deactivate)
        self.assertNotIn(key, listeners.refresh())
        thread.join(5)
        self.assertFalse(thread.is_alive())

    def test_sms_by_kannel_daemon(self):
        """Debian's Kannel between the CRM and the SMSC (SMPP): an SMS sent
        by the Kannel channel, Kannel's delivery reports on the dlr-url,
        a customer's SMS by its sms-service's get-url"""
        operator = self._operator(['kannel'])
        account = f"k{operator['code'].lower()}"[:15]
        self.smsc.accounts[account] = 'kannelpw'
        party = self._customer(
            operator, "Hédi Trabelsi", mobile='+21698123456')
        channel_id = operator['channels']['kannel']

        def webhook_url():
            Channel = Pool().get('telco.messaging.channel')
            return Channel(channel_id).webhook_url
        kannel = Kannel(
            self.smsc, account, 'kannelpw', run(webhook_url)
            + '&event=mo&from=%p&text=%a&id=%I&time=%T').start()
        self.addCleanup(kannel.stop)

        def point_at_kannel():
            Channel = Pool().get('telco.messaging.channel')
            Channel.write([Channel(channel_id)], {'url': kannel.url})
        run(point_at_kannel)

        # Kannel reports at once: the message is committed before it leaves,
        # as the queue's worker finds it
        def queue():
            pool = Pool()
            Message = pool.get('telco.messaging.message')
            Party = pool.get('party.party')
            with Transaction().set_context(company=operator['company']):
                message = Message.prepare(
                    Party(party), body="Votre facture est prête : 42,500 TND")
                message.save()
            return message.id
        message_id = run(queue)
        run(lambda: Pool().get('telco.messaging.message').process(
                ids=[message_id], commit=True))
        self.assertEqual(self.server.sent, [])

        def delivered():
            message = self._message(message_id)
            return message.state == 'delivered' and message
        message = self._wait_for(delivered)
        self.assertTrue(message, kannel.logs())
        sms, = self.smsc.submitted
        self.assertEqual(
            (sms['destination'], sms['source'], sms['text']),
            ('21698123456', 'TELCO', "Votre facture est prête : 42,500 TND"))

        self.smsc.mo(account, '+21698123456', "Ma ligne est coupée")

        def conversation():
            Conversation = Pool().get('telco.messaging.conversation')
            return [(c.party.id, [m.body for m in c.messages])
                for c in Conversation.search([
                        ('company', '=', operator['company'])])]
        self.assertEqual(
            self._wait_for(conversation),
            [(party, ["Ma ligne est coupée"])], kannel.logs())

    def test_smpp_refusals_and_isolation(self):
        """A wrong password or a throttling SMSC: the messages wait and
        leave later; what an operator's SMSC account delivers is applied to
        that operator's channel only; bad settings are refused"""
        a = self._operator(['smpp'])
        b = self._operator(['smpp'])
        account_a, account_b = a['code'].lower(), b['code'].lower()
        party_a = self._customer(a, "Client A", mobile='+21698555666')
        password = self.smsc.accounts[account_a]
        self.smsc.accounts[account_a] = 'changed'
        message_id = self._send(a, party_a, body="Bonjour A")
        self.smsc.accounts[account_a] = password

        def state():
            message = self._message(message_id)
            return message.state, message.attempts, message.error
        self.assertEqual(run(state), ('queued', 1, "SMPP bind: "
                "('(14) bind_transmitter_resp: Invalid Password', 14)"))

        def process():
            pool = Pool()
            Message = pool.get('telco.messaging.message')
            Message.write([self._message(message_id)], {
                    'next_try': dt.datetime.now() - dt.timedelta(seconds=1)})
            return Message.process(ids=[message_id])
        self.smsc.throttle = 1
        run(process)
        self.assertEqual(run(state), ('queued', 2, "SMPP 0x00000058 "
                "Throttling error (ESME has exceeded allowed message "
                "limits)"))
        run(process)
        self.assertEqual(run(state)[:2], ('sent', 3))
        sms, = self.smsc.submitted
        self.assertEqual(sms['account'], account_a)

        # B's SMSC account delivers A's receipt and a message from A's
        # customer's number: B's channel, nothing of A
        receipt = self.smsc.store[account_a].popleft()
        self.smsc.queue(account_b, **receipt)
        self.smsc.mo(account_b, '+21698555666', "Bonjour B")
        self._listen(b)

        def b_conversation():
            Conversation = Pool().get('telco.messaging.conversation')
            return [(c.company.id, c.party, c.address)
                for c in Conversation.search([
                        ('company', 'in', [a['company'], b['company']])])]
        self.assertEqual(self._wait_for(b_conversation), [
                (b['company'], None, '+21698555666')])
        # the receipt of a message B's channel does not know is refused for
        # now (it may come before the queue committed the message's id)
        self.assertGreater(self.smsc.refused, 0)
        self.assertEqual(run(state)[0], 'sent')
        self.smsc.store[account_b].clear()
        # A's listener applies it
        self.smsc.queue(account_a, **receipt)
        self._listen(a)
        self.assertEqual(
            self._wait_for(lambda: state()[0] == 'delivered'
                and 'delivered'), 'delivered')

        def bad_settings(values, message_id):
            Channel = Pool().get('telco.messaging.channel')
            channel = Channel(a['channels']['smpp'])
            with self.assertRaises(ValidationError) as cm:
                Channel.write([channel], values)
            assert_message(self, cm.exception, message_id)
            Transaction().rollback()
        run(bad_settings, {'password': 'longer than 8'},
            'telco_messaging.msg_channel_smpp_login')
        run(bad_settings, {'url': 'http://smsc.example'},
            'telco_messaging.msg_channel_smpp_url')

    def test_json_gateway_outage_retry_and_crash(self):
        """A gateway down: the messages wait with a growing delay; a worker
        stopped after handing a batch over sends it again under the same
        ids, which the gateway takes once"""
        operator = self._operator(['sms_json'])
        parties = [self._customer(
                operator, f"Client {i}", mobile=f'+2162200000{i}')
            for i in range(3)]
        self.server.down = True
        ids = [self._send(operator, p, body="Coupure prévue demain 2h-4h")
            for p in parties]
        self.assertEqual(self.server.sent, [])

        def waiting():
            messages = [self._message(i) for i in ids]
            self.assertEqual({m.state for m in messages}, {'queued'})
            self.assertEqual({m.attempts for m in messages}, {1})
            for message in messages:
                wait = message.next_try - message.write_date
                self.assertAlmostEqual(
                    wait.total_seconds(), backoff(1).total_seconds(),
                    delta=5)
                self.assertEqual(
                    message.error, "HTTP 503: Service Unavailable")
        run(waiting)
        self.server.down = False

        def process(due=True):
            pool = Pool()
            Message = pool.get('telco.messaging.message')
            Channel = pool.get('telco.messaging.channel')
            if due:
                Message.write([self._message(i) for i in ids], {
                        'next_try': dt.datetime.now()
                        - dt.timedelta(seconds=1)})
            return Message.process(
                channels=[Channel(operator['channels']['sms_json'])])
        self.assertEqual(run(process), 3)
        self.assertEqual(len(self.server.sent), 3)
        self.assertEqual(
            {s['ref'] for s in self.server.sent},
            set(run(lambda: [self._message(i).reference for i in ids])))

        # a worker stopped after the gateway took a batch, before writing
        # its answer: the lease ends, the batch leaves again, once
        def crashed():
            Message = Pool().get('telco.messaging.message')
            Message.write([self._message(ids[0])], {
                    'state': 'sending',
                    'next_try': dt.datetime.now() - dt.timedelta(seconds=1),
                    })
        run(crashed)
        self.assertEqual(run(process, False), 1)
        self.assertEqual(len(self.server.sent), 3)
        self.assertEqual(self.server.duplicates, 1)

        # signed reports: delivered; forged and unsigned ones refused
        refs = [s['ref'] for s in self.server.sent]
        self.assertEqual(self.server.infobip_reports(refs[:2])[0], 200)
        self.assertEqual(self.server.infobip_reports(
                refs[2:], 'UNDELIVERABLE')[0], 200)
        url, _ = self.server.webhooks['sms_json']
        self.server.webhooks['sms_json'] = (url, 'forged-secret')
        self.assertEqual(self.server.infobip_reports(
                refs[:1], 'REJECTED')[0], 403)
        self.server.webhooks['sms_json'] = (url, None)
        self.assertEqual(self.server.infobip_reports(
                refs[:1], 'REJECTED')[0], 403)

        def states():
            return [self._message(i).state for i in ids]
        self.assertEqual(run(states), ['delivered', 'delivered', 'failed'])

    def test_contact_figures(self):
        """The dashboard's contact figures and the contacts by channel, read
        off the timeline and the messages"""
        operator = self._operator(['sms_json', 'whatsapp'])
        fast = self._customer(operator, "Rapide", mobile='+21698300001')
        slow = self._customer(operator, "Lent", mobile='+21698300002')
        self.server.whatsapp_inbound('21698300001', "Bonjour")
        self.server.whatsapp_inbound('21698300001', "Mon forfait ?")
        self.server.infobip_mo('+21698300002', "Ma ligne est coupée")
        # an unknown sender is no customer's contact
        self.server.infobip_mo('+21698300999', "Qui êtes-vous ?")
        sent = [self._send(operator, p, body="Facture prête")
            for p in [fast, slow, fast]]
        refs = run(lambda: [self._message(i).reference for i in sent])
        self.server.infobip_reports(refs[:2])
        self.server.infobip_reports(refs[2:], 'UNDELIVERABLE')

        def answer():
            pool = Pool()
            Conversation = pool.get('telco.messaging.conversation')
            User = pool.get('res.user')
            conversations = {c.party.id: c for c in Conversation.search([
                        ('company', '=', operator['company']),
                        ('party', '!=', None)])}
            # the slow one waited two hours for its answer
            Conversation.write([conversations[slow]], {
                    'started_at': conversations[slow].started_at
                    - dt.timedelta(hours=2)})
            with as_user(User(operator['agent'])):
                for party in [fast, slow]:
                    conversation = Conversation(conversations[party].id)
                    Conversation.take([conversation])
                    conversation.reply(body="Je regarde.")
        run(answer)

        def figures():
            pool = Pool()
            Figure = pool.get('telco.dashboard.figure')
            Breakdown = pool.get('telco.dashboard.breakdown')
            Company = pool.get('company.company')
            company = Company(operator['company'])
            today = dt.date.today()
            values = {f.kpi: f.value
                for f in Figure.compute([company], today)}
            by_channel = {b.code: b.value for b in Breakdown.compute(
                    [company], today) if b.division == 'contacts_channel'}
            model, domain, _ = Figure.get_kpi('contacts_in').records(
                company.id, today.replace(day=1), today)
            records = pool.get(model).search(domain)
            return values, by_channel, sorted(r.kind for r in records)
        values, by_channel, kinds = run(figures)
        self.assertEqual(values['contacts_in'], 3)
        self.assertEqual(values['contacts_customers'], 2)
        # three SMS and the two answers on WhatsApp
        self.assertEqual(values['contacts_out'], 5)
        # two SMS delivered of the five messages that left
        self.assertEqual(values['messages_delivered'], 40)
        # one of three: the unknown sender's is not answered either
        self.assertEqual(values['conversations_answered'], Decimal('33.33'))
        self.assertEqual(by_channel, {'whatsapp': 2, 'sms': 1})
        self.assertEqual(kinds, ['sms', 'whatsapp', 'whatsapp'])

    def test_consent_opt_out_and_quiet_hours(self):
        "Advertising needs consent; STOP stops, START resumes; quiet hours"
        operator = self._operator(['kannel'])
        willing = self._customer(operator, "Willing", mobile='+21698111111')
        unwilling = self._customer(
            operator, "Unwilling", mobile='+21698222222', consent=False)
        blocked = self._send(
            operator, unwilling, body="Promo -50%", purpose='marketing')

        def state_error(message_id):
            message = self._message(message_id)
            return message.state, message.error
        self.assertEqual(run(state_error, blocked), (
                'blocked', "The customer has not accepted advertising."))
        self.assertEqual(self.server.sent, [])

        # the customer answers STOP to an SMS
        self._send(operator, willing, body="Votre facture est prête")
        token = self.server.webhooks['kannel'][1]
        self.assertEqual(
            self.server.kannel_mo('+21698111111', 'Stop', token)[0], 200)
        confirmation = self.server.sent[-1]
        self.assertIn("Write START", confirmation['text'])
        refused = self._send(operator, willing, body="Rappel")
        self.assertEqual(run(state_error, refused), (
                'blocked', "The customer asked to receive no more messages "
                "on this channel."))
        self.server.kannel_mo('+21698111111', 'START', token)
        self.assertEqual(
            run(state_error, self._send(operator, willing, body="Rappel")),
            ('sent', None))

        # quiet hours: advertising waits, service messages leave
        def quiet():
            Channel = Pool().get('telco.messaging.channel')
            channel = Channel(operator['channels']['kannel'])
            channel.quiet_start = dt.time(0, 0)
            channel.quiet_end = dt.time(23, 59, 59)
            channel.save()
        run(quiet)
        sent = len(self.server.sent)
        waiting = self._send(
            operator, willing, body="Promo", purpose='marketing')
        state, next_try = run(
            lambda: (self._message(waiting).state,
                self._message(waiting).next_try))
        self.assertEqual(state, 'queued')
        self.assertGreater(next_try, dt.datetime.now())
        self.assertEqual(len(self.server.sent), sent)
        self._send(operator, willing, body="Coupure réseau")
        self.assertEqual(len(self.server.sent), sent + 1)

    def test_whatsapp_conversation_routed_and_answered(self):
        """A customer's WhatsApp message opens a conversation routed to the
        agent of his segment and language, who answers within the window;
        outside it only an approved template leaves"""
        operator = self._operator(['whatsapp', 'kannel'])
        party = self._customer(
            operator, "Sami Trabelsi", mobile='+21697555666',
            category=operator['vip'])

        def agents():
            pool = Pool()
            Agent = pool.get('telco.messaging.agent')
            User = pool.get('res.user')
            other = create_staff(
                f'english_{operator["code"].lower()}',
                Pool().get('company.company')(operator['company']),
                MESSAGING_GROUPS)
            Agent.create([{
                        'company': operator['company'],
                        'user': other.id, 'languages': ['en'],
                        }, {
                        'company': operator['company'],
                        'user': operator['agent'], 'languages': ['fr'],
                        'categories': [('add', [operator['vip']])],
                        }, {
                        'company': operator['company'],
                        'user': operator['supervisor'],
                        }])
            return User(other.id).id
        run(agents)
        status, text = self.server.whatsapp_inbound(
            '21697555666', "Bonjour, pas de réseau depuis ce matin",
            name="Sami", message_id='wamid.IN1')
        self.assertEqual(status, 200, msg=text)
        # the provider delivers the same notification again
        self.server.whatsapp_inbound(
            '21697555666', "Bonjour, pas de réseau depuis ce matin",
            name="Sami", message_id='wamid.IN1')

        def conversation():
            Conversation = Pool().get('telco.messaging.conversation')
            conversation, = Conversation.search([
                    ('company', '=', operator['company'])])
            self.assertEqual(conversation.party.id, party)
            self.assertEqual(conversation.agent.id, operator['agent'])
            self.assertEqual(conversation.state, 'assigned')
            self.assertEqual(conversation.language, 'fr')
            self.assertEqual(len(conversation.messages), 1)
            self.assertFalse(conversation.answered)
            self.assertIn("Sami Trabelsi", conversation.customer_card)
            return conversation.id
        conversation_id = run(conversation)

        # the agent answers from the client (the wizard, as RPC runs it)
        def answer():
            pool = Pool()
            Answer = pool.get(
                'telco.messaging.conversation.answer', type='wizard')
            Conversation = pool.get('telco.messaging.conversation')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                session, _, _ = Answer.create()
                with Transaction().set_context(
                        active_model=Conversation.__name__,
                        active_id=conversation_id,
                        active_ids=[conversation_id]):
                    Answer.execute(session, {'start': {
                                'body': "Une panne est en cours, "
                                "rétablissement vers 14h."}}, 'send')
        run(answer)
        reply = self.server.sent[-1]
        self.assertEqual(reply['kind'], 'whatsapp')
        self.assertEqual(reply['to'], '21697555666')
        self.assertTrue(reply['ref'].startswith('wamid.'))
        for status in ['delivered', 'read', 'delivered']:
            self.assertEqual(
                self.server.whatsapp_status(reply['ref'], status)[0], 200)

        def replied():
            Conversation = Pool().get('telco.messaging.conversation')
            conversation = Conversation(conversation_id)
            self.assertTrue(conversation.answered)
            out, = [m for m in conversation.messages if m.direction == 'out']
            self.assertEqual(out.agent.id, operator['agent'])
            self.assertEqual(out.state, 'read')
            self.assertIsNotNone(out.read_at)
        run(replied)

        # another customer never wrote: free text is refused by us before
        # WhatsApp would, an approved template leaves
        other = self._customer(operator, "Nour", mobile='+21697000111')
        refused = self._send(operator, other, channel='whatsapp',
            body="Bonjour")
        self.assertEqual(run(lambda: self._message(refused).state), 'blocked')
        self._template(
            operator, 'offer_alert', "$name, new offer: $offer",
            whatsapp_name='offer_alert', purpose='marketing')
        sent = self._send(operator, other, channel='whatsapp',
            template='offer_alert', values={'offer': 'Forfait 20 Go'})
        self.assertEqual(run(lambda: self._message(sent).state), 'sent')
        self.assertEqual(
            self.server.sent[-1]['text'], '[offer_alert] Nour Forfait 20 Go')

    def test_messenger_unknown_sender(self):
        """An unknown sender on Messenger is kept as an unidentified contact
        until the agent names the customer; reads are reported"""
        operator = self._operator(['messenger'])
        self.server.messenger_inbound('PSID-777', "Quels sont vos forfaits ?")

        def conversation():
            Conversation = Pool().get('telco.messaging.conversation')
            conversation, = Conversation.search([
                    ('company', '=', operator['company'])])
            self.assertIsNone(conversation.party)
            self.assertEqual(conversation.address, 'PSID-777')
            self.assertEqual(conversation.state, 'waiting')
            return conversation.id
        conversation_id = run(conversation)
        party = self._customer(operator, "Inès", psid='PSID-777')

        def take_and_answer():
            pool = Pool()
            Conversation = pool.get('telco.messaging.conversation')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                conversation = Conversation(conversation_id)
                Conversation.write([conversation], {'party': party})
                Conversation.take([conversation])
                conversation.reply(body="Voici nos forfaits : ...")
        run(take_and_answer)
        reply = self.server.sent[-1]
        self.assertEqual(reply['messaging_type'], 'RESPONSE')
        self.server.messenger_delivery('PSID-777', [reply['ref']])
        self.server.messenger_read('PSID-777')

        def check():
            Message = Pool().get('telco.messaging.message')
            out, = Message.search([
                    ('conversation', '=', conversation_id),
                    ('direction', '=', 'out')])
            self.assertEqual(out.state, 'read')
            self.assertEqual(out.party.id, party)
        run(check)

    def test_conversation_to_claim_and_timeline(self):
        "A conversation becomes a claim; the timeline tells the whole story"
        operator = self._operator(['sms_json'])
        party = self._customer(operator, "Hedi", mobile='+21698333444')
        self._send(operator, party, body="Votre ligne est activée")
        self.server.infobip_mo('+21698333444', "Internet très lent depuis 3 j")

        def to_claim():
            pool = Pool()
            Conversation = pool.get('telco.messaging.conversation')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                conversation, = Conversation.search([])
                self.assertEqual(conversation.company.id, operator['company'])
                Conversation.take([conversation])
                conversation.reply(body="Nous ouvrons une réclamation.")
                action = Conversation.to_claim([conversation])
                conversation = Conversation(conversation.id)
                claim = conversation.claim
                self.assertEqual(action['res_id'], [claim.id])
                self.assertEqual(claim.party.id, party)
                self.assertEqual(claim.channel, 'sms')
                self.assertEqual(
                    claim.subject, "Internet très lent depuis 3 j")
                self.assertIn("< Internet très lent", claim.description)
                self.assertIn("> Nous ouvrons", claim.description)
                return claim.id
        claim_id = run(to_claim)

        def timeline():
            pool = Pool()
            Interaction = pool.get('telco.messaging.interaction')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                rows = Interaction.search(
                    [('party', '=', party)],
                    order=[('date', 'ASC'), ('id', 'ASC')])
                return [(r.kind, r.direction, r.summary, str(r.resource))
                    for r in rows]
        rows = run(timeline)
        self.assertEqual([(k, d) for k, d, _, _ in rows], [
                ('sms', 'out'), ('sms', 'in'), ('sms', 'out'),
                ('claim', None)])
        self.assertEqual(rows[1][2], "Internet très lent depuis 3 j")
        self.assertEqual(rows[3][3], f'telco.claim,{claim_id}')

    def test_conversation_to_quote_request(self):
        "A customer asking for an offer: the conversation becomes a request"
        operator = self._operator(['sms_json'])
        party = self._customer(operator, "Mehdi", mobile='+21698999000')
        self.server.infobip_mo(
            '+21698999000', "Je voudrais un devis pour la fibre 100 Mb")

        def to_quote_request():
            pool = Pool()
            Conversation = pool.get('telco.messaging.conversation')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                conversation, = Conversation.search([])
                Conversation.take([conversation])
                action = Conversation.to_quote_request([conversation])
                request = Conversation(conversation.id).quote_request
                self.assertEqual(action['res_id'], [request.id])
                # the button is gone: a second call is refused
                with self.assertRaises(AccessButtonError):
                    Conversation.to_quote_request([conversation])
                return (request.customer.id, request.channel,
                    request.state, request.description, request.date)
        customer, channel, state, description, date = run(to_quote_request)
        self.assertEqual(customer, party)
        self.assertEqual((channel, state), ('sms', 'draft'))
        self.assertRegex(
            description, r'^\d{4}-\d\d-\d\d \d\d:\d\d < Je voudrais un devis '
            r'pour la fibre 100 Mb$')
        self.assertEqual(date, dt.date.today())

    def test_satisfaction_survey(self):
        """A resolved claim asks its customer's satisfaction; a 1 to 5
        answer is kept on the claim and opens no conversation"""
        operator = self._operator(['kannel'])
        party = self._customer(operator, "Rania", mobile='+21698777888')
        self._template(
            operator, 'satisfaction',
            "Claim $claim: how satisfied are you? Reply from 1 to 5.",
            "Réclamation $claim : êtes-vous satisfait ? Répondez de 1 à 5.")

        def resolve():
            pool = Pool()
            Claim = pool.get('telco.claim')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                claim, = Claim.create([{
                            'company': operator['company'], 'party': party,
                            'subject': "Pas de réseau",
                            'resolution': "Antenne redémarrée"}])
                Claim.open([claim])
                Claim.resolve([claim])
                return claim.id, claim.number
        claim_id, number = run(resolve)
        survey = self.server.sent[-1]
        self.assertEqual(survey['to'], '+21698777888')
        self.assertEqual(
            survey['text'], f"Réclamation {number} : êtes-vous satisfait ? "
            "Répondez de 1 à 5.")
        token = self.server.webhooks['kannel'][1]
        self.assertEqual(
            self.server.kannel_mo('+21698777888', '4', token)[0], 200)
        # a second answer does not change the first
        self.server.kannel_mo('+21698777888', '1', token)

        def check():
            pool = Pool()
            Claim = pool.get('telco.claim')
            Conversation = pool.get('telco.messaging.conversation')
            Message = pool.get('telco.messaging.message')
            answers = Message.search([
                    ('party', '=', party), ('direction', '=', 'in')],
                order=[('id', 'ASC')])
            return (Claim(claim_id).satisfaction,
                [str(m.origin) if m.origin else None for m in answers],
                len(Conversation.search([
                            ('company', '=', operator['company'])])))
        satisfaction, origins, conversations = run(check)
        self.assertEqual(satisfaction, 4)
        self.assertEqual(origins[0], f'telco.claim,{claim_id}')
        # the second digit has no survey left to answer: a conversation
        self.assertEqual(origins[1], None)
        self.assertEqual(conversations, 1)

    def test_bulk_send_segment(self):
        """A bulk send to a segment: one message per customer, those that
        must not leave kept with the reason; queued once even when started
        again midway"""
        operator = self._operator(['sms_json'])
        parties = [self._customer(
                operator, f"VIP {i}", mobile=f'+2165000000{i}',
                category=operator['vip'], consent=i != 1)
            for i in range(5)]
        self._customer(operator, "Not VIP", mobile='+21650000099')
        no_phone = self._customer(
            operator, "VIP sans mobile", category=operator['vip'])

        def opt_out():
            OptOut = Pool().get('telco.messaging.opt_out')
            OptOut.create([{
                        'company': operator['company'],
                        'address': '+21650000002', 'medium': 'sms'}])
        run(opt_out)

        def start():
            pool = Pool()
            Bulk = pool.get('telco.messaging.bulk')
            User = pool.get('res.user')
            with as_user(User(operator['supervisor'])):
                bulk, = Bulk.create([{
                            'name': "Offre VIP",
                            'channel': operator['channels']['sms_json'],
                            'category': operator['vip'],
                            'body': "$name : 10 Go offerts ce week-end",
                            }])
                Bulk.start([bulk])
            return bulk.id
        bulk_id = run(start)

        def check():
            pool = Pool()
            Bulk = pool.get('telco.messaging.bulk')
            Message = pool.get('telco.messaging.message')
            bulk = Bulk(bulk_id)
            messages = Message.search([('bulk', '=', bulk_id)])
            return (bulk.total, bulk.state), {
                m.party.id: (m.state, m.error) for m in messages}
        (total, state), states = run(check)
        self.assertEqual(total, 6)
        self.assertEqual(state, 'running')
        self.assertEqual(states[parties[1]][0], 'blocked')
        self.assertEqual(states[parties[2]], (
                'blocked', "The customer asked to receive no more messages "
                "on this channel."))
        self.assertEqual(states[no_phone][0], 'blocked')
        self.assertEqual(
            sorted(p for p, (s, _) in states.items() if s == 'queued'),
            sorted([parties[0], parties[3], parties[4]]))

        # queued again from the start (a server stopped before recording
        # the end): nothing is written twice
        def again():
            Bulk = Pool().get('telco.messaging.bulk')
            bulk = Bulk(bulk_id)
            bulk.state = 'queuing'
            bulk.save()
            Bulk.queue_messages([bulk], commit=False)
        run(again)
        (total, _), states = run(check)
        self.assertEqual(len(states), 6)
        self.assertEqual(total, 6)

        def send():
            pool = Pool()
            Message = pool.get('telco.messaging.message')
            Bulk = pool.get('telco.messaging.bulk')
            Message.process(channels=[Bulk(bulk_id).channel])
            Bulk.check_done()
            bulk = Bulk(bulk_id)
            return bulk.state, bulk.progress, bulk.counts
        state, progress, counts = run(send)
        self.assertEqual(state, 'done')
        self.assertEqual(progress, 1.0)
        self.assertEqual(counts, "Sent: 3, Not Sent: 3")
        self.assertEqual(
            sorted(s['text'] for s in self.server.sent),
            ["VIP 0 : 10 Go offerts ce week-end",
                "VIP 3 : 10 Go offerts ce week-end",
                "VIP 4 : 10 Go offerts ce week-end"])

    def test_email_channel(self):
        """The e-mail channel sends through Tryton's mail and hears the
        customers back through the mail provider's inbound route"""
        operator = self._operator(['email'])
        party = self._customer(
            operator, "Leila", email='leila@example.com')
        message_id = self._send(
            operator, party, body="Votre commande est prête",
            subject="Commande")
        (to, msg), = self.smtp.messages
        self.assertEqual(to, ['leila@example.com'])
        self.assertEqual(msg['Subject'], "Commande")
        self.assertIn("Votre commande est prête", msg.get_content())
        self.assertEqual(run(lambda: self._message(message_id).state), 'sent')

        # her answer comes by the mail provider's inbound route, signed
        status, _ = self.server.email_inbound(
            'Leila <Leila@Example.com>', "Re: Commande",
            "Je passe la chercher demain.", message_id='<r1@example.com>')
        self.assertEqual(status, 200)
        # delivered twice by the provider: kept once
        self.server.email_inbound(
            'Leila <Leila@Example.com>', "Re: Commande",
            "Je passe la chercher demain.", message_id='<r1@example.com>')
        # forged, or replayed after 15 minutes: refused
        self.assertEqual(self.server.email_inbound(
                'leila@example.com', "x", "x", signing_key='forged')[0], 403)
        self.assertEqual(self.server.email_inbound(
                'leila@example.com', "x", "x",
                timestamp=time.time() - 3600)[0], 403)

        def conversation():
            Conversation = Pool().get('telco.messaging.conversation')
            conversation, = Conversation.search([
                    ('company', '=', operator['company'])])
            return (conversation.party.id, conversation.address,
                conversation.contact_name,
                [(m.direction, m.body) for m in conversation.messages])
        self.assertEqual(run(conversation), (
                party, 'leila@example.com', 'Leila',
                [('in', "Re: Commande\n\nJe passe la chercher demain.")]))

        def answer():
            pool = Pool()
            Conversation = pool.get('telco.messaging.conversation')
            User = pool.get('res.user')
            with as_user(User(operator['agent'])):
                conversation, = Conversation.search([])
                Conversation.take([conversation])
                conversation.reply(body="Elle vous attend en boutique.")
        run(answer)
        (to, msg) = self.smtp.messages[-1]
        self.assertEqual(to, ['leila@example.com'])
        self.assertIn("Elle vous attend en boutique.", msg.get_content())

        def refusals():
            Refusal = Pool().get('telco.messaging.refusal')
            return sorted(r.reason for r in Refusal.search([
                        ('company', '=', operator['company'])]))
        self.assertEqual(
            run(refusals), ["bad, missing or stale signature"] * 2)

    def test_bad_input(self):
        "Bad input gets a clear error and writes nothing"
        operator = self._operator(['kannel'])
        other = self._operator(['kannel'])
        party = self._customer(operator, "Karim", mobile='+21698444555')
        foreign = self._customer(other, "Foreign", mobile='+21698444556')

        def checks():
            pool = Pool()
            Template = pool.get('telco.messaging.template')
            Message = pool.get('telco.messaging.message')
            Party = pool.get('party.party')
            with self.assertRaises(ValidationError) as cm:
                Template.create([{
                            'company': operator['company'], 'code': 'x',
                            'name': 'x', 'body': "Total: ${amount"}])
            assert_message(self, cm.exception,
                'telco_messaging.msg_template_invalid')
            with Transaction().set_context(company=operator['company']):
                with self.assertRaises(MessagingError) as cm:
                    Message.send(Party(party))
                assert_message(self, cm.exception,
                    'telco_messaging.msg_send_empty')
                with self.assertRaises(MessagingError) as cm:
                    Message.send(Party(foreign), body="x",
                        company=pool.get('company.company')(
                            operator['company']))
                assert_message(self, cm.exception,
                    'telco_messaging.msg_send_other_operator')
                with self.assertRaises(MessagingError) as cm:
                    Message.send(Party(party), body="x", channel='whatsapp')
                assert_message(self, cm.exception,
                    'telco_messaging.msg_send_no_channel')
            self.assertEqual(Message.search([]), [])
        run(checks)

    def test_isolation(self):
        """A webhook of one operator's provider never writes into another's
        messages or conversations; staff see their operator's only"""
        a = self._operator(['sms_json'])
        a_hooks = dict(self.server.webhooks)
        b = self._operator(['sms_json'])
        b_hooks = dict(self.server.webhooks)
        party_a = self._customer(a, "Client A", mobile='+21698555666')
        message_a = self._send(a, party_a, body="Bonjour A")
        ref_a = self.server.sent[-1]['ref']
        # B's gateway reports A's message and forwards a message from A's
        # customer's number: B's webhook, B's secret
        self.server.webhooks = b_hooks
        self.assertEqual(self.server.infobip_reports([ref_a])[0], 200)
        self.server.infobip_mo('+21698555666', "Bonjour B")
        # A's secret on B's webhook is refused
        self.server.webhooks = {'sms_json': (
                b_hooks['sms_json'][0], a_hooks['sms_json'][1])}
        self.assertEqual(self.server.infobip_mo('+21698555666', "x")[0], 403)

        def check():
            pool = Pool()
            Conversation = pool.get('telco.messaging.conversation')
            Message = pool.get('telco.messaging.message')
            User = pool.get('res.user')
            self.assertEqual(self._message(message_a).state, 'sent')
            self.assertEqual(Conversation.search([
                        ('company', '=', a['company'])]), [])
            conversation, = Conversation.search([
                    ('company', '=', b['company'])])
            self.assertEqual(conversation.company.id, b['company'])
            self.assertIsNone(conversation.party)
            with as_user(User(b['agent'])):
                self.assertEqual(Message.search([('id', '=', message_a)]), [])
                with self.assertRaises(AccessError):
                    Message.read([message_a], ['body'])
                self.assertEqual(
                    [c.id for c in Conversation.search([])],
                    [conversation.id])
            with as_user(User(a['agent'])):
                self.assertEqual(
                    [m.id for m in Message.search([])], [message_a])
                self.assertEqual(
                    Message.read([message_a], ['body'])[0]['body'],
                    "Bonjour A")
                self.assertEqual(Conversation.search([]), [])
        run(check)

    def test_webhook_subscription_and_signature(self):
        "Meta's verification and an unsigned or forged notification"
        operator = self._operator(['whatsapp'])
        url, secret = self.server.webhooks['whatsapp']
        from .providers import _call
        ok = _call('GET', url + '?hub.mode=subscribe&hub.verify_token='
            'verify-me&hub.challenge=1158201444')
        self.assertEqual(ok, (200, '1158201444'))
        self.assertEqual(_call('GET', url + '?hub.mode=subscribe'
                '&hub.verify_token=wrong&hub.challenge=1')[0], 403)
        body = b'{"object": "whatsapp_business_account", "entry": []}'
        self.assertEqual(_call('POST', url, body, {
                    'Content-Type': 'application/json'})[0], 403)
        self.assertEqual(_call('POST', url, body, {
                    'Content-Type': 'application/json',
                    'X-Hub-Signature-256': meta_signature('other', body),
                    })[0], 403)
        self.assertEqual(_call('POST', url, body, {
                    'Content-Type': 'application/json',
                    'X-Hub-Signature-256': meta_signature(secret, body),
                    })[0], 200)
        self.assertEqual(_call('POST', url.rsplit('/', 1)[0] + '/unknown',
                body, {'X-Hub-Signature-256': meta_signature(secret, body)}
                )[0], 404)

        def refusals():
            Refusal = Pool().get('telco.messaging.refusal')
            return sorted(r.reason for r in Refusal.search([
                        ('company', '=', operator['company'])]))
        self.assertEqual(run(refusals), [
                "bad or missing X-Hub-Signature-256",
                "bad or missing X-Hub-Signature-256",
                "bad verify token"])


del PlatformTestCase
