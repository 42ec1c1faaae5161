# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"A real SMTP server on localhost for the tests (aiosmtpd)"
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return '250 Message accepted for delivery'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class SMTPServer:
    "Start and stop an SMTP server on a fixed local port"

    def __init__(self, port=None):
        self.port = port or free_port()
        self.handler = _Handler()
        self.controller = None

    @property
    def uri(self):
        return f'smtp://127.0.0.1:{self.port}'

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller = Controller(
            self.handler, hostname='127.0.0.1', port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


class SMTPTestMixin:
    "Send the e-mails of the test case to a real local SMTP server"

    @classmethod
    def setUpClass(cls):
        from trytond import config
        super().setUpClass()
        cls.smtp = SMTPServer()
        cls.smtp.start()
        cls._email_config = {
            k: config.get('email', k) for k in ['uri', 'from', 'retry']}
        if not config.has_section('email'):
            config.add_section('email')
        config.set('email', 'uri', cls.smtp.uri)
        config.set('email', 'from', 'crm@telco.example.com')
        config.set('email', 'retry', '0')

    @classmethod
    def tearDownClass(cls):
        from trytond import config
        cls.smtp.stop()
        for key, value in cls._email_config.items():
            if value is not None:
                config.set('email', key, value)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.smtp.messages.clear()
        if not self.smtp.controller:
            self.smtp.start()
