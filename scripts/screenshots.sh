#!/usr/bin/env bash
# Screenshots of a few pages of a built site in headless Chromium, at desktop and phone widths,
# so anyone can look at the result (Chinese glyphs, tables on a narrow screen).
# Usage: scripts/screenshots.sh [SITE_DIR] [OUT_DIR]   (defaults: Output, screenshots)
# Installs Debian's chromium and fonts-wqy-microhei with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
site="${1:-Output}"
out="${2:-screenshots}"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  echo "screenshots: installing chromium and fonts-wqy-microhei" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  browser=$(command -v chromium || command -v chromium-browser)
fi
if [ ! -f "$site/index.html" ]; then
  echo "screenshots: $site has no index.html; building the sample corpus into it" >&2
  swift run gongkai build --output "$site"
fi
mkdir -p "$out"
# Serve the site over HTTP (links are absolute paths from the base URL, so file:// would not do).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done

first() { find "$site/$1" -mindepth 2 -maxdepth 2 -name index.html 2>/dev/null | sort | head -1 | sed "s#^$site/##; s#index.html\$##"; }
# A report page with blank cells if there is one (to see blank vs 0), else the first.
report=$(grep -l 'class="n blank"' "$site"/reports/*/index.html 2>/dev/null | sort | head -1 | sed "s#^$site/##; s#index.html\$##" || true)
[ -n "$report" ] || report=$(first reports)
agency=$(first agencies)
year=$(ls -1 "$site/years" | grep -E '^[0-9]{4}$' | sort | tail -1)

shot() { # name url width height
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$3,$4" --screenshot="$out/$1.png" "$5" >/dev/null 2>&1
  echo "screenshots: $out/$1.png  ($5 at $3×$4)"
}
base="http://127.0.0.1:$port/"
shot home-desktop     "$base"              1280 1800 "$base"
shot home-phone       "$base"              390  1600 "$base"
shot report-desktop   "$base$report"       1280 2400 "$base$report"
shot report-phone     "$base$report"       390  1800 "$base$report"
shot agency-desktop   "$base$agency"       1280 2000 "$base$agency"
shot year-phone       "${base}years/$year/" 390 2000 "${base}years/$year/"
shot methodology-desktop "${base}methodology/" 1280 1800 "${base}methodology/"
