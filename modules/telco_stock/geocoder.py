# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Geocoder adapter: from an address to coordinates, through geopy.

Configured per deployment in trytond.conf:

    [telco_geocoder]
    provider = nominatim          # any geopy geocoder name
    domain = nominatim.example.org
    scheme = https
    user_agent = telco-crm
    timeout = 5
    country_codes = tn            # Nominatim only

Nothing is configured by default: no address leaves the platform unless the
deployment says where to."""
from geopy.exc import GeopyError
from geopy.geocoders import get_geocoder_for_service

from trytond import config
from trytond.i18n import gettext

from .exceptions import GeocoderError

SECTION = 'telco_geocoder'


def geocoder():
    "The configured geopy geocoder, or None"
    provider = config.get(SECTION, 'provider', default=None)
    if not provider:
        return None
    options = {
        'timeout': config.getfloat(SECTION, 'timeout', default=5),
        }
    for name in ['domain', 'scheme', 'user_agent', 'api_key']:
        value = config.get(SECTION, name, default=None)
        if value:
            options[name] = value
    if provider == 'nominatim':
        options.setdefault('user_agent', 'telco-crm')
    return get_geocoder_for_service(provider)(**options)


def geocode(address):
    "Return (latitude, longitude) of the address"
    service = geocoder()
    if service is None:
        raise GeocoderError(gettext('telco_stock.msg_geocoder_not_configured'))
    kwargs = {}
    country_codes = config.get(SECTION, 'country_codes', default=None)
    if country_codes and config.get(SECTION, 'provider') == 'nominatim':
        kwargs['country_codes'] = country_codes
    try:
        location = service.geocode(address, **kwargs)
    except GeopyError as exception:
        raise GeocoderError(gettext(
                'telco_stock.msg_geocoder_failed',
                address=address, error=str(exception))) from exception
    if location is None:
        raise GeocoderError(gettext(
                'telco_stock.msg_geocoder_not_found', address=address))
    return location.latitude, location.longitude
