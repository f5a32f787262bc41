#!/usr/bin/env bash
# docs/html-report.png: the HTML report of the bundled sample tenant, as headless Chromium
# shows it (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin tenantlint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/tenantlint check fixtures/tenants/contoso.json --fail-on never --format html -o "$tmp/report.html"
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
"$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$tmp/profile" --window-size=1280,1200 \
  --screenshot="$PWD/docs/html-report.png" "file://$tmp/report.html" 2>/dev/null
echo "wrote docs/html-report.png"
