# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A small SMSC speaking SMPP 3.4 over TCP, for the tests: the SMPP
channel's provider and listener, and Kannel's SMPP connection, run their
real protocol against it.  PDUs are read and written with smpplib's own
codec (the client's library), the server side is here.

- binds (transmitter, receiver, transceiver) checked against ``accounts``
  (ESME_RINVPASWD otherwise); ``down = True`` closes every new link;
- ``submit_sm`` answered with a decimal message id; long messages (UDH
  concatenation) put together in ``submitted`` (one entry per message);
  ``throttle = n`` answers the next n parts ESME_RTHROTTLED; a number in
  ``undeliverable`` gets an UNDELIV receipt;
- a receipt (``deliver_sm``, esm_class 0x04, the text "id:… stat:…" and
  the receipted_message_id/message_state TLVs) queued for each part that
  asked for one (registered_delivery), delivered to the account's
  receivers — kept while none is bound, delivered again until it is
  acknowledged with ESME_ROK (``refused`` counts the others, which go
  back to the end of the queue);
- ``mo(account, sender, text)`` queues a customer's SMS the same way
  (split with a UDH header when long, UCS-2 when not GSM)."""
import collections
import datetime as dt
import itertools
import socket
import socketserver
import struct
import threading

import smpplib.consts as c
import smpplib.gsm
from smpplib import smpp


class Sequences:
    "smpplib's PDUs take their sequence numbers from a client"

    def __init__(self):
        self._counter = itertools.count(1)
        self.sequence = 0
        self.lock = threading.Lock()

    def next_sequence(self):
        with self.lock:
            self.sequence = next(self._counter)
            return self.sequence


def _text(value):
    if isinstance(value, bytes):
        value = value.decode('latin-1')
    return (value or '').strip('\x00')


class SMSC:

    def __init__(self, accounts=None):
        self.accounts = dict(accounts or {'telco': 'smpp-pw'})
        self.sequences = Sequences()
        self.ids = itertools.count(1000)
        self.lock = threading.Condition()
        self.reset()

    def reset(self):
        with self.lock:
            self.down = False
            self.throttle = 0
            self.undeliverable = set()
            self.submitted = []
            self.parts = {}
            # account: deque of deliver_sm keyword arguments
            self.store = collections.defaultdict(collections.deque)
            self.delivered = []
            self.refused = 0
            self.binds = []
            self.lock.notify_all()

    def start(self):
        smsc = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                Link(smsc, self.request).serve()

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(('127.0.0.1', 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f'smpp://127.0.0.1:{self.port}'
        self.links = set()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.drop_links()

    def drop_links(self):
        "Break every bound link (the SMSC restarted)"
        for link in list(self.links):
            link.close()

    def receivers(self, account):
        return [link for link in self.links
            if link.account == account and link.mode in {
                'receiver', 'transceiver'}]

    # -- what the SMSC delivers ----------------------------------------------
    def queue(self, account, **values):
        with self.lock:
            self.store[account].append(values)
            self.lock.notify_all()

    def mo(self, account, sender, text, recipient='85000'):
        "A customer's SMS to the account's number"
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        international = sender.startswith('+')
        for part in parts:
            self.queue(
                account,
                source_addr_ton=c.SMPP_TON_INTL if international
                else c.SMPP_TON_UNK,
                source_addr_npi=c.SMPP_NPI_ISDN,
                source_addr=sender.lstrip('+'),
                dest_addr_ton=c.SMPP_TON_UNK,
                dest_addr_npi=c.SMPP_NPI_ISDN,
                destination_addr=recipient,
                esm_class=esm_class, data_coding=coding,
                short_message=part)

    def _receipt(self, account, message_id, source, destination, text):
        failed = destination in self.undeliverable
        stat, state, err = (
            ('UNDELIV', 5, '001') if failed else ('DELIVRD', 2, '000'))
        now = dt.datetime.utcnow().strftime('%y%m%d%H%M')
        body = (f'id:{message_id} sub:001 dlvrd:{"000" if failed else "001"} '
            f'submit date:{now} done date:{now} stat:{stat} err:{err} '
            f'text:{text[:20]}')
        self.queue(
            account,
            source_addr_ton=c.SMPP_TON_INTL, source_addr_npi=c.SMPP_NPI_ISDN,
            source_addr=destination,
            dest_addr_ton=c.SMPP_TON_UNK, dest_addr_npi=c.SMPP_NPI_ISDN,
            destination_addr=source,
            esm_class=0x04, data_coding=0,
            short_message=body.encode('ascii', 'replace'),
            receipted_message_id=message_id, message_state=state)

    # -- what the SMSC is sent -----------------------------------------------
    def submit(self, link, pdu):
        with self.lock:
            if self.throttle:
                self.throttle -= 1
                return c.SMPP_ESME_RTHROTTLED, None
            message_id = str(next(self.ids))
            data = pdu.short_message or b''
            source, destination = (
                _text(pdu.source_addr), _text(pdu.destination_addr))
            reference = total = number = None
            if (pdu.esm_class or 0) & c.SMPP_GSMFEAT_UDHI:
                header = data[1:1 + data[0]]
                data = data[1 + data[0]:]
                if header[:2] == b'\x00\x03':
                    reference, total, number = header[2], header[3], header[4]
            text = _decode(data, pdu.data_coding or 0)
            entry = None
            if reference is None:
                entry = {'parts': [(message_id, text)]}
            else:
                parts = self.parts.setdefault(
                    (link.account, destination, reference), {})
                parts[number] = (message_id, text)
                if len(parts) == total:
                    entry = {'parts': [parts[n] for n in sorted(parts)]}
                    del self.parts[(link.account, destination, reference)]
            if entry is not None:
                entry.update({
                        'id': entry['parts'][-1][0],
                        'ids': [p[0] for p in entry['parts']],
                        'text': ''.join(p[1] for p in entry['parts']),
                        'account': link.account,
                        'source': source,
                        'source_ton': pdu.source_addr_ton,
                        'destination': destination,
                        'dest_ton': pdu.dest_addr_ton,
                        'data_coding': pdu.data_coding or 0,
                        })
                self.submitted.append(entry)
            if (pdu.registered_delivery or 0) & 1:
                self._receipt(
                    link.account, message_id, source, destination, text)
            return c.SMPP_ESME_ROK, message_id


def _decode(data, coding):
    if coding == c.SMPP_ENCODING_ISO10646:
        return data.decode('utf-16-be')
    if coding == c.SMPP_ENCODING_ISO88591:
        return data.decode('latin-1')
    table = smpplib.gsm.GSM_CHARACTER_TABLE
    text, escape = [], False
    for byte in data:
        if byte == 0x1B:
            escape = True
            continue
        text.append(table[byte + 0x80 if escape else byte])
        escape = False
    return ''.join(text)


class Link:
    "One ESME's TCP link"

    def __init__(self, smsc, sock):
        self.smsc = smsc
        self.sock = sock
        self.account = None
        self.mode = None
        self.write_lock = threading.Lock()
        self.answers = {}
        self.answered = threading.Condition()
        self.closed = threading.Event()

    def close(self):
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with self.smsc.lock:
            self.smsc.lock.notify_all()

    def send(self, pdu):
        with self.write_lock:
            self.sock.sendall(pdu.generate())

    def read(self):
        header = self._exact(4)
        length, = struct.unpack('>L', header)
        data = header + self._exact(length - 4)
        return smpp.parse_pdu(
            data, client=self.smsc.sequences, allow_unknown_opt_params=True)

    def _exact(self, size):
        data = b''
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def answer(self, command, pdu, status=c.SMPP_ESME_ROK, **values):
        answer = smpp.make_pdu(
            command, client=self.smsc.sequences, status=status, **values)
        # smpplib's constructor keeps the client's sequence over the one
        # given: an answer carries its request's
        answer.sequence = pdu.sequence
        self.send(answer)

    def serve(self):
        smsc = self.smsc
        if smsc.down:
            self.sock.close()
            return
        smsc.links.add(self)
        try:
            while not self.closed.is_set():
                pdu = self.read()
                command = pdu.command
                if command.startswith('bind_'):
                    self.bind(pdu)
                elif command == 'submit_sm':
                    if self.mode not in {'transmitter', 'transceiver'}:
                        self.answer(
                            'submit_sm_resp', pdu, c.SMPP_ESME_RINVBNDSTS)
                        continue
                    status, message_id = smsc.submit(self, pdu)
                    self.answer(
                        'submit_sm_resp', pdu, status,
                        message_id=message_id or '')
                elif command == 'deliver_sm_resp':
                    with self.answered:
                        self.answers[pdu.sequence] = pdu.status
                        self.answered.notify_all()
                elif command == 'enquire_link':
                    self.answer('enquire_link_resp', pdu)
                elif command == 'unbind':
                    self.answer('unbind_resp', pdu)
                    break
                elif command in {'enquire_link_resp', 'generic_nack'}:
                    pass
                else:
                    self.answer('generic_nack', pdu, c.SMPP_ESME_RINVCMDID)
        except (ConnectionError, OSError, struct.error):
            pass
        finally:
            smsc.links.discard(self)
            self.close()
            try:
                self.sock.close()
            except OSError:
                pass

    def bind(self, pdu):
        smsc = self.smsc
        mode = pdu.command[len('bind_'):]
        system_id = _text(pdu.system_id)
        if (smsc.accounts.get(system_id) is None
                or smsc.accounts[system_id] != _text(pdu.password)):
            self.answer(
                f'{pdu.command}_resp', pdu, c.SMPP_ESME_RINVPASWD,
                system_id='SMSC')
            return
        self.account, self.mode = system_id, mode
        smsc.binds.append((system_id, mode))
        self.answer(f'{pdu.command}_resp', pdu, system_id='SMSC')
        if mode in {'receiver', 'transceiver'}:
            threading.Thread(target=self.deliver, daemon=True).start()

    def acknowledgement(self, sequence, timeout=10):
        "The status the ESME answered the deliver_sm with, None if none"
        with self.answered:
            self.answered.wait_for(
                lambda: sequence in self.answers or self.closed.is_set(),
                timeout=timeout)
            return self.answers.pop(sequence, None)

    def deliver(self):
        """Hand the account's stored messages over, one at a time, each
        until acknowledged"""
        smsc = self.smsc
        while not self.closed.is_set():
            with smsc.lock:
                store = smsc.store[self.account]
                while not store and not self.closed.is_set():
                    smsc.lock.wait(0.5)
                if self.closed.is_set():
                    return
                values = store.popleft()
            pdu = smpp.make_pdu(
                'deliver_sm', client=smsc.sequences, **values)
            try:
                self.send(pdu)
            except OSError:
                smsc.queue(self.account, **values)
                return
            status = self.acknowledgement(pdu.sequence)
            if status == c.SMPP_ESME_ROK:
                smsc.delivered.append(values)
                continue
            # not taken: kept, delivered again after the others
            with smsc.lock:
                smsc.refused += status is not None
                smsc.store[self.account].append(values)
            self.closed.wait(0.2)
