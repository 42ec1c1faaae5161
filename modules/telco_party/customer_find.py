# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Find a customer: the customer search as a first step.

On a phone-sized screen the web client has no search bar (sao hides it
below 768 pixels): the agent types what he knows of the customer (a number,
even with spaces, a name, a part of an e-mail) and gets the customers it
finds, by the same search as the search bar of the customer list, run as
the agent (his operator's customers only)."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools import likify
from trytond.transaction import check_access
from trytond.wizard import Button, StateAction, StateTransition, StateView, \
    Wizard


class FindCustomerStart(ModelView):
    "Find a Customer"
    __name__ = 'telco.customer.find.start'
    __string__ = "Find a Customer"

    search = fields.Char(
        "Search", required=True,
        help="A phone number, an identity number, a name or a part of an "
        "e-mail address.")
    message = fields.Text(
        "Message", readonly=True,
        states={
            'invisible': ~Eval('message'),
            })


class FindCustomer(Wizard):
    "Find a Customer"
    __name__ = 'telco.customer.find'

    start = StateView(
        'telco.customer.find.start',
        'telco_party.customer_find_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Search", 'search_', 'tryton-search', default=True),
            ])
    search_ = StateTransition()
    open_ = StateAction('telco_party.act_customer')

    def value_start(self, fields):
        # back from a search that found nothing: the text and why
        return {
            'search': getattr(self.start, 'search', None),
            'message': getattr(self.start, 'message', None),
            }

    @property
    def text(self):
        "The text searched, without the spaces around it"
        return (self.start.search or '').strip()

    def customer_domain(self):
        """The domain of the customers the search finds: the one of the
        search bar (the text anywhere, unless it has a wildcard already)"""
        return [
            ('customer_base', '=', True),
            ('rec_name', 'ilike', likify(self.text)),
            ]

    def first_found(self):
        """The ids of the first two customers found, searched as the agent:
        the record rules keep to his operator's customers"""
        pool = Pool()
        Party = pool.get('party.party')
        if not self.text.replace('%', ''):
            return []
        # wizards run without the record rules (execute is called with
        # check_access=False): the search must apply them
        with check_access():
            return [p.id for p in Party.search(
                    self.customer_domain(), limit=2)]

    def transition_search_(self):
        if not self.text.replace('%', ''):
            self.start.message = gettext('telco_party.msg_customer_find_empty')
            return 'start'
        if not self.first_found():
            self.start.message = gettext(
                'telco_party.msg_customer_find_none', search=self.text)
            return 'start'
        self.start.message = None
        return 'open_'

    def do_open_(self, action):
        found = self.first_found()
        encoder = PYSONEncoder()
        if found:
            action['pyson_domain'] = encoder.encode(self.customer_domain())
            action['name'] += ' (%s)' % self.text
        else:
            action['pyson_domain'] = encoder.encode([('id', '=', -1)])
        # all the customers found, whatever their state
        action['domains'] = []
        if len(found) == 1:
            action['res_id'] = found
            action['views'].reverse()
        return action, {}
