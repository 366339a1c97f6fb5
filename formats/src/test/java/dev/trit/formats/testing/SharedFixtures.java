package dev.trit.formats.testing;

import dev.trit.formats.NpyReader;
import dev.trit.formats.NpzReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real data in {@code ../shared/fixtures} for tests of every module: a test that needs a file there
 * skips when it is absent, except under {@code CI=true}, where a missing file is a failure. The tiny
 * replicas of Hub checkpoints are materialized once by their own script ({@code make_replicas.py}, which
 * checks every byte against its SHA-256 manifest) into a cache outside the source tree.
 */
public final class SharedFixtures {
    private static final Map<Path, Map<String, NpyReader.NpyArray>> NPZ = new ConcurrentHashMap<>();

    private SharedFixtures() {
    }

    public static Path root() {
        return Path.of(System.getProperty("trit.root", ".")).toAbsolutePath().resolve("../shared/fixtures").normalize();
    }

    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the test (fails it under CI=true) with this reason. */
    public static void missing(String what) {
        if (ci()) throw new AssertionError("CI=true and " + what + " is missing");
        Assumptions.abort(what + " is not present");
    }

    /** Continues when path exists, else skips the test (fails it under CI=true) naming it. */
    public static void present(Path path) {
        if (!Files.exists(path)) missing(path.toString());
    }

    /** A file or directory under ../shared/fixtures, or the test skips (fails under CI=true). */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) missing("../shared/fixtures/" + relative);
        return p;
    }

    /** The arrays of an oracle .npz under ../shared/fixtures (read once per JVM). */
    public static Map<String, NpyReader.NpyArray> npz(String relative) throws IOException {
        Path p = require(relative);
        Map<String, NpyReader.NpyArray> m = NPZ.get(p);
        if (m == null) {
            m = NpzReader.read(p);
            NPZ.put(p, m);
        }
        return m;
    }

    /** Where materialized replicas live: $TRIT_REPLICAS, else ~/.cache/trit/replicas. */
    public static Path replicaCache() {
        String env = System.getenv("TRIT_REPLICAS");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "trit", "replicas");
    }

    /**
     * The directory of a replica checkpoint (config, tokenizer, model.safetensors), made by
     * {@code make_replicas.py} on first use. A replica counts as made once the script exited 0 (it
     * verifies the weights' SHA-256) and left its marker file.
     */
    public static synchronized Path replica(String name) throws IOException {
        Path script = require("replicas/make_replicas.py");
        Path cache = replicaCache();
        Path dir = cache.resolve(name), marker = dir.resolve(".made-by-make_replicas");
        if (Files.exists(marker)) return dir;
        Files.createDirectories(cache);
        try {
            Process p = new ProcessBuilder("python3", script.toString(), cache.toString(), name)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                missing("replica " + name + " (make_replicas.py failed: needs python3 with numpy)");
            }
        } catch (IOException e) {
            missing("replica " + name + " (python3 not runnable: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making replica " + name);
        }
        Files.writeString(marker, "ok\n");
        return dir;
    }
}
