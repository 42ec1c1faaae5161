# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"HTTP routes of the platform"
import json
from http import HTTPStatus
from urllib.parse import urlsplit

from werkzeug.exceptions import abort

from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.wsgi import app


def request_hostname(request):
    """The host name the request was sent to, without port, in lower case
    (behind a proxy, the one the proxy received when [web] num_proxies is
    set)"""
    try:
        return urlsplit('//' + request.host).hostname or ''
    except ValueError:
        return ''


@app.route('/<database_name>/telco/brand', methods={'GET'})
@with_pool
@with_transaction()
def brand(request, pool):
    """The public brand of the operator whose web client is served on the
    host of the request (the neutral platform brand for any other host):
    name, colours and logo, for the login page before anyone logs in"""
    try:
        Company = pool.get('company.company')
    except KeyError:
        abort(HTTPStatus.NOT_FOUND)
    brand_for_host = getattr(Company, 'brand_for_host', None)
    if brand_for_host is None:
        # telco_base is not activated in this database
        abort(HTTPStatus.NOT_FOUND)
    return Response(
        json.dumps(brand_for_host(request_hostname(request))),
        content_type='application/json',
        headers={'Cache-Control': 'no-cache', 'Vary': 'Host'})
