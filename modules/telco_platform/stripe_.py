# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Stripe adapter: where the ``stripe`` library sends its requests.

Configured in trytond.conf::

    [telco_platform]
    # Stripe's API (the default); the tests set a local Stripe-like server
    stripe_api_base = https://api.stripe.com
    # retries of a request that met a network error or a 5xx answer
    stripe_max_network_retries = 3

The keys are those of the platform's Stripe account (Payments > Stripe
Accounts): test keys (sk_test_…) in a test set-up, live keys in
production.  Read at each call, so that a change of the configuration
needs no restart."""
import stripe

from trytond import config

DEFAULT_API_BASE = 'https://api.stripe.com'


def configure():
    "Point the stripe library at the configured API"
    stripe.api_base = config.get(
        'telco_platform', 'stripe_api_base', default=DEFAULT_API_BASE)
    stripe.max_network_retries = config.getint(
        'telco_platform', 'stripe_max_network_retries', default=3)
