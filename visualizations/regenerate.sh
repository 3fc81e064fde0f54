#!/usr/bin/env bash
# Regenerate the gallery: the demo's report and network page (visualizations/demo/) and
# the screenshot of the network page used by the README (visualizations/network.png).
# The report is of the demo county's three quarter-end periods (datasets/demo-2025-09-30,
# demo-2025-12-31, demo), ingested into one store, so it shows 本期变化 and the trends.
#   bash visualizations/regenerate.sh
# Needs graphrisk installed (pip install -e .) and, for the screenshot, Debian's
# chromium with a CJK font (apt-get install -y chromium fonts-noto-cjk).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}

store=qingshan.store
trap 'rm -rf "$store"' EXIT
rm -rf "$store"
for period in datasets/demo-2025-09-30 datasets/demo-2025-12-31 datasets/demo; do
    "$PYTHON" -m graphrisk ingest "$period" -o "$store" >/dev/null
done
"$PYTHON" -m graphrisk report "$store" -o visualizations/demo --lang zh --quiet

CHROME=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [[ -z "$CHROME" ]]; then
    echo "chromium not found: the report is regenerated, the screenshot is not" >&2
    exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile" "$store"' EXIT
"$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile" \
    --hide-scrollbars --window-size=1400,860 --virtual-time-budget=5000 \
    --screenshot="$PWD/visualizations/network.png" \
    "file://$PWD/visualizations/demo/network.html" 2>/dev/null
echo "wrote visualizations/demo/ and visualizations/network.png" >&2
