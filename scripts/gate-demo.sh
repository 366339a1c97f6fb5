#!/usr/bin/env bash
# Gates the demo against the committed baselines (ci/baseline):
# 1. `trit analyze` of each demo checkpoint against ci/baseline/<model>.analysis.json (ci/gate-rules.txt);
# 2. a full `trit demo` run (perplexity, KLD, top-1, HellaSwag, sizes of every converted variant)
#    against ci/baseline/demo-results.json (ci/demo-gate-rules.txt).
# Writes JUnit XML to target/gate/. Exit: as trit gate (0 pass, 1 regression, 2 bad input).
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
"$ROOT/trit" demo --out "$OUT/demo" > "$OUT/demo.txt" 2> "$OUT/demo.log" || { cat "$OUT/demo.log"; exit 1; }
"$ROOT/trit" gate --baseline "$ROOT/ci/baseline/demo-results.json" --current "$OUT/demo/results.json" \
  --rules "$ROOT/ci/demo-gate-rules.txt" --junit "$OUT/demo.junit.xml" > "$OUT/demo.gate.txt" || status=$?
tail -n 1 "$OUT/demo.gate.txt" | sed "s/^/gate demo: /"
grep '^::error' "$OUT/demo.gate.txt" || true
[ "$status" -eq 0 ] || { cat "$OUT/demo.gate.txt"; exit "$status"; }
