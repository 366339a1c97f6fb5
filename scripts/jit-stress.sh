#!/usr/bin/env bash
# Runs `trit bench MODEL` RUNS times with C2 compiling from thin profiles, the condition under which kernels
# were seen left boxed (about one JVM in ten before the twenty-first session's fixes, one in 20-40 in ordinary
# runs), and reports each JVM that trit bench's allocation guard flagged. Use it after a kernel change.
# The compile log of a flagged JVM is kept (-XX:+LogCompilation: look for <uncommon_trap> and
# "made not entrant" on the kernel the allocation points to; JFR by `jcmd PID JFR.start` on a live one names it).
# Usage: scripts/jit-stress.sh MODEL.gguf [RUNS=20] [PROMPT=64] [OUTDIR=/tmp/trit-jit-stress]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL=${1:?usage: scripts/jit-stress.sh MODEL.gguf [RUNS] [PROMPT] [OUTDIR]}
RUNS=${2:-20}; PROMPT=${3:-64}; OUT=${4:-/tmp/trit-jit-stress}
mkdir -p "$OUT"
boxed=0
for i in $(seq 1 "$RUNS"); do
  log="$OUT/compile.$i.log"
  TRIT_JAVA_OPTS="-XX:CompileThresholdScaling=0.05 -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:+LogVMOutput -XX:-DisplayVMOutput -XX:LogFile=$log" \
    "$ROOT/trit" bench "$MODEL" --prompt "$PROMPT" --gen 32 --repeat 3 --warmup 1 --threads 2 --bandwidth-mib 0 \
    >/dev/null 2>"$OUT/bench.$i.err"
  if grep -q allocating "$OUT/bench.$i.err"; then
    boxed=$((boxed + 1))
    echo "run $i: flagged: $(grep -o '[a-z]* at [0-9.]* tok/s allocating [0-9.]* MB' "$OUT/bench.$i.err" | head -1) (log $log)"
  else
    echo "run $i: ok"; rm -f "$log" "$OUT/bench.$i.err"
  fi
done
echo "$boxed of $RUNS JVMs flagged"
