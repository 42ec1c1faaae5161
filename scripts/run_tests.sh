#!/usr/bin/env bash
# Run the whole test suite of the Telco CRM on PostgreSQL (make test).
#
# The suites run in parallel, JOBS at a time (default: the number of
# cores), each on its own database, longest first:
#   - lint:                  ruff check (configured in pyproject.toml)
#   - browser:               the browser crawl of the demo (tests.test_browser)
#   - tests:                 the other cross-module tests (python -m unittest
#                            discover -s tests -t .)
#   - alone:                 each telco module activated alone, on SQLite
#                            (tests/modules_alone.py)
#   - brand:                 the brands and the phone-sized screens in the
#                            browser (tests.test_browser_brand)
#   - each module of modules/ with tests (discover -s modules/<m> -t modules)
# The modules' suites and the cross-module tests share one activated
# database, the platform, activated before the first of them starts (in a
# job's place: the browser crawl goes on beside it).
# A job's output is printed whole when it ends.
#
# Environment (all optional):
#   TRYTOND_DATABASE_URI  server to test on
#                         (default postgresql://postgres@127.0.0.1:5432/)
#   DB_CACHE              where activated databases are cached (default
#                         ~/.cache/telco-crm-tests/<hash of modules/ and
#                         trytond>, TELCO_TEST_CACHE to move the root)
#   VENV                  the virtualenv (default .venv)
#   JOBS                  suites run at once (default: nproc)
#   ONLY                  space-separated job names to run (e.g. "telco_base")
#
# Each run uses fresh database names (test_telco_<pid>_<job>) and drops them
# at the end.  The last line reads "N passed, M failed", summed over every
# job; the exit status is non-zero when anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

VENV=${VENV:-$ROOT/.venv}
PYTHON=$VENV/bin/python

export TRYTOND_DATABASE_URI=${TRYTOND_DATABASE_URI:-postgresql://postgres@127.0.0.1:5432/}
case "$TRYTOND_DATABASE_URI" in
    sqlite:*) export DB_NAME=:memory: ;;
    *) export DB_NAME=test_telco_$$ ;;
esac

# trytond keys its cache on module and set-up names only: key the directory
# on the content of modules/ and on the trytond packages too, so that any
# change builds the databases again.
if [ -z "${DB_CACHE:-}" ]; then
    key=$( {
            find modules -type f ! -name '*.pyc' ! -path '*/__pycache__/*' \
                -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
            "$PYTHON" -m pip freeze 2>/dev/null | grep -i '^trytond\|^proteus'
        } | sha256sum | cut -c1-16)
    # outside the checkout, so that a new clone of the same modules (CI)
    # finds the databases a previous run activated
    cache_root=${TELCO_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/telco-crm-tests}
    export DB_CACHE=$cache_root/$key
    mkdir -p "$DB_CACHE"
    touch "$DB_CACHE"
    # the caches of other versions of modules/: the three last used are
    # kept (other checkouts may be testing them)
    ls -1dt "$cache_root"/*/ 2>/dev/null | tail -n +4 | while read -r old; do
        rm -rf "$old"
    done
fi

dropped=0
drop_databases() {
    [ "$dropped" = 0 ] || return 0
    dropped=1
    case "$TRYTOND_DATABASE_URI" in
        postgresql:*) ;;
        *) return 0 ;;
    esac
    "$PYTHON" - "$TRYTOND_DATABASE_URI" "$DB_NAME" <<'PY' || true
import sys

import psycopg
from psycopg import sql

uri, name = sys.argv[1:]
try:
    conn = psycopg.connect(uri.rstrip('/') + '/postgres', autocommit=True)
except psycopg.Error as e:
    sys.exit(f'could not drop the test databases: {e}'.splitlines()[0])
with conn:
    names = [n for n, in conn.execute(
            "SELECT datname FROM pg_database "
            "WHERE datname = %s OR datname LIKE %s",
            (name, name.replace('_', r'\_') + r'\_%'))]
    for n in names:
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(
                sql.Identifier(n)))
        print(f'dropped test database {n}')
PY
}

LOG_DIR=$(mktemp -d)
trap 'drop_databases; rm -rf "$LOG_DIR"' EXIT

echo "database: $TRYTOND_DATABASE_URI$DB_NAME"
echo "cache:    $DB_CACHE"

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
BASE_DB=$DB_NAME
BASE_CACHE=$DB_CACHE
start=$(date +%s)

# name and command of each job, longest first (measured on 2 cores)
jobs_list=()
# the browser crawl builds and serves its own demo database: a job of its
# own beside the other cross-module tests (which share one cache)
[ -f tests/test_browser.py ] && jobs_list+=("browser|tests.test_browser -v")
[ -f tests/__init__.py ] && jobs_list+=(
    "tests|discover -s tests -t . -p test_[!b]*.py -v")
# each module alone, with the modules it declares only, on SQLite in memory
[ -f tests/modules_alone.py ] && jobs_list+=("alone|tests.modules_alone -v")
for m in telco_offers telco_billing telco_stock telco_base; do
    [ -d "modules/$m/tests" ] && jobs_list+=(
        "$m|discover -s modules/$m -t modules -v")
done
# the brands and the phone-sized screens in the browser, on a small
# database of their own
[ -f tests/test_browser_brand.py ] && jobs_list+=(
    "brand|tests.test_browser_brand -v")
for m in $(cd modules && ls -d telco_*/ | tr -d /); do
    [ -d "modules/$m/tests" ] || continue
    case " ${jobs_list[*]} " in *" $m|"*) continue ;; esac
    jobs_list+=("$m|discover -s modules/$m -t modules -v")
done

selected() {
    [ -z "${ONLY:-}" ] && return 0
    case " $ONLY " in *" $1 "*) return 0 ;; esac
    return 1
}

# The modules' suites and the cross-module tests run on one activated
# database, the platform (modules/telco_base/tests/platform.py), built once
# in this cache before the first of them starts; the browser jobs build
# their own databases in caches of their own.
PLATFORM_CACHE=$BASE_CACHE/platform
uses_platform() {
    case "$1" in lint|browser|brand|alone) return 1 ;; esac
    return 0
}

prepare_platform() {
    local t0 rc
    t0=$(date +%s)
    DB_NAME=${BASE_DB}_platform DB_CACHE=$PLATFORM_CACHE "$PYTHON" - \
        >"$LOG_DIR/platform.out" 2>&1 <<'PY'
from trytond.tests.test_tryton import activate_module, drop_db

from trytond.modules.telco_base.tests.platform import platform_modules

modules = platform_modules()
activate_module(modules)
drop_db()
print(f"platform: {', '.join(modules)}")
PY
    rc=$?
    echo "== platform ($(( $(date +%s) - t0 )) s, exit $rc)"
    cat "$LOG_DIR/platform.out"
    return $rc
}

run_job() {
    local name=$1 args=$2 t0 rc db cache uri
    t0=$(date +%s)
    if [ "$name" = lint ]; then
        "$VENV/bin/ruff" check . >"$LOG_DIR/lint.out" 2>&1
        rc=$?
    else
        uri=$TRYTOND_DATABASE_URI
        case "$uri" in
            sqlite:*) db=:memory: ;;
            *) db=${BASE_DB}_${name} ;;
        esac
        cache=$BASE_CACHE/$name
        uses_platform "$name" && cache=$PLATFORM_CACHE
        if [ "$name" = alone ]; then
            uri=sqlite://
            db=:memory:
        fi
        # the arguments are split on spaces, never globbed
        set -f
        # shellcheck disable=SC2086
        TRYTOND_DATABASE_URI=$uri DB_NAME=$db DB_CACHE=$cache \
            "$PYTHON" scripts/unittest_timed.py $args >"$LOG_DIR/$name.log" 2>&1
        rc=$?
    fi
    # the processor time of the job's processes (the second line of
    # `times`: the children of this subshell), to tell waiting from working
    times >"$LOG_DIR/$name.times"
    cpu=$(tail -n 1 "$LOG_DIR/$name.times" | awk '{
        n = split($1 " " $2, t, /[ms]/); s = 0
        for (i = 1; i < n; i += 2) s += t[i] * 60 + t[i + 1]
        printf "%d", s}')
    echo "$rc $(( $(date +%s) - t0 )) $cpu" >"$LOG_DIR/$name.rc"
}

running=()
finished() {
    local name=$1 rc secs cpu
    read -r rc secs cpu <"$LOG_DIR/$name.rc"
    echo
    echo "== $name (${secs} s, processor ${cpu} s, exit $rc)"
    if [ "$name" = lint ]; then
        cat "$LOG_DIR/lint.out"
    else
        cat "$LOG_DIR/$name.log"
    fi
    [ "$rc" -eq 0 ] || status=1
}

status=0
lint_failed=0
platform_failed=0
platform_ready=0
all=("lint|" "${jobs_list[@]}")
for job in "${all[@]}"; do
    name=${job%%|*}
    selected "$name" || continue
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n
    done
    if [ "$platform_ready" = 0 ] && uses_platform "$name"; then
        # in a job's place, while the other places go on with their jobs
        prepare_platform || platform_failed=1
        platform_ready=1
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
            wait -n
        done
    fi
    run_job "$name" "${job#*|}" &
    running+=("$name")
done
wait
for name in "${running[@]}"; do
    finished "$name"
done
if [ -f "$LOG_DIR/lint.rc" ]; then
    read -r rc _ <"$LOG_DIR/lint.rc"
    [ "$rc" -eq 0 ] || lint_failed=1
fi
echo
echo "suite time: $(( $(date +%s) - start )) s with $JOBS jobs"

# unittest closes with "Ran N tests in …" then "OK (skipped=K)" or
# "FAILED (failures=F, errors=E, skipped=K, …)"
summary=$("$PYTHON" - "$LOG_DIR"/*.log <<'PY'
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    text = open(path, encoding='utf-8', errors='replace').read()
    ran = list(re.finditer(r'^Ran (\d+) tests? in ', text, re.M))
    if not ran:
        # the runner itself broke: count it as one failure
        failed += 1
        continue
    total = int(ran[-1].group(1))
    tail = text[ran[-1].start():]
    tail = tail.replace('unexpected successes', 'unexpected_successes')
    tail = tail.replace('expected failures', 'expected_failures')
    counts = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', tail)}
    bad = (counts.get('failures', 0) + counts.get('errors', 0)
        + counts.get('unexpected_successes', 0))
    skip = counts.get('skipped', 0)
    # errors of set-up/tear-down of classes and modules are not in "Ran"
    fixtures = len(re.findall(
            r'^ERROR: (setUpClass|tearDownClass|setUpModule|tearDownModule)'
            r' \(', text, re.M))
    failed += bad
    skipped += skip
    passed += max(0, total - (bad - fixtures) - skip)
print(passed, failed, skipped)
PY
)
read -r passed failed skipped <<<"$summary"
drop_databases
# the platform's activation counts as one failure: the suites after it
# activated it each on their own
failed=$(( failed + lint_failed + platform_failed ))
if [ "$failed" -gt 0 ]; then
    status=1
fi
echo
echo "skipped: $skipped"
echo "$passed passed, $failed failed"
exit $status
