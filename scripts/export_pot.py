#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Export the translatable strings of the telco modules with Tryton's own
machinery and merge them into modules/<module>/locale/<lang>.po.

It creates a throw-away SQLite database, activates the modules, runs the
wizards a translator would run in the client:

    ir.translation.set     (collects the view and report strings)
    ir.translation.update  (creates the entries of the language)
    ir.translation.export  (writes the .po of a module)

and merges the result into the module's locale file: the msgstr already
written are kept, new strings get an empty msgstr, strings the module no
longer has are dropped and a string whose source text changed keeps its old
translation flagged "fuzzy" (Tryton does not load fuzzy entries).

    .venv/bin/python scripts/export_pot.py                 # merge fr.po
    .venv/bin/python scripts/export_pot.py --pot-dir /tmp  # only the .pot
    .venv/bin/python scripts/export_pot.py --check         # load fr, read back

The exit status is 1 when some string is left untranslated (or, with
--check, when the activation with the language fails).
"""
import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

import polib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = [
    'telco_base', 'telco_party', 'telco_line', 'telco_dashboard',
    'telco_claims', 'telco_product',
    'telco_billing', 'telco_stock', 'telco_offers', 'telco_platform',
    'telco_messaging']
PASSWORD = 'export-pot'
EMAIL = 'admin@example.com'


def trytond_admin():
    path = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    return path if os.path.exists(path) else 'trytond-admin'


def with_extras(modules):
    """Return the modules followed by the optional dependencies
    (extras_depend) of the telco modules among them and their dependencies
    that are available: trytond-admin activates only the depends, and the
    models a module registers with an extra (e.g. telco_offers' advertising
    with marketing_email) carry strings of the module too"""
    from trytond.modules import get_module_info, get_modules

    available = set(get_modules())
    ours = set(os.listdir(os.path.join(ROOT, 'modules')))
    result, seen, todo = list(modules), set(), list(modules)
    while todo:
        name = todo.pop(0)
        if name in seen or name not in ours:
            continue
        seen.add(name)
        info = get_module_info(name)
        todo.extend(info.get('depends', []))
        for extra in info.get('extras_depend', []):
            if extra in available and extra not in result:
                result.append(extra)
    return result


def make_database(workdir, name, modules, languages=()):
    """Create and activate a SQLite database with the modules and their
    extras, return the config file"""
    config_file = os.path.join(workdir, 'trytond.conf')
    with open(config_file, 'w') as fp:
        fp.write(
            '[database]\n'
            'uri = sqlite://\n'
            f'path = {workdir}\n'
            '[session]\n'
            'authentications = password\n')
    passfile = os.path.join(workdir, 'passfile')
    with open(passfile, 'w') as fp:
        fp.write(PASSWORD + '\n')
    env = dict(os.environ, TRYTONPASSFILE=passfile, TRYTOND_CONFIG='')
    open(os.path.join(workdir, name + '.sqlite'), 'w').close()
    base = [trytond_admin(), '-c', config_file, '-d', name]
    command = base + ['-u', *with_extras(modules), '--activate-dependencies']
    if languages:
        command += ['-l', *languages]
    output = []
    for args in [base + ['--all', '--email', EMAIL], command]:
        process = subprocess.run(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        output.append(process.stdout)
        if process.returncode:
            sys.stderr.write(process.stdout)
            raise subprocess.CalledProcessError(process.returncode, args)
    # what trytond-admin complained about (e.g. a translation not loaded)
    problems = [
        line for line in '\n'.join(output).splitlines()
        if any(w in line for w in ['WARNING', 'ERROR', 'Traceback'])]
    for line in problems:
        print(f'trytond-admin: {line}', file=sys.stderr)
    return config_file, problems


def export(config_file, name, lang, modules):
    "Return {module: bytes of the .po exported for lang}"
    from proteus import Model, Wizard
    from proteus import config as pconfig

    pconfig.set_trytond(name, config_file=config_file)
    Lang = Model.get('ir.lang')
    Module = Model.get('ir.module')

    set_ = Wizard('ir.translation.set')
    set_.execute('set_')
    set_.execute('end')

    language, = Lang.find([('code', '=', lang)])
    if not language.translatable:
        language.translatable = True
        language.save()

    update = Wizard('ir.translation.update')
    update.form.language = language
    update.execute('update')

    result = {}
    for module_name in modules:
        module, = Module.find([('name', '=', module_name)])
        wizard = Wizard('ir.translation.export')
        wizard.form.language = language
        wizard.form.module = module
        wizard.execute('export')
        result[module_name] = wizard.form.file or b''
        wizard.execute('end')
    return result


def key(entry):
    return (entry.msgctxt, entry.msgid)


def merge(pot, po_path):
    """Merge the exported entries into the po file at po_path.
    Return (total, entries to translate, added, dropped)"""
    from trytond.ir.translation import TrytonPOFile

    old = {}
    old_ctxt = {}
    if os.path.exists(po_path):
        for entry in polib.pofile(po_path):
            if entry.obsolete:
                continue
            old[key(entry)] = entry
            old_ctxt.setdefault(entry.msgctxt, entry)
    pofile = TrytonPOFile(wrapwidth=78)
    pofile.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
    added = 0
    for entry in pot:
        new = polib.POEntry(
            msgctxt=entry.msgctxt, msgid=entry.msgid,
            flags=[f for f in entry.flags if f != 'fuzzy'])
        previous = old.pop(key(entry), None)
        if previous is not None and previous.msgstr:
            new.msgstr = previous.msgstr
            if 'fuzzy' in previous.flags:
                new.flags.append('fuzzy')
        else:
            added += previous is None
            previous = old_ctxt.get(entry.msgctxt)
            # field, help, model and record strings have a context of their
            # own: a different msgid means the source text changed
            if (previous is not None and previous.msgstr
                    and entry.msgctxt.split(':')[0] in {
                        'field', 'model', 'help'}):
                new.msgstr = previous.msgstr
                new.flags.append('fuzzy')
                old.pop(key(previous), None)
        pofile.append(new)
    pofile.sort()
    os.makedirs(os.path.dirname(po_path), exist_ok=True)
    with open(po_path, 'w', encoding='utf-8') as fp:
        fp.write(str(pofile))
    todo = [e for e in pofile if not e.msgstr or 'fuzzy' in e.flags]
    return len(pofile), todo, added, len(old)


def check(workdir, lang, modules):
    """Activate the modules in a fresh database with the language loaded and
    read every translated string back through the ORM.
    Return the number of strings not read back as written."""
    config_file, problems = make_database(
        workdir, 'check', modules, languages=[lang])

    from trytond import config
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    config.update_etc(config_file)
    pool = Pool('check')
    pool.init()

    failures = len(problems)
    with Transaction().start('check', 0, context={'language': lang}):
        ModelData = pool.get('ir.model.data')
        IrModel = pool.get('ir.model')
        View = pool.get('ir.ui.view')

        def view_strings(model):
            strings = set()
            for view in View.search([('model', '=', model)]):
                if view.inherit:
                    continue
                arch = pool.get(model).fields_view_get(view.id)['arch']
                strings.update(re.findall(r'string="([^"]*)"', arch))
            return {html.unescape(s) for s in strings}

        def wizard_buttons(wizard_name, state_name):
            Wizard = pool.get(wizard_name, type='wizard')
            session_id, _, _ = Wizard.create()
            try:
                state = Wizard.states[state_name]
                buttons = state.get_buttons(Wizard(session_id), state_name)
            finally:
                Wizard.delete(session_id)
            return {b['string'] for b in buttons}

        checked = 0
        for module in modules:
            po_path = os.path.join(
                ROOT, 'modules', module, 'locale', lang + '.po')
            for entry in polib.pofile(po_path):
                if not entry.msgstr or 'fuzzy' in entry.flags:
                    continue
                type_, name, res_id = entry.msgctxt.split(':', 2)
                if type_ == 'model' and res_id:
                    model, field = name.split(',')
                    record = pool.get(model)(
                        ModelData.get_id(module, res_id))
                    got = getattr(record, field)
                elif type_ == 'model':
                    got = IrModel.get_name(name.split(',')[0])
                elif type_ in {'field', 'help'}:
                    model, field = name.split(',')
                    definition = pool.get(model).fields_get([field])[field]
                    got = definition['string' if type_ == 'field' else 'help']
                elif type_ == 'selection':
                    model, field = name.split(',')
                    definition = pool.get(model).fields_get([field])[field]
                    values = {v for _, v in definition['selection']}
                    got = entry.msgstr if entry.msgstr in values else values
                elif type_ == 'view':
                    strings = view_strings(name)
                    got = entry.msgstr if entry.msgstr in strings else strings
                elif type_ == 'wizard_button':
                    wizard_name, state_name, _ = name.split(',')
                    strings = wizard_buttons(wizard_name, state_name)
                    got = entry.msgstr if entry.msgstr in strings else strings
                else:
                    print(f'not checked: {entry.msgctxt}')
                    continue
                checked += 1
                if got != entry.msgstr:
                    failures += 1
                    print(f'MISMATCH {entry.msgctxt}: '
                        f'{got!r} != {entry.msgstr!r}')
        print(f'{checked} strings read back in {lang!r}')
        for module, fs_id, model, field in [
                ('telco_base', 'msg_feature_disabled', 'ir.message', 'text'),
                ('telco_party', 'menu_customer', 'ir.ui.menu', 'name'),
                ('telco_base', 'group_platform_admin', 'res.group', 'name'),
                ('telco_dashboard', 'menu_statistics', 'ir.ui.menu', 'name'),
                ]:
            if module in modules:
                record = pool.get(model)(ModelData.get_id(module, fs_id))
                print(f'  {module}.{fs_id}: {getattr(record, field)!r}')
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('modules', nargs='*', default=MODULES)
    parser.add_argument('--lang', default='fr')
    parser.add_argument('--pot-dir',
        help="only write <module>.pot files there, no merge")
    parser.add_argument('--check', action='store_true',
        help="activate in a fresh database with the language loaded "
        "and compare the strings read back with the po files")
    parser.add_argument('--keep', action='store_true',
        help="keep the temporary databases")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix='telco-pot-')
    os.environ['TRYTOND_CONFIG'] = ''
    try:
        if args.check:
            failures = check(workdir, args.lang, args.modules)
            print(f'{failures} mismatch(es)')
            return 1 if failures else 0
        config_file, _ = make_database(workdir, 'pot', args.modules)
        exported = export(config_file, 'pot', args.lang, args.modules)
        status = 0
        for module, content in exported.items():
            pot = polib.pofile(content.decode('utf-8')) if content else []
            if args.pot_dir:
                path = os.path.join(args.pot_dir, module + '.pot')
                with open(path, 'wb') as fp:
                    fp.write(content)
                print(f'{module}: {len(pot)} strings -> {path}')
                continue
            po_path = os.path.join(
                ROOT, 'modules', module, 'locale', args.lang + '.po')
            total, todo, added, dropped = merge(pot, po_path)
            print(f'{module}: {total} strings, {added} new, {dropped} dropped,'
                f' {len(todo)} to translate -> {po_path}')
            for entry in todo:
                print(f'    {entry.msgctxt!r} {entry.msgid!r}'
                    + (' (fuzzy)' if 'fuzzy' in entry.flags else ''))
            if todo:
                status = 1
        return status
    finally:
        if args.keep:
            print(f'databases kept in {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
