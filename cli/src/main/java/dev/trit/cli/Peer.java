package dev.trit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufWriter;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Another engine measured beside trit in the same run ({@code --peer} of bench and ppl): a build of
 * llama.cpp or bitnet.cpp, whose {@code llama-bench} / {@code llama-perplexity} run as child processes
 * on the same file. When the peer does not know the file's architecture name but knows the same graph
 * under another ({@link #ARCH_ALIASES}), it runs on a renamed copy of the file in a temp dir (tensor
 * bytes streamed, not loaded), made once per file and deleted when the {@link Session} closes.
 */
final class Peer {
    /** trit's architecture name → the name llama.cpp (src/llama-arch.cpp) gives the same graph. */
    static final Map<String, String> ARCH_ALIASES = Map.of("bitnet-b1.58", "bitnet");

    /** What the user gave (an executable or a build dir). */
    final Path given;
    /** The tool run. */
    final Path executable;

    private Peer(Path given, Path executable) {
        this.given = given;
        this.executable = executable;
    }

    /**
     * The peer's {@code tool} ({@code llama-bench} or {@code llama-perplexity}): PATH itself if it is that
     * executable, the tool beside PATH if PATH is another tool of the build, else DIR/tool, DIR/bin/tool
     * or DIR/build/bin/tool.
     */
    static Peer locate(Path given, String tool) {
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(given)) {
            candidates.add(given.resolve(tool));
            candidates.add(given.resolve("bin").resolve(tool));
            candidates.add(given.resolve("build").resolve("bin").resolve(tool));
        } else {
            candidates.add(given);
            if (given.getParent() != null) candidates.add(given.resolveSibling(tool));
        }
        for (Path c : candidates) {
            if (c.getFileName() != null && c.getFileName().toString().equals(tool) && Files.isRegularFile(c) && Files.isExecutable(c)) {
                return new Peer(given, c.toAbsolutePath().normalize());
            }
        }
        throw new Main.UsageException("--peer " + given + ": no executable " + tool + " there"
                + (Files.isDirectory(given) ? " (looked in it, bin/ and build/bin/)" : ""));
    }

    @Override
    public String toString() {
        return executable.toString();
    }

    /** A finished run: exit status and both streams. */
    record Run(int exit, String stdout, String stderr) {
        /** The last non-blank lines of stderr (else stdout) on one line, at most about 400 characters. */
        String tail() {
            String s = stderr.isBlank() ? stdout : stderr;
            List<String> lines = s.lines().filter(l -> !l.isBlank()).map(String::strip).toList();
            StringBuilder b = new StringBuilder();
            for (int i = lines.size() - 1; i >= 0 && b.length() < 400; i--) {
                b.insert(0, b.isEmpty() ? lines.get(i) : lines.get(i) + " | ");
            }
            return b.isEmpty() ? "(no output)" : b.length() > 400 ? "..." + b.substring(b.length() - 400) : b.toString();
        }
    }

    Run exec(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.addAll(args);
        Path err = Files.createTempFile("trit-peer-", ".stderr");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
            byte[] out = p.getInputStream().readAllBytes();
            int code = p.waitFor();
            return new Run(code, new String(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /**
     * True when a llama.cpp tool failed to load the model: llama-perplexity says "unknown model
     * architecture"; llama-bench silences llama.cpp's log and says only "failed to load model".
     */
    static boolean loadFailed(Run r) {
        if (r.exit == 0) return false;
        String all = r.stderr + r.stdout;
        return all.contains("unknown model architecture") || all.contains("failed to load model") || all.contains("error loading model");
    }

    /**
     * Runs of peers on model files for one command: remembers which file each peer runs on and owns the
     * renamed copies (deleted on close). Notices go to {@code log} (stderr).
     */
    static final class Session implements AutoCloseable {
        private final PrintWriter log;
        private final String command;
        private final Map<Path, Path> renamed = new HashMap<>();
        private final Map<String, Path> fileOf = new HashMap<>();
        private Path tempDir;

        Session(String command, PrintWriter log) {
            this.command = command;
            this.log = log;
        }

        /** The arguments of one run, for the file the peer reads. */
        @FunctionalInterface
        interface Args {
            List<String> of(Path file);
        }

        /**
         * Runs the peer on model (or on a renamed copy, when it refuses the architecture name and an alias
         * is known); a failure is a {@link Main.FailureException} naming the peer with its stderr tail.
         */
        Run run(Peer peer, Path model, Args args) throws IOException, InterruptedException {
            String key = peer.executable + "\0" + model.toAbsolutePath();
            Path file = fileOf.getOrDefault(key, model);
            Run r = peer.exec(args.of(file));
            if (loadFailed(r) && file.equals(model)) {
                String arch = architecture(model);
                String alias = ARCH_ALIASES.get(arch);
                if (alias != null) {
                    Path copy = renamedCopy(model, alias);
                    log.printf("%s: %s could not load %s (architecture '%s', which llama.cpp calls '%s'); running it on a copy renamed to '%s' (%s)%n",
                            command, peer.executable, model, arch, alias, alias, copy);
                    log.flush();
                    fileOf.put(key, copy);
                    file = copy;
                    r = peer.exec(args.of(copy));
                }
            }
            if (r.exit != 0) {
                throw new Main.FailureException("peer " + peer.executable + " failed (" + describeExit(r.exit) + ") on " + file + ": " + r.tail());
            }
            fileOf.putIfAbsent(key, model);
            return r;
        }

        /** The file a peer last ran on for model (the renamed copy, if it needed one), or null. */
        Path fileFor(Peer peer, Path model) {
            return fileOf.get(peer.executable + "\0" + model.toAbsolutePath());
        }

        private Path renamedCopy(Path model, String arch) throws IOException {
            Path have = renamed.get(model.toAbsolutePath());
            if (have != null) return have;
            if (tempDir == null) tempDir = Files.createTempDirectory("trit-peer-");
            String name = model.getFileName().toString();
            Path out = tempDir.resolve(name.replaceFirst("(?i)\\.gguf$", "") + "." + arch + ".gguf");
            try (GgufFile f = GgufFile.open(model)) {
                GgufWriter.withArchitecture(f, arch).write(out);
            }
            renamed.put(model.toAbsolutePath(), out);
            return out;
        }

        private static String architecture(Path model) {
            if (Files.isDirectory(model)) return "";
            try (GgufFile f = GgufFile.open(model)) {
                return f.architecture();
            } catch (IOException | RuntimeException e) {
                return "";
            }
        }

        @Override
        public void close() throws IOException {
            if (tempDir == null) return;
            try (Stream<Path> s = Files.walk(tempDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    static String describeExit(int code) {
        return code > 128 && code < 160 ? "exit " + code + ", signal " + (code - 128) : "exit " + code;
    }

    /** One llama-bench run: its pp and tg tests' mean tokens/s (NaN where the test was not run). */
    record BenchResult(double prefillTokS, double decodeTokS, String buildCommit, long buildNumber, String modelType) {
    }

    /**
     * Parses {@code llama-bench -o json}: an array of tests, each with n_prompt, n_gen and avg_ts; the
     * test with n_prompt > 0 and n_gen = 0 is prefill, n_gen > 0 and n_prompt = 0 decode.
     */
    static BenchResult parseBench(String json) throws IOException {
        int start = json.indexOf('[');
        if (start < 0) throw new IOException("no JSON array in llama-bench output");
        JsonNode root = new ObjectMapper().readTree(json.substring(start));
        if (!root.isArray() || root.isEmpty()) throw new IOException("llama-bench printed no tests");
        double pp = Double.NaN, tg = Double.NaN;
        String commit = "", type = "";
        long number = -1;
        for (JsonNode t : root) {
            long np = t.path("n_prompt").asLong(), ng = t.path("n_gen").asLong();
            if (!t.has("avg_ts")) throw new IOException("llama-bench test without avg_ts: " + t);
            double ts = t.get("avg_ts").asDouble();
            if (np > 0 && ng == 0) pp = ts;
            else if (ng > 0 && np == 0) tg = ts;
            commit = t.path("build_commit").asText(commit);
            number = t.path("build_number").asLong(number);
            type = t.path("model_type").asText(type);
        }
        return new BenchResult(pp, tg, commit, number, type);
    }

    /**
     * What llama-perplexity printed: the final estimate (PPL ± its error), the throughput of the whole
     * evaluation (the {@code prompt eval time} line: tokens per second over all chunks; NaN if absent),
     * the first pass's seconds, and chunks × n_ctx.
     */
    record PerplexityResult(double perplexity, double error, double tokensPerSecond, double evalMs, int evalTokens,
                            double secondsPerPass, int chunks, int ctx) {
        /** tokens/s: the prompt-eval line if printed, else n_ctx over the first pass's seconds. */
        double throughput() {
            if (!Double.isNaN(tokensPerSecond)) return tokensPerSecond;
            return ctx > 0 && secondsPerPass > 0 ? ctx / secondsPerPass : Double.NaN;
        }
    }

    private static final Pattern FINAL = Pattern.compile("Final estimate: PPL = ([0-9.eE+-]+|nan|inf) \\+/- ([0-9.eE+-]+|nan|inf)");
    private static final Pattern EVAL = Pattern.compile(
            "prompt eval time =\\s*([0-9.]+) ms /\\s*(\\d+) tokens \\(\\s*[0-9.]+ ms per token,\\s*([0-9.]+|inf) tokens per second\\)");
    private static final Pattern PASS = Pattern.compile("([0-9.]+) seconds per pass");
    private static final Pattern CHUNKS = Pattern.compile("calculating perplexity over (\\d+) chunks, n_ctx=(\\d+)");

    static PerplexityResult parsePerplexity(String output) throws IOException {
        Matcher f = FINAL.matcher(output);
        if (!f.find()) throw new IOException("no 'Final estimate: PPL = ...' line in llama-perplexity's output");
        double ppl = number(f.group(1)), err = number(f.group(2));
        double tps = Double.NaN, ms = Double.NaN;
        int tokens = 0;
        Matcher e = EVAL.matcher(output);
        while (e.find()) { // the last one is the context's total
            ms = Double.parseDouble(e.group(1));
            tokens = Integer.parseInt(e.group(2));
            tps = number(e.group(3));
        }
        Matcher p = PASS.matcher(output);
        double pass = p.find() ? Double.parseDouble(p.group(1)) : Double.NaN;
        Matcher c = CHUNKS.matcher(output);
        int chunks = 0, ctx = 0;
        if (c.find()) {
            chunks = Integer.parseInt(c.group(1));
            ctx = Integer.parseInt(c.group(2));
        }
        return new PerplexityResult(ppl, err, tps, ms, tokens, pass, chunks, ctx);
    }

    private static double number(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }
}
