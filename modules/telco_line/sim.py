# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from stdnum import luhn

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.telco_base.model import OperatorMixin
from trytond.pool import Pool
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import SimValidationError


class Sim(OperatorMixin, ModelSQL, ModelView):
    "SIM card"
    __name__ = 'telco.sim'
    __string__ = "SIM Card"
    _rec_name = 'iccid'

    iccid = fields.Char(
        "ICCID", required=True, strip=True, size=22,
        help="The 19 or 20 digits printed on the card.")
    imsi = fields.Char("IMSI", size=15, strip=True)
    pin = fields.Char("PIN", size=8, strip=True)
    puk = fields.Char(
        "PUK", size=8, strip=True,
        help="Shown to agents only through the audited action.")
    state = fields.Selection([
            ('available', "Available"),
            ('in_use', "In Use"),
            ('blocked', "Blocked"),
            ('lost', "Lost"),
            ], "State", required=True, sort=False)
    lines = fields.One2Many('telco.line', 'sim', "Lines", readonly=True)
    puk_reveals = fields.One2Many(
        'telco.sim.puk_reveal', 'sim', "PUK Reveals", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.iccid.search_unaccented = False
        t = cls.__table__()
        cls._sql_constraints += [
            ('iccid_unique', Unique(t, t.company, t.iccid),
                'telco_line.msg_sim_iccid_unique'),
            ]
        cls._buttons.update({
                'reveal_puk': {},
                })

    @classmethod
    def default_state(cls):
        return 'available'

    @classmethod
    def validate_fields(cls, sims, field_names):
        super().validate_fields(sims, field_names)
        for sim in sims:
            iccid = sim.iccid or ''
            if not (len(iccid) in {19, 20} and luhn.is_valid(iccid)):
                raise SimValidationError(gettext(
                        'telco_line.msg_invalid_iccid', iccid=iccid))
            if sim.imsi and not (
                    sim.imsi.isdigit() and len(sim.imsi) == 15):
                raise SimValidationError(gettext(
                        'telco_line.msg_invalid_imsi', imsi=sim.imsi))
            for code, size in [(sim.pin, (4, 8)), (sim.puk, (8, 8))]:
                if code and not (
                        code.isdigit() and size[0] <= len(code) <= size[1]):
                    raise SimValidationError(gettext(
                            'telco_line.msg_invalid_sim_code',
                            iccid=iccid))

    @classmethod
    @ModelView.button_action('telco_line.wizard_sim_reveal_puk')
    def reveal_puk(cls, sims):
        pass


class SimPukReveal(ModelSQL, ModelView):
    "Audit of a PUK shown to an agent"
    __name__ = 'telco.sim.puk_reveal'
    __string__ = "PUK Reveal"

    sim = fields.Many2One(
        'telco.sim', "SIM", required=True, readonly=True, ondelete='CASCADE')
    user = fields.Many2One('res.user', "User", required=True, readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    reason = fields.Char("Reason", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('sim')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]


class SimRevealPukStart(ModelView):
    "Reveal PUK"
    __name__ = 'telco.sim.reveal_puk.start'
    __string__ = "Reveal PUK"

    reason = fields.Char(
        "Reason", required=True,
        help="Why the customer needs the PUK (kept in the audit).")


class SimRevealPukShow(ModelView):
    "PUK"
    __name__ = 'telco.sim.reveal_puk.show'
    __string__ = "PUK"

    iccid = fields.Char("ICCID", readonly=True)
    puk = fields.Char("PUK", readonly=True)


class SimRevealPuk(Wizard):
    "Reveal PUK"
    __name__ = 'telco.sim.reveal_puk'

    start = StateView(
        'telco.sim.reveal_puk.start',
        'telco_line.sim_reveal_puk_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reveal", 'reveal', 'tryton-ok', default=True),
            ])
    reveal = StateTransition()
    show = StateView(
        'telco.sim.reveal_puk.show',
        'telco_line.sim_reveal_puk_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_reveal(self):
        return 'show'

    def default_show(self, fields):
        pool = Pool()
        Sim = pool.get('telco.sim')
        Reveal = pool.get('telco.sim.puk_reveal')
        # the PUK is hidden from every group: it is read here only, for a
        # SIM the user may read, and never without its audit record
        reason = getattr(self.start, 'reason', None)
        if not reason:
            raise SimValidationError(gettext(
                    'telco_line.msg_puk_reason_required'))
        with check_access():
            Sim.read([self.record.id], ['id'])
        with without_check_access():
            Reveal.create([{
                        'sim': self.record.id,
                        'user': Transaction().user,
                        'date': dt.datetime.now(),
                        'reason': reason,
                        }])
            sim = Sim(self.record.id)
            return {'iccid': sim.iccid, 'puk': sim.puk}
