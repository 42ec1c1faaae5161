#!/usr/bin/env bash
# Install sao, Tryton's web client, from the npm registry (make sao).
#
#   scripts/install_sao.sh [DIR [VERSION]]     (default .venv/sao, ~8.0)
#
# npm puts the package in DIR/node_modules/tryton-sao and its dependencies
# beside it in DIR/node_modules, while sao's index.html loads them from
# "node_modules/..." next to itself.  DIR/www is the web root that gathers
# both (relative symbolic links) with the project's customisation of the
# client (web/custom.js, web/custom.css): point trytond's [web] root at it.
#
# npm runs once per VERSION (a stamp file in DIR); the web root is assembled
# again on every call.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/.venv/sao}
VERSION=${2:-~8.0}
stamp=$DIR/.stamp-sao-$VERSION
pkg=$DIR/node_modules/tryton-sao

if [ ! -f "$stamp" ] || [ ! -f "$pkg/index.html" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        cat >&2 <<'TXT'
npm is missing: sao, the Tryton web client, is installed from the npm
registry.  On Debian:   sudo apt-get install nodejs npm
TXT
        exit 1
    fi
    mkdir -p "$DIR"
    echo "installing tryton-sao@$VERSION into $DIR"
    npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error \
        "tryton-sao@$VERSION"
    rm -f "$DIR"/.stamp-sao-*
    touch "$stamp"
fi

www=$DIR/www
rm -rf "$www"
mkdir -p "$www"
for entry in index.html dist images locale sounds; do
    if [ -e "$pkg/$entry" ]; then
        ln -s "../node_modules/tryton-sao/$entry" "$www/$entry"
    fi
done
ln -s ../node_modules "$www/node_modules"
# index.html loads custom.js and custom.css for site customisation
for custom in custom.js custom.css; do
    if [ -f "$ROOT/web/$custom" ]; then
        ln -s "$ROOT/web/$custom" "$www/$custom"
    else
        : > "$www/$custom"
    fi
done

# every file index.html refers to must be there
missing=0
for ref in $(grep -oE '(src|href)="[^"#:]+"' "$pkg/index.html" \
        | sed -E 's/^(src|href)="(.*)"$/\2/'); do
    case "$ref" in
        README.md) continue ;;
    esac
    if [ ! -e "$www/$ref" ]; then
        echo "missing: $www/$ref" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1

version=$(sed -nE 's/^ *"version": *"([^"]+)".*/\1/p' "$pkg/package.json" \
    | head -n1)
echo "sao $version ready: [web] root = $(cd "$www" && pwd)"
