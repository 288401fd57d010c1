#!/usr/bin/env bash
# Copy the browser builds of the npm dependencies into static files (run by `make js`
# after `npm install`). The vendor folder is not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=src/oneway/candidate/static/candidate/vendor
mkdir -p "$vendor"
src=node_modules/tus-js-client
if [ ! -f "$src/dist/tus.min.js" ]; then
    echo "tus-js-client is missing: run 'npm install' first." >&2
    exit 1
fi
# The UMD build defines window.tus; recorder.js imports it for that side effect.
cp "$src/dist/tus.min.js" "$vendor/tus.min.js"
cp "$src/LICENSE" "$vendor/tus-js-client.LICENSE"
echo "Vendored tus-js-client $(node -p "require('./$src/package.json').version" 2>/dev/null || echo '?') into $vendor"
