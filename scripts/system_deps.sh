#!/usr/bin/env bash
# Install the Debian packages the project needs, when they are missing:
# WeasyPrint (the PDF of quotes and invoices) needs pango and a font; the
# browser tests of make test drive Debian's Chromium through its
# ChromeDriver; the messaging tests run Kannel's bearerbox and smsbox
# (Debian's kannel) against the test SMSC.  Nothing is installed when they
# are already there.
set -euo pipefail

SUDO=
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
fi

missing=()
libs=$(/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true)
grep -q 'libpango-1.0.so.0' <<<"$libs" || missing+=(libpango-1.0-0)
grep -q 'libpangoft2-1.0.so.0' <<<"$libs" || missing+=(libpangoft2-1.0-0)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list 2>/dev/null)" ]; then
    missing+=(fontconfig fonts-dejavu-core)
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ -x /usr/sbin/bearerbox ] || command -v bearerbox >/dev/null 2>&1 \
    || missing+=(kannel)
if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing system libraries: ${missing[*]} (install them)" >&2
        exit 1
    fi
    echo "installing ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
