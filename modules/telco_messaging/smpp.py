# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""SMPP 3.4 with an operator's SMSC, on smpplib: the bind, the SMS sent
(``submit_sm``) and what the SMSC delivers (``deliver_sm``: delivery
receipts and customers' messages).  No database here: the provider
(provider.py) and the listener (listener.py) use it."""
import datetime as dt
import logging
import re
import socket
from urllib.parse import urlsplit

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.gsm

logger = logging.getLogger(__name__)

DEFAULT_PORT = 2775
ERRORS = (
    smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError,
    OSError)
# the SMSC's answers that mean "later"
RETRY_STATUSES = {
    c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RMSGQFUL, c.SMPP_ESME_RSYSERR,
    c.SMPP_ESME_RX_T_APPN, 0x00000045,  # submit_sm failed
    }
# the receipts' stat: and message_state values
RECEIPT_STATES = {
    'DELIVRD': 'delivered', 'ACCEPTD': 'sent', 'ENROUTE': 'sent',
    'UNDELIV': 'failed', 'EXPIRED': 'failed', 'DELETED': 'failed',
    'REJECTD': 'failed', 'UNKNOWN': None,
    }
MESSAGE_STATES = {
    1: 'ENROUTE', 2: 'DELIVRD', 3: 'EXPIRED', 4: 'DELETED', 5: 'UNDELIV',
    6: 'ACCEPTD', 7: 'UNKNOWN', 8: 'REJECTD'}
RECEIPT = re.compile(
    r'id:(?P<id>\S+).*?'
    r'(?:done date:(?P<done>\d{10,12}))?\s*'
    r'stat:(?P<stat>[A-Z]+)'
    r'(?:\s+err:(?P<err>\w+))?', re.IGNORECASE | re.DOTALL)
# GSM 03.38 positions to characters ('`' marks the table's holes)
GSM_DECODE = {
    i: ch for i, ch in enumerate(smpplib.gsm.GSM_CHARACTER_TABLE)
    if ch != '`'}


def server_of(url):
    "host and port of an smpp://host:port URL"
    parts = urlsplit(url if '//' in (url or '') else f'smpp://{url}')
    return parts.hostname or '127.0.0.1', parts.port or DEFAULT_PORT


def address_fields(address, source):
    """The TON, NPI and digits of the source or destination address:
    +E.164 is international, letters an alphanumeric sender id, other
    digits unknown"""
    address = (address or '').strip()
    if address.startswith('+'):
        ton, npi, address = c.SMPP_TON_INTL, c.SMPP_NPI_ISDN, address[1:]
    elif address and not address.isdigit():
        ton, npi = c.SMPP_TON_ALNUM, c.SMPP_NPI_UNK
    else:
        ton, npi = c.SMPP_TON_UNK, c.SMPP_NPI_ISDN
    prefix = 'source_addr' if source else 'dest_addr'
    return {
        f'{prefix}_ton': ton, f'{prefix}_npi': npi,
        'source_addr' if source else 'destination_addr': address.encode(
            'ascii', 'replace').decode('ascii'),
        }


def client(settings, timeout):
    host, port = server_of(settings.url)
    return smpplib.client.Client(
        host, port, timeout=timeout, allow_unknown_opt_params=True,
        logger_name=f'{__name__}.client')


def bind(client_, settings, mode):
    "Connect and bind as mode: transmitter, receiver or transceiver"
    client_.connect()
    getattr(client_, f'bind_{mode}')(
        system_id=settings.username or '', password=settings.password or '',
        system_type='', interface_version=0x34)


def close(client_, unbind=True):
    "Unbind and disconnect; without unbind when the link is known broken"
    bound = client_.state in {
        c.SMPP_CLIENT_STATE_BOUND_TX, c.SMPP_CLIENT_STATE_BOUND_RX,
        c.SMPP_CLIENT_STATE_BOUND_TRX}
    if bound and unbind:
        try:
            client_.unbind()
            bound = False
        except ERRORS + (socket.timeout,):
            pass
    if bound:
        # nothing more can be said on the link: closed as an open one
        client_.state = c.SMPP_CLIENT_STATE_OPEN
    client_.disconnect()


def parts_of(text):
    """The submit_sm parts of text: GSM 03.38 when it fits, else UCS-2;
    more than one part carries a concatenation header (UDHI)"""
    parts, data_coding, esm_class = smpplib.gsm.make_parts(text or ' ')
    return parts, data_coding, esm_class


def status_text(status):
    return (f'SMPP 0x{status:08X} '
        f'{c.DESCRIPTIONS.get(status, "Unknown status")}')


def decode(data, data_coding):
    "The text of a short message in its data coding"
    if data_coding == c.SMPP_ENCODING_ISO10646:
        return data.decode('utf-16-be', 'replace')
    if data_coding in {c.SMPP_ENCODING_ISO88591}:
        return data.decode('latin-1')
    if data_coding in {c.SMPP_ENCODING_DEFAULT, 0xF0, 0xF1}:
        text, escape = [], False
        for byte in data:
            if byte == 0x1B:
                escape = True
                continue
            index = byte + 0x80 if escape else byte
            escape = False
            text.append(GSM_DECODE.get(index, '?'))
        return ''.join(text)
    return data.decode('utf-8', 'replace')


def short_message(pdu):
    """The text of a deliver_sm and, for a part of a long message, its
    (reference, total, number)"""
    data = pdu.short_message or getattr(pdu, 'message_payload', None) or b''
    if isinstance(data, str):
        data = data.encode('latin-1')
    concat = None
    if (pdu.esm_class or 0) & c.SMPP_GSMFEAT_UDHI and data:
        length = data[0]
        header, data = data[1:1 + length], data[1 + length:]
        i = 0
        while i + 1 < len(header):
            iei, size = header[i], header[i + 1]
            value = header[i + 2:i + 2 + size]
            if iei == 0x00 and size == 3:
                concat = (value[0], value[1], value[2])
            elif iei == 0x08 and size == 4:
                concat = ((value[0] << 8) + value[1], value[2], value[3])
            i += 2 + size
    elif getattr(pdu, 'sar_msg_ref_num', None):
        concat = (
            pdu.sar_msg_ref_num, pdu.sar_total_segments,
            pdu.sar_segment_seqnum)
    return decode(data, pdu.data_coding or 0), concat


def is_receipt(pdu):
    # esm_class bits 2-5: 0x04 is an SMSC delivery receipt
    return ((pdu.esm_class or 0) & 0x3C) == 0x04


def receipt(pdu):
    """What a delivery receipt says: (SMSC's message id, state, date,
    error) or None when it cannot be read"""
    text, _ = short_message(pdu)
    match = RECEIPT.search(text)
    message_id = _text(getattr(pdu, 'receipted_message_id', None))
    stat = MESSAGE_STATES.get(getattr(pdu, 'message_state', None))
    date = error = None
    if match:
        message_id = message_id or match.group('id')
        stat = stat or match.group('stat').upper()
        date = _receipt_date(match.group('done'))
        if match.group('err') and match.group('err').strip('0'):
            error = f"{stat} err:{match.group('err')}"
    state = RECEIPT_STATES.get(stat)
    if not message_id or not state:
        return None
    if state == 'failed' and not error:
        error = stat
    return message_id, state, date, error


def _text(value):
    if isinstance(value, bytes):
        value = value.decode('ascii', 'replace')
    return (value or '').strip('\x00') or None


def _receipt_date(value):
    "YYMMDDhhmm[ss] of the receipt, in the SMSC's time taken as UTC"
    if not value:
        return None
    try:
        return dt.datetime.strptime(
            value, '%y%m%d%H%M%S' if len(value) == 12 else '%y%m%d%H%M')
    except ValueError:
        return None


def sender_of(pdu):
    "The customer's number of a deliver_sm, +E.164 when international"
    address = _text(pdu.source_addr) or ''
    if pdu.source_addr_ton == c.SMPP_TON_INTL and address.isdigit():
        address = '+' + address
    return address


def submit(client_, sender, outgoing, limiter, window):
    """Send the messages on a bound client, at most window requests
    unanswered; answer per message (status, SMSC's id of its last part,
    error) in order — None for those without an answer (the link broke)"""
    answers = [None] * len(outgoing)
    waiting = {}  # sequence: (index, last part)
    failures = {}

    def answered(pdu, **kwargs):
        index, last = waiting.pop(pdu.sequence, (None, None))
        if index is None:
            return
        if pdu.status != c.SMPP_ESME_ROK:
            failures[index] = pdu.status
            answers[index] = ('error', None, pdu.status)
        elif last and index not in failures:
            answers[index] = ('ok', _text(pdu.message_id), None)

    client_.set_message_sent_handler(answered)
    client_.set_error_pdu_handler(lambda pdu: None)

    def read():
        client_.read_once(auto_send_enquire_link=False)

    try:
        for index, message in enumerate(outgoing):
            parts, data_coding, esm_class = parts_of(message.body)
            for number, part in enumerate(parts, 1):
                while len(waiting) >= window:
                    read()
                limiter.wait()
                last = number == len(parts)
                pdu = client_.send_message(
                    **address_fields(sender, True),
                    **address_fields(message.address, False),
                    esm_class=esm_class, data_coding=data_coding,
                    short_message=part,
                    # a long message's receipt is its last part's
                    registered_delivery=1 if last else 0)
                waiting[pdu.sequence] = (index, last)
        while waiting:
            read()
    except ERRORS + (socket.timeout,) as exception:
        logger.info("SMSC link broken while sending: %s", exception)
    return answers
