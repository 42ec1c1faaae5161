# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Debian's Kannel (bearerbox and smsbox) for the tests, connected by SMPP
to the test SMSC (smsc.py): the Kannel channel's requests, Kannel's
delivery reports on the dlr-url and its sms-service's get-url are the real
daemon's."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CONFIG = '''\
group = core
admin-port = {admin_port}
admin-password = "admin-pw"
smsbox-port = {box_port}
box-allow-ip = "127.0.0.1"
log-file = "{directory}/bearerbox.log"
log-level = 1
access-log = "{directory}/access.log"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = smsc
host = 127.0.0.1
port = {smsc_port}
transceiver-mode = true
smsc-username = "{system_id}"
smsc-password = "{password}"
system-type = ""
reconnect-delay = 1
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box_port}
sendsms-port = {sendsms_port}
log-file = "{directory}/smsbox.log"
log-level = 1
mo-recode = true

group = sendsms-user
username = "{user}"
password = "{user_password}"
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
get-url = "{get_url}"
omit-empty = true
max-messages = 0
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def binary(name):
    "Kannel's boxes are in /usr/sbin (Debian's kannel package)"
    return shutil.which(name) or shutil.which(name, path='/usr/sbin:/sbin')


class Kannel:
    "bearerbox and smsbox in a directory of their own"

    def __init__(self, smsc, system_id, password, get_url,
            user='kannel', user_password='kannel-pw'):
        self.smsc = smsc
        self.system_id = system_id
        self.user = user
        self.user_password = user_password
        self.directory = tempfile.mkdtemp(prefix='kannel-')
        self.sendsms_port = free_port()
        self.url = f'http://127.0.0.1:{self.sendsms_port}'
        self.config = os.path.join(self.directory, 'kannel.conf')
        with open(self.config, 'w') as file:
            file.write(CONFIG.format(
                    admin_port=free_port(), box_port=free_port(),
                    sendsms_port=self.sendsms_port, smsc_port=smsc.port,
                    system_id=system_id, password=password,
                    user=user, user_password=user_password,
                    # Kannel's configuration escapes nothing but quotes
                    get_url=get_url.replace('"', '%22'),
                    directory=self.directory))
        self.processes = []

    def start(self, timeout=30):
        for box in ['bearerbox', 'smsbox']:
            path = binary(box)
            if not path:
                raise RuntimeError(
                    f"{box} is missing: scripts/system_deps.sh installs "
                    "Debian's kannel package")
            self.processes.append(subprocess.Popen(
                    [path, self.config], cwd=self.directory,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            if box == 'bearerbox':
                self._wait(self._bound, timeout, "bearerbox's SMPP bind")
        self._wait(self._serving, timeout, "smsbox's sendsms")
        return self

    def _wait(self, ready, timeout, what):
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kannel: no {what}:\n{self.logs()}")
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"Kannel stopped:\n{self.logs()}")
            time.sleep(0.1)

    def _bound(self):
        return (self.system_id, 'transceiver') in self.smsc.binds

    def _serving(self):
        try:
            urllib.request.urlopen(f'{self.url}/cgi-bin/sendsms', timeout=1)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def logs(self):
        text = []
        for name in ['bearerbox.log', 'smsbox.log']:
            path = os.path.join(self.directory, name)
            if os.path.exists(path):
                with open(path, errors='replace') as file:
                    text.append(f'== {name}\n' + file.read()[-4000:])
        return '\n'.join(text)

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        shutil.rmtree(self.directory, ignore_errors=True)
