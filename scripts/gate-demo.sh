#!/usr/bin/env bash
# Gates the demo models against the committed baseline (ci/baseline): runs `trit analyze` on each
# and `trit gate` with ci/gate-rules.txt. Writes JUnit XML to target/gate/. Exit: as trit gate.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/gate"
mkdir -p "$OUT"
status=0
for model in demo-bitnet-packed demo-bitnet-bf16; do
  "$ROOT/trit" analyze "$ROOT/fixtures/hf/$model" --no-compress --out "$OUT" > "$OUT/$model.analyze.txt"
  "$ROOT/trit" gate --baseline "$ROOT/ci/baseline/$model.analysis.json" --current "$OUT/$model.analysis.json" \
    --rules "$ROOT/ci/gate-rules.txt" --junit "$OUT/$model.junit.xml" > "$OUT/$model.gate.txt" || status=$?
  tail -n 1 "$OUT/$model.gate.txt" | sed "s/^/gate $model: /"
  grep '^::error' "$OUT/$model.gate.txt" || true
  [ "$status" -eq 0 ] || { cat "$OUT/$model.gate.txt"; exit "$status"; }
done
