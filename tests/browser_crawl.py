# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The crawler of tests/test_browser.py: drives sao, Tryton's web client, in
a real Chromium through Selenium.

A script installed in every page before sao's own records what the client
cannot hide from a user: uncaught errors (window.onerror, unhandled
rejections, exceptions swallowed by jQuery's Deferred), console.error,
JSON-RPC answers that carry an error, HTTP errors, and the requests and
"processing" indicators still open.  The crawler waits on that state, never
on fixed sleeps."""
import fnmatch
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field

from selenium.common.exceptions import (
    JavascriptException, TimeoutException, WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

# how long a screen may stay "processing" (requests or sao's indicator
# open) before it counts as hung
PROCESSING_BOUND = 20
# how long nothing must happen for a screen to count as drawn (seconds)
QUIET = 0.02
# seconds a screenshot for the README waits for animations to end
SHOT_SETTLE = 1.5

# Visible texts that equal an English source string without being English:
# each with its reason.  (A text whose French translation, in the
# translation files, is the English text itself is accepted without being
# listed here: the translator said it is the same word in French.)
SAME_IN_FRENCH = {
    'Payer': "the French of the point of sale's Pay button, which is also "
    "the English of the payer (who pays) of the telco modules",
    }

# sao asks for the browser's language with its region (locale/fr_FR.json)
# and falls back to the language (locale/fr.json): the first request failing
# is how it goes
SAO_LOCALE_FALLBACK = re.compile(r'/locale/[a-z]+_[A-Za-z0-9]+\.json ')

# Sao's own JavaScript that runs before the page's scripts (CDP
# Page.addScriptToEvaluateOnNewDocument).
COLLECTOR_JS = r"""
(function() {
    if (window.__crawl) {
        return;
    }
    const C = window.__crawl = {
        errors: [], views: [], keywords: [], pending: new Map(),
        processing: new Set(), seq: 0};
    const record = (kind, text) => {
        C.errors.push({kind: kind, text: String(text).slice(0, 4000)});
    };
    window.addEventListener('error', (e) => {
        const target = e.target;
        if (target && target !== window && target.tagName) {
            // an image, script or style sheet that did not load; sao
            // creates its icons empty and fills them in later
            const url = target.getAttribute('src') ||
                target.getAttribute('href');
            if (url) {
                record('resource error',
                    `${target.tagName.toLowerCase()} ${url}`);
            }
            return;
        }
        let where = e.filename ? ` (${e.filename}:${e.lineno})` : '';
        let stack = e.error && e.error.stack ? '\n' + e.error.stack : '';
        record('uncaught error', (e.message || e.type) + where + stack);
    }, true);
    window.addEventListener('unhandledrejection', (e) => {
        let r = e.reason;
        record('unhandled rejection', r && r.stack ? r.stack : r);
    });
    const console_error = console.error;
    console.error = function() {
        record('console.error', Array.from(arguments).map(
            (a) => (a && a.stack) ? a.stack : String(a)).join(' '));
        return console_error.apply(this, arguments);
    };
    // short timers: sao and jQuery chain their work through them
    C.timers = new Set();
    const SHORT_DELAY = 5;
    const set_timeout = window.setTimeout;
    const clear_timeout = window.clearTimeout;
    window.__crawl_set_timeout = set_timeout;
    window.setTimeout = function(func, delay) {
        const args = Array.from(arguments);
        if (typeof func != 'function' || (delay || 0) > 1000) {
            return set_timeout.apply(this, args);
        }
        // the crawl waits for every short timer before it looks: sao's
        // UI delays (the 250 ms debounce of a list's selection count, the
        // 300 ms of typed input, the processing indicator's delay) run at
        // once, in the same order, instead of adding up on every screen
        args[1] = Math.min(delay || 0, SHORT_DELAY);
        let id = null;
        args[0] = function() {
            C.timers.delete(id);
            return func.apply(this, arguments);
        };
        id = set_timeout.apply(this, args);
        C.timers.add(id);
        return id;
    };
    window.clearTimeout = function(id) {
        C.timers.delete(id);
        return clear_timeout.apply(this, arguments);
    };
    const is_bus = (url) => /\/bus(\?|$)/.test(url);
    const open = XMLHttpRequest.prototype.open;
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.open = function(method, url) {
        this.__crawl_url = String(url);
        return open.apply(this, arguments);
    };
    const SAO_LOCALE_FALLBACK = /(^|\/)locale\/[a-z]+_[A-Za-z0-9]+\.json$/;
    XMLHttpRequest.prototype.send = function(body) {
        const url = this.__crawl_url || '';
        if (is_bus(url)) {
            return send.apply(this, arguments);
        }
        let request = null;
        try {
            request = typeof body == 'string' ? JSON.parse(body) : null;
        } catch (e) {
            request = null;
        }
        const method = (request && request.method) || url;
        const id = ++C.seq;
        C.pending.set(id, method);
        this.addEventListener('loadend', () => {
            C.pending.delete(id);
            if (this.status >= 400 && SAO_LOCALE_FALLBACK.test(url)) {
                // sao asks for the browser's language with its region
                // (fr_FR) and, when missing, for the language (fr)
                return;
            }
            if (this.status == 0 || this.status >= 400) {
                record('HTTP error',
                    `${method}: HTTP ${this.status} ${this.statusText}`);
                return;
            }
            let data = null;
            try {
                data = JSON.parse(this.responseText);
            } catch (e) {
                return;
            }
            if (!data || typeof data != 'object') {
                return;
            }
            if (data.error && data.error[0] == 'LoginException') {
                // the server asks for the password: how a login goes
                return;
            }
            if (data.error) {
                record('RPC error', `${method}: ` +
                    JSON.stringify(data.error).slice(0, 3000));
                return;
            }
            const result = data.result;
            if (/\.fields_view_get$/.test(method) && result) {
                C.views.push([result.model, result.view_id, result.type]);
            } else if (/^wizard\..*\.execute$/.test(method) && result &&
                    result.view) {
                let fv = result.view.fields_view;
                C.views.push([fv.model, fv.view_id, fv.type]);
            } else if (method == 'model.ir.action.keyword.get_keyword') {
                C.keywords.push(request.params.slice(0, 2));
            }
        });
        return send.apply(this, arguments);
    };
    const fetch_ = window.fetch;
    window.fetch = function(resource) {
        const url = String(resource && resource.url || resource);
        const id = ++C.seq;
        C.pending.set(id, url);
        return fetch_.apply(this, arguments).then((response) => {
            C.pending.delete(id);
            if (!response.ok) {
                record('HTTP error', `${url}: HTTP ${response.status}`);
            }
            return response;
        }, (error) => {
            C.pending.delete(id);
            record('HTTP error', `${url}: ${error}`);
            throw error;
        });
    };
    document.addEventListener('DOMContentLoaded', () => {
        if (window.jQuery) {
            // jQuery turns exceptions in then() callbacks into rejections
            // and only warns about them
            const hook = jQuery.Deferred.exceptionHook;
            jQuery.Deferred.exceptionHook = function(error, stack) {
                const names =
                    /^(Eval|Internal|Range|Reference|Syntax|Type|URI)Error$/;
                if (error && names.test(error.name)) {
                    record('uncaught error',
                        error.stack || (error.name + ': ' + error.message));
                }
                if (hook) {
                    return hook.apply(this, arguments);
                }
            };
        }
        if (window.Sao && Sao.common && Sao.common.processing) {
            const processing = Sao.common.processing;
            const show = processing.show, hide = processing.hide;
            processing.show = function() {
                const id = show.apply(this, arguments);
                C.processing.add(id);
                return id;
            };
            processing.hide = function(id) {
                C.processing.delete(id);
                return hide.apply(this, arguments);
            };
        }
    });
})();
"""

# helpers called by the crawler, defined in the page once sao is loaded
HELPERS_JS = r"""
if (!window.__crawlh) {
    const own_text = (el) => Array.from(el.childNodes)
        .filter((n) => n.nodeType == 3).map((n) => n.textContent)
        .join('').replace(/\s+/g, ' ').trim();
    const full_text = (el) => jQuery(el).text().replace(/\s+/g, ' ').trim();
    window.__crawlh = {
        state: function() {
            const C = window.__crawl;
            // bootstrap's dialogs fade in and out
            const moving = jQuery('.modal').filter(function() {
                const shown = Boolean(
                    (jQuery(this).data('bs.modal') || {}).isShown);
                const seen = jQuery(this).is(':visible') &&
                    jQuery(this).hasClass('in');
                return shown != seen;
            }).length;
            return {
                pending: Array.from(C.pending.values()),
                processing: C.processing.size,
                timers: C.timers.size,
                moving: moving,
                seq: C.seq,
            };
        },
        // calls back once nothing has happened for quiet ms (no request,
        // no processing indicator, no short timer, no dialog moving), or
        // with the state after bound ms
        wait_idle: function(quiet, bound, callback) {
            const start = Date.now();
            let since = null, seq = null;
            const tick = () => {
                const s = this.state();
                const now = Date.now();
                if (!s.pending.length && !s.processing && !s.timers &&
                    !s.moving && s.seq === seq) {
                    if (since === null) {
                        since = now;
                    }
                    if (now - since >= quiet) {
                        callback(null);
                        return;
                    }
                } else {
                    since = null;
                }
                seq = s.seq;
                if (now - start > bound) {
                    callback(s);
                    return;
                }
                window.__crawl_set_timeout(tick, 10);
            };
            tick();
        },
        take: function() {
            const C = window.__crawl;
            const out = {errors: C.errors, views: C.views,
                keywords: C.keywords};
            C.errors = [];
            C.views = [];
            C.keywords = [];
            return out;
        },
        // what check() looks at, in one call
        snapshot: function(english) {
            const out = this.take();
            out.modals = this.modals();
            out.texts = english ? this.texts() : [];
            return out;
        },
        modals: function() {
            return jQuery('.modal:visible').map(function() {
                const m = jQuery(this);
                return {
                    'class': this.className,
                    title: full_text(
                        m.find('.modal-title, .modal-header').first()),
                    text: full_text(m.find('.modal-body')).slice(0, 2000),
                };
            }).get();
        },
        // the container the user looks at: the topmost dialog or the tab
        container: function() {
            const modal = jQuery('.modal:visible').last();
            if (modal.length) {
                return modal;
            }
            const tab = Sao.Tab.tabs.get_current();
            return tab ? tab.el : jQuery('#menu');
        },
        texts: function() {
            const root = this.container();
            const out = [];
            const add = (kind, text) => {
                if (text && /[A-Za-z]/.test(text)) {
                    out.push([kind, text]);
                }
            };
            root.find('label').filter(':visible').each(function() {
                add('label', full_text(this));
            });
            root.find('th').filter(':visible').each(function() {
                add('column', full_text(this));
            });
            root.find('.nav-tabs > li > a').filter(':visible').each(
                function() {
                    add('tab', own_text(this) || full_text(this));
                });
            root.find('button, .btn').filter(':visible').each(function() {
                add('button', full_text(this));
            });
            root.find('.modal-title, .model-title, legend').filter(':visible')
                .each(function() {
                    add('title', full_text(this));
                });
            root.find('select').filter(':visible').each(function() {
                const option = jQuery(this).find('option:selected');
                if (option.length) {
                    add('selection', full_text(option[0]));
                }
            });
            const tab = Sao.Tab.tabs.get_current();
            if (!jQuery('.modal:visible').length && tab) {
                add('tab title', tab.name_long.split(' / ').pop());
                const view = tab.screen && tab.screen.current_view;
                if (view && view.view_type == 'tree' && view.columns) {
                    for (const column of view.columns) {
                        if (!(column instanceof Sao.View.Tree.SelectionColumn)
                            || !column.header) {
                            continue;
                        }
                        const id = column.header.attr('id');
                        view.el.find(`td[headers="${id}"]`).slice(0, 20)
                            .each(function() {
                                add('selection', full_text(this));
                            });
                    }
                }
            }
            return out;
        },
        // expands the folders of the menu whose children are loaded;
        // tells how many rows were expanded and how many still load
        expand_menu: function() {
            const view = Sao.main_menu_screen.current_view;
            const field = view.children_field;
            const out = {expanded: 0, loading: 0};
            const walk = (rows) => {
                for (const row of rows) {
                    if (!row.record.is_loaded(field)) {
                        out.loading += 1;
                        continue;
                    }
                    const n = row.record.field_get_client(field).length;
                    if (n && !row.is_expanded()) {
                        row.expand_row();
                        out.expanded += 1;
                    } else if (n && row.rows.length < n) {
                        out.loading += 1;
                    }
                    walk(row.rows);
                }
            };
            walk(view.rows);
            return out;
        },
        menu_rows: function() {
            const view = Sao.main_menu_screen.current_view;
            const out = [];
            const walk = (rows, path) => {
                for (const row of rows) {
                    const name = row.record.field_get_client('name');
                    const p = path.concat([name]);
                    out.push({
                        id: row.record.id, path: p,
                        text: full_text(row.el[0]),
                        folder: row.rows.length > 0,
                    });
                    walk(row.rows, p);
                }
            };
            walk(view.rows, []);
            return out;
        },
        rpc: function(method, params, callback) {
            Sao.rpc({method: method, params: params},
                Sao.Session.current_session, true, false).then(
                (result) => callback({result: result}),
                (error) => callback({error: String(error)}));
        },
        close_tabs: function() {
            for (const tab of Sao.Tab.tabs) {
                tab._close_allowed = () => jQuery.when();
            }
            return Sao.Tab.tabs.close(false);
        },
        describe: function() {
            const tab = Sao.Tab.tabs.get_current();
            const wizard = jQuery('.wizard-dialog:visible').length > 0;
            if (!tab) {
                return {kind: wizard ? 'wizard' : null};
            }
            const out = {kind: wizard ? 'wizard' : 'tab'};
            if (tab instanceof Sao.Tab.Form) {
                const screen = tab.screen;
                out.tab = 'form';
                out.model = screen.model_name;
                out.view_type = screen.current_view.view_type;
                out.records = screen.group.length;
                out.editable = Boolean(screen.current_view.editable);
                out.domain_tabs = screen.screen_container.tab ?
                    screen.screen_container.tab.find('li > a').map(
                        function() { return own_text(this); }).get() : [];
                out.domain_tab = screen.screen_container.get_tab_index();
                out.create = Boolean(
                    Sao.common.MODELACCESS.get(screen.model_name).create) &&
                    !screen.readonly &&
                    !(tab.buttons.new_ && tab.buttons.new_.prop('disabled'));
                out.rec_name = screen.current_record ?
                    (screen.current_record._values.rec_name || '') : '';
            } else if (tab instanceof Sao.Tab.Wizard) {
                out.tab = 'wizard';
            } else {
                out.tab = 'board';
            }
            return out;
        },
        click_domain_tab: function(index) {
            const tab = Sao.Tab.tabs.get_current();
            tab.screen.screen_container.tab.find('li > a').eq(index).click();
        },
        open_first: function() {
            const tab = Sao.Tab.tabs.get_current();
            const screen = tab.screen;
            const view = screen.current_view;
            if (!view.rows || !view.rows.length) {
                return false;
            }
            const row = view.rows[0];
            if (!view.editable) {
                // what a double click on the row does
                row.el.find('td').not('.selection-state, .optional')
                    .first().trigger('dblclick');
            } else {
                screen.current_record = row.record;
                tab.switch_();
            }
            return true;
        },
        // the notebook pages of the form on top, by position
        pages: function() {
            const root = this.container();
            return root.find('.form-notebook > .nav-tabs > li')
                .filter(':visible').map(function() {
                    const a = jQuery(this).children('a');
                    return {id: a.attr('href'), text: own_text(a[0])};
                }).get();
        },
        click_page: function(href) {
            const a = this.container().find(
                `.form-notebook > .nav-tabs > li > a[href="${href}"]`);
            a.click();
            return a.length;
        },
        // the actions offered by sao's "Select your action" dialog
        choices: function() {
            return jQuery('.selection-dialog').filter(':visible')
                .find('.radio label').map(function() {
                    return full_text(this);
                }).get();
        },
        choose: function(index) {
            const dialog = jQuery('.selection-dialog').filter(':visible');
            dialog.find('input[type=radio]').eq(index).prop('checked', true);
            dialog.find('.modal-footer .btn-primary').click();
        },
        new_record: function() {
            Sao.Tab.tabs.get_current().new_();
        },
        // ends a wizard as its end button (or Escape) would
        cancel_wizard: function() {
            const dialog = jQuery('.wizard-dialog:visible').last();
            let root = dialog;
            if (!dialog.length) {
                const tab = Sao.Tab.tabs.get_current();
                root = tab ? tab.el : jQuery();
            }
            const end = root.find('.modal-footer .btn-link:visible').first();
            if (end.length) {
                end.click();
                return 'button';
            }
            if (dialog.length) {
                const event = jQuery.Event('keydown');
                event.which = 27;
                dialog.trigger(event);
                return 'escape';
            }
            return null;
        },
        // closes whatever dialog is left open (warnings, errors...)
        dismiss: function() {
            const modal = jQuery('.modal:visible').not('.wizard-dialog')
                .last();
            if (!modal.length) {
                return false;
            }
            const buttons = modal.find('.modal-footer button:visible');
            const cancel = buttons.filter('.btn-link, .btn-default');
            (cancel.length ? cancel : buttons).last().click();
            return true;
        },
    };
}
"""


def norm(text):
    "A visible text as compared with the source strings"
    text = re.sub(r'\s+', ' ', text or '').strip()
    text = text.rstrip(':').strip().rstrip('*').strip()
    return text


@dataclass
class Failure:
    role: str
    where: str
    kind: str
    detail: str
    files: list = field(default_factory=list)

    def __str__(self):
        files = f" [{', '.join(self.files)}]" if self.files else ''
        return f"{self.role}: {self.where}: {self.kind}: {self.detail}{files}"


class Crawler:
    "One browser that logs in as each role in turn"

    def __init__(self, driver, url, out_dir, same_in_french=None,
            shots=None, shot_dir=None):
        self.driver = driver
        # the screens to photograph: [(role, pattern of the screen's
        # place, file name)], written to shot_dir the first time met
        self.shots = list(shots or []) if shot_dir else []
        self.shot_dir = shot_dir
        self.taken = []
        # the places of the screens looked at, by role
        self.visited = {}
        self.url = url
        # tells whether a text is translated into French as itself
        self.same_in_french = same_in_french or (lambda text: False)
        # the allowed texts that were met (the others need no entry)
        self.allowed = set()
        self.out_dir = out_dir
        self.driver.execute_cdp_cmd(
            'Page.addScriptToEvaluateOnNewDocument', {'source': COLLECTOR_JS})
        # English source strings of the views seen so far, and of the
        # selection values, keyed by view
        self._view_strings = {}
        self.english = set()
        self.english_selection = set()
        self._keywords = set()
        self.role = None
        # False: each entry's first screen and first record only (see
        # test_browser.py for who is crawled so)
        self.deep = True
        self.failures = []
        self.screens = 0
        self._shot = 0
        # the last lines of the browser's console, kept with failures
        self._console = deque(maxlen=60)

    # -- page state -----------------------------------------------------
    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def h(self, name, *args):
        return self.js(f'return window.__crawlh.{name}(...arguments);', *args)

    def h_async(self, name, *args):
        return self.driver.execute_async_script(
            f'window.__crawlh.{name}(...arguments);', *args)

    def rpc(self, method, params):
        answer = self.h_async('rpc', method, params)
        if 'error' in answer:
            raise RuntimeError(f'{method}: {answer["error"]}')
        return answer['result']

    def wait_idle(self, where, bound=PROCESSING_BOUND):
        """Wait until no request is open and sao's processing indicator is
        off, twice in a row; report a hang after bound seconds"""
        state = self.h_async('wait_idle', QUIET * 1000, bound * 1000)
        if state is None:
            return True
        detail = (f"still processing after {bound} s "
            f"(open requests: {state['pending'] or 'none'}; "
            f"processing indicators: {state['processing']}; "
            f"short timers: {state['timers']})")
        self.fail(where, 'processing', detail)
        return False

    # -- failures -------------------------------------------------------
    def fail(self, where, kind, detail):
        self.failures.append(Failure(self.role, where, kind, detail))

    def check(self, where, english=True, screen=True):
        "Record the failures of the screen the user looks at"
        self.screens += screen
        if screen:
            self.visited.setdefault(self.role, []).append(where)
        before = len(self.failures)
        taken = self.h('snapshot', english)
        for error in taken['errors']:
            self.fail(where, error['kind'], error['text'])
        for entry in self._browser_log():
            self.fail(where, 'browser console', entry)
        for model, view_id, view_type in taken['views']:
            self._learn_view(model, view_id, view_type)
        for keyword in taken['keywords']:
            self._learn_keyword(keyword)
        for modal in taken['modals']:
            if {'wizard-dialog', 'selection-dialog'} & set(
                    modal['class'].split()):
                continue
            self.fail(where, 'dialog',
                f"{modal['title']}: {modal['text']}".strip(': '))
        if english:
            self._check_english(where, taken['texts'])
        new = self.failures[before:]
        if new:
            self._keep(where, new)
        elif screen:
            self._photograph(where)
        return not new

    def _photograph(self, where):
        "The screenshot of the screen, when it is one of the shots asked"
        for shot in self.shots:
            role, pattern, name = shot
            if role == self.role and fnmatch.fnmatchcase(where, pattern):
                self.shots.remove(shot)
                os.makedirs(self.shot_dir, exist_ok=True)
                path = os.path.join(self.shot_dir, name)
                # charts draw their bars in an animation that no request
                # nor timer of the crawl's idleness sees: only shots wait
                time.sleep(SHOT_SETTLE)
                self.driver.save_screenshot(path)
                self.taken.append((role, where, path))
                return

    def _browser_log(self):
        "The console's errors since the last call"
        out = []
        try:
            entries = self.driver.get_log('browser')
        except WebDriverException:
            return out
        for entry in entries:
            self._console.append(f"{entry['level']} {entry['message']}")
            if (entry['level'] == 'SEVERE'
                    and not SAO_LOCALE_FALLBACK.search(entry['message'])):
                out.append(entry['message'])
        return out

    def _keep(self, where, failures):
        "Keep a screenshot and the log of the failures"
        self._shot += 1
        os.makedirs(self.out_dir, exist_ok=True)
        slug = re.sub(r'[^A-Za-z0-9]+', '-', where).strip('-')[:80]
        base = os.path.join(
            self.out_dir, f'{self.role}-{self._shot:03d}-{slug}')
        try:
            self.driver.save_screenshot(base + '.png')
        except WebDriverException:
            pass
        with open(base + '.log', 'w', encoding='utf-8') as log:
            log.write(f'role: {self.role}\nwhere: {where}\n'
                f'url: {self.driver.current_url}\n\n')
            for failure in failures:
                log.write(f'{failure.kind}: {failure.detail}\n\n')
            log.write('last lines of the browser console:\n')
            log.writelines(f'{line}\n' for line in self._console)
        for failure in failures:
            failure.files.append(os.path.relpath(base + '.png'))

    # -- English strings ------------------------------------------------
    def _learn_view(self, model, view_id, view_type):
        key = (model, view_id, view_type)
        if key in self._view_strings:
            return
        try:
            view = self.rpc(f'model.{model}.fields_view_get',
                [view_id, view_type, {'language': 'en'}])
        except RuntimeError:
            # wizard state models without fields_view_get over RPC
            self._view_strings[key] = set()
            return
        strings = set()
        selection = set()
        for description in view.get('fields', {}).values():
            if description.get('string'):
                strings.add(norm(description['string']))
            if isinstance(description.get('selection'), list):
                for value, label in description['selection']:
                    # identifiers shown as they are (time zones...)
                    if label and label != value:
                        selection.add(norm(label))
        try:
            arch = ET.fromstring(view['arch'])
        except ET.ParseError:
            arch = None
        if arch is not None:
            for node in arch.iter():
                for attribute in ('string', 'sum'):
                    if node.get(attribute):
                        strings.add(norm(node.get(attribute)))
        self._view_strings[key] = strings
        self.english |= strings
        self.english_selection |= selection

    def _learn_keyword(self, keyword):
        key = json.dumps(keyword)
        if key in self._keywords:
            return
        self._keywords.add(key)
        try:
            actions = self.rpc('model.ir.action.keyword.get_keyword',
                keyword + [{'language': 'en'}])
        except RuntimeError:
            return
        for action in actions:
            self.english.add(norm(action['name'].split(' / ')[-1]))
            for domain in action.get('domains') or []:
                self.english.add(norm(domain[0]))

    def _check_english(self, where, texts):
        seen = set()
        for kind, text in texts:
            text = norm(text)
            if (kind, text) in seen:
                continue
            seen.add((kind, text))
            if kind == 'selection':
                english = text in self.english_selection
            else:
                english = text in self.english
            if english and not self._french_too(text):
                self.fail(where, 'English on a French screen',
                    f'{kind} "{text}"')

    def _french_too(self, text):
        "Whether an English source text is also the French one"
        if text in SAME_IN_FRENCH:
            self.allowed.add(text)
            return True
        return self.same_in_french(text)

    # -- session --------------------------------------------------------
    def login(self, login, password):
        self.role = login
        driver = self.driver
        driver.get(self.url)
        wait = WebDriverWait(driver, PROCESSING_BOUND)
        field = wait.until(EC.visibility_of_element_located((By.ID, 'login')))
        self.js(HELPERS_JS)
        field.clear()
        field.send_keys(login + Keys.ENTER)
        password_field = wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.modal input[type=password]')))
        password_field.send_keys(password + Keys.ENTER)
        try:
            wait.until(lambda d: d.execute_script(
                    "return Boolean(Sao.main_menu_screen && "
                    "Sao.main_menu_screen.current_view && "
                    "jQuery('#menu tr').length)"))
        except TimeoutException:
            self.fail('login', 'login', 'the menu did not appear')
            self._keep('login', self.failures[-1:])
            return False
        self.wait_idle('login')
        return True

    def logout(self):
        try:
            self.wait_idle('logout', bound=5)
            self.js('window.__crawlh.close_tabs(); Sao.logout();')
            WebDriverWait(self.driver, PROCESSING_BOUND).until(
                EC.visibility_of_element_located((By.ID, 'login')))
        finally:
            self.js('localStorage.clear(); sessionStorage.clear();')

    def language(self):
        return self.js('return Sao.i18n.getLocale();')

    # -- menu -----------------------------------------------------------
    def menu(self):
        "Every entry of the menu tree as the user sees it expanded"
        end = time.monotonic() + PROCESSING_BOUND
        while True:
            state = self.h('expand_menu')
            if not state['expanded'] and not state['loading']:
                break
            if time.monotonic() > end:
                self.fail('menu', 'processing',
                    f'menu folders still loading after {PROCESSING_BOUND} s')
                break
            self.wait_idle('menu')
        rows = self.h('menu_rows')
        ids = [r['id'] for r in rows]
        english = {m['id']: m for m in self.rpc('model.ir.ui.menu.read',
                [ids, ['name', 'action'], {'language': 'en'}])}
        for row in rows:
            info = english.get(row['id'], {})
            row['action'] = info.get('action')
            name = norm(row['path'][-1])
            if (name == norm(info.get('name')) and re.search('[A-Za-z]', name)
                    and not self._french_too(name)):
                self.fail(' / '.join(row['path']),
                    'English on a French screen', f'menu "{name}"')
        self.check('menu', english=False)
        return rows

    # -- screens --------------------------------------------------------
    def open_entry(self, row):
        """Open a menu entry as a click on it does and crawl what it opens;
        returns the number of screens looked at"""
        where = ' / '.join(row['path'])
        start = self.screens
        kind = (row['action'] or ',').split(',')[0]
        if kind in {'', 'ir.action.report', 'ir.action.url'}:
            # folders, and what opens no screen (a download, a web page)
            return 0
        self._activate(row)
        self.wait_idle(where)
        choices = self.h('choices')
        if not choices:
            self._opened(where, row)
        else:
            # several actions on one entry (as sale's reporting): sao asks
            # which one; each is opened in turn
            self.check(where + ' (choice)')
            for index, name in enumerate(choices):
                if index:
                    self._activate(row)
                    self.wait_idle(where)
                self.h('choose', index)
                self.wait_idle(f'{where} > {name}')
                self._opened(f'{where} > {name}', row)
        return self.screens - start

    def _activate(self, row):
        self.h('take')
        self.js("Sao.Action.exec_keyword('tree_open', "
            "{model: 'ir.ui.menu', id: arguments[0]}, null, false);",
            row['id'])

    def _opened(self, where, row):
        "Crawl what the action opened, then close it"
        described = self.h('describe')
        if described['kind'] == 'wizard' or described.get('tab') == 'wizard':
            self.check(where + ' (wizard)')
            self._pages(where + ' (wizard)')
            self.h('cancel_wizard')
            self.wait_idle(where + ' (wizard cancelled)')
            self.check(where + ' (wizard cancelled)', english=False,
                screen=False)
        elif described.get('tab') == 'form':
            if described['view_type'] == 'tree':
                self._list(where, described)
            elif described['view_type'] == 'form':
                self.check(where + ' (form)')
                if self.deep:
                    self._pages(where + ' (form)')
            else:
                self.check(f"{where} ({described['view_type']})")
        elif described.get('tab') == 'board':
            self.check(where + ' (board)')
        else:
            self.check(where)
            self.fail(where, 'nothing opened',
                f'action {row["action"]} opened no tab nor dialog')
            self._keep(where, self.failures[-1:])
        self._clean(where)

    def _list(self, where, described):
        self.check(where + ' (list)')
        if not self.deep:
            if described['records'] and self.h('open_first'):
                self.wait_idle(where + ' (first record)')
                form = self.h('describe')
                name = form.get('rec_name') or 'first record'
                self.check(f'{where} ({name})')
            return
        counts = {described['domain_tab']: described['records']}
        for index, name in enumerate(described['domain_tabs']):
            if index == described['domain_tab']:
                continue
            self.h('click_domain_tab', index)
            self.wait_idle(f'{where} [{name}]')
            self.check(f'{where} [{name}]')
            counts[index] = self.h('describe')['records']
        with_records = [i for i in sorted(counts) if counts[i]]
        if not with_records:
            # no record to open: the form and its pages on a new one
            if described.get('create') and not described.get('editable'):
                self.h('new_record')
                self.wait_idle(where + ' (new)')
                if self.h('describe').get('view_type') == 'form':
                    self.check(where + ' (new)')
                    self._pages(where + ' (new)')
            return
        if described['domain_tabs']:
            current = self.h('describe')['domain_tab']
            if current != with_records[0]:
                self.h('click_domain_tab', with_records[0])
                self.wait_idle(where)
                self.h('take')
        if not self.h('open_first'):
            return
        self.wait_idle(where + ' (first record)')
        form = self.h('describe')
        if form.get('view_type') != 'form':
            self.check(where + ' (first record)')
            return
        name = form.get('rec_name') or 'first record'
        self.check(f'{where} ({name})')
        self._pages(f'{where} ({name})')
        if form.get('create'):
            # the new record's defaults and on_change calls are checked
            # when it opens; its pages show the views the first record's
            # pages showed, empty, without asking the server anything more
            self.h('new_record')
            self.wait_idle(where + ' (new)')
            self.check(where + ' (new)')

    def _pages(self, where):
        "Visit each notebook page, nested ones included"
        done = set()
        for _ in range(50):
            pages = [p for p in self.h('pages') if p['id'] not in done]
            if not pages:
                break
            page = pages[0]
            done.add(page['id'])
            if not self.h('click_page', page['id']):
                continue
            here = f"{where} [{page['text']}]"
            self.wait_idle(here)
            self.check(here)

    def _clean(self, where):
        "Close what the entry opened, reporting dialogs left open"
        for _ in range(5):
            if self.h('dismiss'):
                self.wait_idle(where)
                continue
            if self.js("return jQuery('.wizard-dialog:visible').length"):
                self.h('cancel_wizard')
                self.wait_idle(where)
                continue
            break
        try:
            self.js('window.__crawlh.close_tabs();')
        except JavascriptException as e:
            self.fail(where, 'close', str(e))
        self.wait_idle(where + ' (closed)')
        self.h('take')
        self._browser_log()
