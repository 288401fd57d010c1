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
# The source map it names is not shipped: drop the reference, or collectstatic under
# CompressedManifestStaticFilesStorage fails on the missing tus.min.js.map.
sed '/^\/\/# sourceMappingURL=/d' "$src/dist/tus.min.js" >"$vendor/tus.min.js"
if grep -q 'sourceMappingURL' "$vendor/tus.min.js"; then
    echo "tus.min.js still references a source map" >&2
    exit 1
fi
cp "$src/LICENSE" "$vendor/tus-js-client.LICENSE"
echo "Vendored tus-js-client $(node -p "require('./$src/package.json').version" 2>/dev/null || echo '?') into $vendor"
