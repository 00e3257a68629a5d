#!/usr/bin/env bash
# Cross-check: Google's official Python client and `offsync devices` must list exactly
# the same Google Sync devices from the simulator. Installs the client into a private
# virtualenv (target/pyenv) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyenv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q google-api-python-client google-auth
fi
if [ -n "${OFFSYNC_BIN:-}" ]; then
  bin=$OFFSYNC_BIN
else
  cargo build -q --bin offsync
  bin=target/debug/offsync
fi
dir=$(mktemp -d)
trap 'kill $sim 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" sim serve --port 0 --users 400 --devices 900 --seed 11 --write-config "$dir" >"$dir/serve.log" 2>&1 &
sim=$!
for _ in $(seq 100); do [ -f "$dir/config.toml" ] && break; sleep 0.1; done
"$venv/bin/python" scripts/python_crosscheck.py "$dir" assets/discovery/admin.directory_v1.json >"$dir/python.json"
"$bin" --config "$dir/config.toml" devices --type google-sync --format json >"$dir/offsync.json"
"$venv/bin/python" - "$dir/python.json" "$dir/offsync.json" <<'PY'
import json, sys
py = json.load(open(sys.argv[1]))
with open(sys.argv[2]) as f:
    text = f.read().strip()
ours = json.loads(text) if text.startswith("[") else [json.loads(l) for l in text.splitlines() if l.strip()]
theirs = sorted(py["google_sync"])
mine = sorted(d["resource_id"] for d in ours)
print(f"python client: {py['count']} devices, {len(theirs)} Google Sync; offsync: {len(mine)} Google Sync")
if theirs != mine:
    print("MISMATCH:", sorted(set(theirs) ^ set(mine))[:20])
    sys.exit(1)
print("identical")
PY
