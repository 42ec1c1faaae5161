# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The SMPP listener: what the operators' SMSCs deliver.

An SMSC hands its delivery receipts and the customers' SMS to a bound
receiver, not to a URL: this process keeps one receiver bind per active
SMPP channel of the databases and records each ``deliver_sm`` in its own
transaction (``Message.report``, ``Message.receive``) before acknowledging
it — the SMSC delivers again what was not acknowledged, so nothing is lost
when the listener or the database stops.  Run it beside trytond::

    python -m trytond.modules.telco_messaging.listener -c trytond.conf -d db

It looks for new, changed or removed channels every minute, binds again
after a broken link (1 s, then twice as long up to a minute) and sends
``enquire_link`` when the link is quiet."""
import argparse
import logging
import threading
import time

import smpplib.consts as c

from trytond import backend
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError
from trytond.worker import run_task

from . import smpp

logger = logging.getLogger(__name__)

# the link is checked (enquire_link) after this many quiet seconds
QUIET = 30
# long messages wait for their other parts this long
PARTS_TIMEOUT = 600
# a receipt of an unknown message is refused (given again later) this long
UNKNOWN_TIMEOUT = 3600


def smpp_channels(database_name):
    "{channel id: settings} of the database's active SMPP channels"
    with Transaction().start(database_name, 0, readonly=True):
        Channel = Pool().get('telco.messaging.channel')
        return {
            ch.id: ch.settings() for ch in Channel.search([
                    ('kind', '=', 'smpp'),
                    ('active', '=', True),
                    ])}


class ChannelListener(threading.Thread):
    "A receiver bind to one channel's SMSC"

    def __init__(self, database_name, channel_id, settings, quiet=QUIET):
        super().__init__(
            name=f'smpp-{database_name}-{channel_id}', daemon=True)
        self.database_name = database_name
        self.channel_id = channel_id
        self.settings = settings
        self.quiet = quiet
        self.stopping = threading.Event()
        self.bound = threading.Event()
        # (sender, reference): {number: text} of long messages' parts
        self.parts = {}
        # the SMSC's ids of the receipts refused, when first refused
        self.unknown = {}
        self.client = None

    def stop(self):
        self.stopping.set()
        client = self.client
        if client is not None and client._socket is not None:
            try:
                # wakes the read
                client._socket.shutdown(2)
            except OSError:
                pass

    def run(self):
        delay = 1
        while not self.stopping.is_set():
            client = self.client = smpp.client(self.settings, self.quiet)
            broken = True
            try:
                smpp.bind(client, self.settings, 'receiver')
                logger.info("%s bound to %s", self.name, self.settings.url)
                self.bound.set()
                delay = 1
                client.set_message_received_handler(self.received)
                while not self.stopping.is_set():
                    client.read_once()
                broken = False
            except smpp.ERRORS as exception:
                if not self.stopping.is_set():
                    logger.warning(
                        "%s: SMSC link lost: %s", self.name, exception)
            finally:
                self.bound.clear()
                smpp.close(client, unbind=not broken)
                self.client = None
            if self.stopping.wait(delay):
                break
            delay = min(delay * 2, 60)

    def received(self, pdu, **kwargs):
        """Record a deliver_sm; answer its status: ROK once committed, a
        temporary error (the SMSC delivers it again) when not"""
        if pdu.command != 'deliver_sm':
            return None
        try:
            if smpp.is_receipt(pdu):
                report = smpp.receipt(pdu)
                if report is None:
                    logger.warning(
                        "%s: unreadable receipt %r", self.name,
                        pdu.short_message)
                    return c.SMPP_ESME_ROK
                if not self.apply(
                        lambda M, channel: self.report(M, channel, report)):
                    return self.unknown_receipt(report[0])
                self.unknown.pop(report[0], None)
            else:
                sender = smpp.sender_of(pdu)
                text, concat = smpp.short_message(pdu)
                text = self.assemble(sender, text, concat)
                if text is not None:
                    self.apply(lambda M, channel: M.receive(
                            channel, sender, text))
                    if concat:
                        # kept until recorded: the last part given again
                        # after a failure completes them again
                        del self.parts[(sender, concat[0])]
        except Exception:
            logger.exception("%s: deliver_sm not recorded", self.name)
            return c.SMPP_ESME_RX_T_APPN
        return c.SMPP_ESME_ROK

    @staticmethod
    def report(Message, channel, report):
        "Apply the receipt; False when its message is not known (yet)"
        if not Message.search([
                    ('channel', '=', channel.id),
                    ('direction', '=', 'out'),
                    ('provider_ref', '=', report[0]),
                    ], limit=1):
            return False
        Message.report(channel, [report])
        return True

    def unknown_receipt(self, message_id):
        """The SMSC's receipt can come before the queue committed the
        message's id (its submit_sm_resp): refused for a while with a
        temporary error, so that the SMSC gives it again; dropped after"""
        now = time.monotonic()
        for key in [k for k, at in self.unknown.items()
                if now - at > UNKNOWN_TIMEOUT]:
            del self.unknown[key]
        first = self.unknown.setdefault(message_id, now)
        if now - first < UNKNOWN_TIMEOUT:
            return c.SMPP_ESME_RX_T_APPN
        logger.warning(
            "%s: receipt of unknown message %s dropped", self.name,
            message_id)
        return c.SMPP_ESME_ROK

    def assemble(self, sender, text, concat):
        """The whole text once every part of a long message came, else
        None (the parts wait in memory)"""
        if not concat:
            return text
        reference, total, number = concat
        now = time.monotonic()
        for key in [k for k, (at, _) in self.parts.items()
                if now - at > PARTS_TIMEOUT]:
            del self.parts[key]
        _, parts = self.parts.setdefault((sender, reference), (now, {}))
        parts[number] = text
        if len(parts) < total:
            return None
        return ''.join(parts[n] for n in sorted(parts))

    def apply(self, func):
        """func(Message, channel) in a transaction of its own, tried again
        as the dispatcher does; the tasks it queued run once committed;
        return what func returned"""
        extras = {}
        attempt = 0
        while True:
            with Transaction().start(
                    self.database_name, 0, **extras) as transaction:
                pool = Pool()
                Message = pool.get('telco.messaging.message')
                Channel = pool.get('telco.messaging.channel')
                try:
                    channel = Channel(self.channel_id)
                    with transaction.set_context(
                            company=channel.company.id):
                        result = func(Message, channel)
                except TransactionError as error:
                    transaction.rollback()
                    transaction.tasks.clear()
                    error.fix(extras)
                    continue
                except backend.DatabaseOperationalError:
                    transaction.rollback()
                    transaction.tasks.clear()
                    if attempt == 4:
                        raise
                    attempt += 1
                    time.sleep(0.05 * 2 ** attempt)
                    continue
                transaction.commit()
            while transaction.tasks:
                run_task(pool, transaction.tasks.pop())
            return result


class Listeners:
    "Every SMPP channel of the databases listened to, kept up to date"

    def __init__(self, database_names, quiet=QUIET):
        self.database_names = database_names
        self.quiet = quiet
        self.threads = {}

    def refresh(self):
        "Start the listeners of new or changed channels, stop the others"
        wanted = {}
        for database_name in self.database_names:
            for channel_id, settings in smpp_channels(database_name).items():
                wanted[(database_name, channel_id)] = settings
        for key, thread in list(self.threads.items()):
            if (wanted.get(key) != thread.settings
                    or not thread.is_alive()):
                thread.stop()
                del self.threads[key]
        for key, settings in wanted.items():
            if key not in self.threads:
                thread = self.threads[key] = ChannelListener(
                    *key, settings, quiet=self.quiet)
                thread.start()
        return self.threads

    def stop(self):
        for thread in self.threads.values():
            thread.stop()
        for thread in self.threads.values():
            thread.join(timeout=5)
        self.threads.clear()

    def run(self, interval=60):
        try:
            while True:
                self.refresh()
                time.sleep(interval)
        finally:
            self.stop()


def main(argv=None):
    from trytond import config
    parser = argparse.ArgumentParser(
        description="Listen to the SMPP channels' SMSCs")
    parser.add_argument('-c', '--config', dest='configfile')
    parser.add_argument(
        '-d', '--database', dest='database_names', action='append',
        required=True)
    parser.add_argument('-v', '--verbose', action='store_true')
    options = parser.parse_args(argv)
    config.update_etc(options.configfile)
    logging.basicConfig(
        level=logging.INFO if options.verbose else logging.WARNING,
        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    for database_name in options.database_names:
        Pool(database_name).init()
    Listeners(options.database_names).run()


if __name__ == '__main__':
    main()
