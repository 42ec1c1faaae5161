# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Helpers shared by the demo data of every module"""
import datetime as dt
import time
from contextlib import contextmanager

from proteus import Model, config


def log(message):
    print(message, flush=True)


def get_or_create(model_name, domain, values, label=None):
    "Return the record matching domain, created with values when missing"
    Model_ = Model.get(model_name)
    records = Model_.find(domain)
    if records:
        return records[0], False
    record = Model_(**values)
    record.save()
    log(f"  created {model_name} {label or record.rec_name}")
    return record, True


@contextmanager
def as_user(login):
    "Act as the user, with the user's preferences as context"
    previous = config.get_config()
    config._CONFIG.current = _user_config(previous, login)
    try:
        yield config.get_config()
    finally:
        config._CONFIG.current = previous


def _user_config(current, login):
    """The proteus configuration of the user on the database of current.

    proteus' set_trytond initialises the pool again for every
    configuration, seconds each and more every time: the configurations
    share the pool of the first one instead."""
    from trytond.transaction import Transaction

    user_config = config.TrytondConfig.__new__(config.TrytondConfig)
    config.Config.__init__(user_config)
    for name in ['database', 'database_name', 'config_file', 'skip_warning',
            'pool']:
        setattr(user_config, name, getattr(current, name))
    user_config._user = login
    with Transaction().start(current.database_name, 0) as transaction:
        User = current.pool.get('res.user')
        transaction.context = user_config.context
        with transaction.set_context(active_test=False):
            user_config.user, = [u.id for u in User.search([
                        ('login', '=', login),
                        ], limit=1)]
        with transaction.set_user(user_config.user):
            user_config._context = User.get_preferences(context_only=True)
    return user_config


def xml_id(module_id):
    ModelData = Model.get('ir.model.data')
    module, fs_id = module_id.split('.', 1)
    return ModelData.get_id(module, fs_id, config.get_config().context)


def groups(module_ids):
    "The groups of the ids, those of the modules activated only"
    Group = Model.get('res.group')
    active = activated_modules()
    return Group.find([('id', 'in', [
                    xml_id(g) for g in module_ids
                    if g.split('.', 1)[0] in active])])


def activated_modules():
    Module = Model.get('ir.module')
    return {m.name for m in Module.find([('state', '=', 'activated')])}


def months_ago(months, day=1, today=None):
    """The date months before today's month, on the day (or the month's
    last day when shorter): the demo's history spreads over 18 months"""
    today = today or dt.date.today()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day_ in range(day, 27, -1):
        try:
            return dt.date(year, month, day_)
        except ValueError:
            continue
    return dt.date(year, month, min(day, 28))


@contextmanager
def step(title):
    "Print the step and the seconds it took"
    start = time.monotonic()
    log(f"{title} ...")
    yield
    log(f"  ({title}: {time.monotonic() - start:.0f} s)")


def e164(number):
    from trytond.modules.telco_base.phone import to_e164
    return to_e164(number, 'TN')


def find_customer(company, name):
    Party = Model.get('party.party')
    parties = Party.find([('name', '=', name), ('company', '=', company.id)])
    return parties[0] if parties else None
