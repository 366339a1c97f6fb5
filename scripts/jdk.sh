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
# No CompileThresholdScaling below 1 (the eighteenth session had 0.25 so the per-layer methods reached C2 before
# trit bench's first measured round): with it, C2 compiled the Q6_K head's kernel (Q6KRowLanes.sub) straight from
# C1's counting-only tier, without the type profile of tier 3, in 4 of 11 runs, and in some of those its vector
# calls stayed calls on boxed vectors: decode at 5-9 tok/s in every round, not 30-38 (2B4T TQ2_0, 3 of ~35 runs
# on 2026-12-04; JFR: Short512Vector.selectFrom/lanewise allocating, 3461 young GCs in 10 s). At the default
# thresholds the kernel went through tier 3 in every run; trit bench's warm-up now waits for the JIT instead.
TRIT_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.noUnsafe=false --sun-misc-unsafe-memory-access=allow
  -Dfile.encoding=UTF-8 -XX:+UseParallelGC -XX:MaxNewSize=12m -XX:TrimNativeHeapInterval=1000)
