# Sourced by ./trit and ./test: finds a JDK 25 (JAVA_HOME if it is one, else /usr/lib/jvm/*25*).
find_jdk25() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] || continue
    if "$cand/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
      echo "$cand"; return 0
    fi
  done
  echo "trit: no JDK 25 found (set JAVA_HOME to a JDK 25 or newer)" >&2
  return 1
}
# JVM flags every run of ours needs: the Vector API, native access for file mapping, and
# java.nio opened and Netty allowed sun.misc.Unsafe for Arrow's allocator (on JDK 25 it refuses to start
# otherwise). Keep in step with trit.jvm.flags in pom.xml.
# MaxNewSize: ParallelGC otherwise grows the young generation to ~1.5 GB under the kernels' allocation
# churn, and every page of it stays resident: peak RSS of a loaded 2B ternary model went from 2.4x to
# 1.15x its file with 64 MB (the live weights sit in the old generation; -Xmx stays the default); 24 MB
# since TQ1_0 is read in place (its model is mostly mapped file, so the JVM's own pages weigh more):
# 2B4T TQ1_0 1.31x -> 1.26x the file; 12 MB and TrimNativeHeapInterval (malloc_trim each second: C2's
# arenas, ~25 MB at the peak of the kernels' compilation, go back to the OS) since a 256-token prompt's
# buffers and KV cache weigh in: 2B4T TQ1_0 at 256 tokens 1.34x -> 1.30x (trit bench, 2026-12-02).
# CompileThresholdScaling=0.25 for Transformer's methods only: the ones called once per layer and token
# (Transformer.layer) otherwise reach C2 in trit bench's measured rounds (2B4T I2_S 64 + 32: a 0.2-0.3 s
# compilation on one of the two cores in round 4 or 5; with it the three measured rounds within 0-6% of each other
# in 4 of 5 runs, at most 57 ms of compilation in any). Not for every method, as the eighteenth session had it:
# kernels compiled from thinner profiles are what left vector code boxed (see RowLaneDecode's ZS; the
# kernels no longer depend on the profile, but nothing is gained by compiling them sooner). "quiet" keeps the
# JVM from printing the command on stdout, where --json goes.
# MemLimit for Transformer.layer: it is glue (norms, rope, cache, the products' dispatch; the work is in the
# kernels, compiled on their own), yet C2's compilation of it, with the norm loops inlined six times, took
# 43 MB of compiler arena in the first round (-XX:CompileCommand=MemStat): the process's RSS peak for a 2B4T
# TQ1_0 model at 256 + 32 (1.297-1.300x the file, 3 runs). Past 8 MB C2 gives the method up and C1 compiles it
# ("retry at different tier"): 1.259-1.263x, decode and allocation per token unchanged (2026-12-04).
# Tier3DelayOn: while C2's queue is long, HotSpot compiles a method at tier 2 (C1, no profile) instead of tier 3; the
# decode kernel RowLaneDecode.quad is past C1's tier-3 limit ("out of virtual registers"), and a tier-2 quad then
# never reached C2 (tier 3 refused, no interpreter profile): its Vector API calls ran boxed for good, 12-16 MB
# per token in DecodeAllocationTest (reproduced alone, 2026-12-05; the twentieth session's RowLaneKernels.block
# at 0.4 tok/s was the same). With tier 2 never chosen for a long queue, a method C1 cannot take goes from the
# interpreter to C2 (-XX:+PrintCompilation). Also in pom.xml's trit.jvm.flags, so the tests' JVMs run the same.
TRIT_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow
  -Dfile.encoding=UTF-8 -XX:+UseParallelGC -XX:MaxNewSize=12m -XX:TrimNativeHeapInterval=1000
  -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,dev.trit.engine.Transformer::*,0.25
  -XX:CompileCommand=MemLimit,dev.trit.engine.Transformer::layer,8m -XX:Tier3DelayOn=1000000)
