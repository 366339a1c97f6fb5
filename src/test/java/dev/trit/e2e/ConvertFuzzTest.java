package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutated models through the commands that read every tensor: {@code convert} (decode, re-encode, write) and
 * {@code generate} (load and run). InspectFuzzTest covers the headers; here the mutations also reach the tensor
 * data and the HF side files (config.json). Every run must succeed or end in exit 1 with one line naming what
 * is wrong, never a stack trace, and a failed convert must leave no output behind (written to a temporary
 * file, then moved).
 */
class ConvertFuzzTest {
    private static final int ROUNDS = Integer.getInteger("trit.fuzz.rounds", 60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Half the mutations in the header, where the reader decides; half anywhere (tensor data). */
    private static byte[] mutate(byte[] original, Random rnd, int i) {
        return Mutations.of(original, rnd, i, i % 8 < 4 ? 64 * 1024 : original.length);
    }

    private static void assertCleanFailure(Cli r, String names) {
        assertEquals(1, r.exitCode(), r::toString);
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), r::toString);
        assertTrue(err.startsWith("trit: "), r::toString);
        assertTrue(err.contains(names), "the error should name " + names + "\n" + r);
        assertFalse(err.contains("Exception") || err.contains("\tat "), r::toString);
    }

    /**
     * Converts {@code in} (alone in {@code run}) to {@code out}: true when it failed, and then cleanly (one line
     * naming {@code names}, nothing left beside the input); when it succeeded, what it wrote reads back whole.
     */
    private static boolean convertFailed(Path run, Path in, Path out, String type, String names, String what) throws IOException {
        Cli r = Cli.run("convert", "-q", in.toString(), out.toString(), "-t", type);
        if (r.exitCode() == 0) {
            assertReadable(out);
            return false;
        }
        assertCleanFailure(r, names);
        assertEquals(List.of(in.getFileName().toString()), list(run), what + ": a failed convert leaves nothing behind\n" + r);
        return true;
    }

    /** What convert wrote is a model trit reads back whole: its metadata agrees with its tensors. */
    private static void assertReadable(Path out) {
        Cli r = Cli.run("inspect", "--json", out.toString());
        assertEquals(0, r.exitCode(), "convert succeeded but wrote a file trit cannot read\n" + r);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest
    @CsvSource({"gguf/mini-bitnet-tq2_0.gguf, packed", "gguf/mini-bitnet-tq1_0.gguf, tq2_0", "gguf/mini-llama-q8_0.gguf, f16"})
    void mutatedGgufConvertsOrFailsCleanly(String rel, String type) throws IOException {
        byte[] original = Files.readAllBytes(Cli.FIXTURES.resolve(rel));
        Random rnd = new Random(rel.hashCode());
        int failures = 0;
        for (int i = 0; i < ROUNDS; i++) {
            Path run = Files.createDirectories(tmp.resolve("r" + i)), in = run.resolve("in.gguf");
            Files.write(in, mutate(original, rnd, i));
            Path out = run.resolve(type.equals("packed") ? "out" : "out.gguf");
            trace(rel + " " + i, in);
            if (convertFailed(run, in, out, type, "in.gguf", rel + " " + i)) failures++;
            deleteTree(run);
        }
        assertTrue(failures > ROUNDS / 5, "the mutations should break many files, broke " + failures);
    }

    @Test
    void mutatedSafetensorsConvertOrFailCleanly() throws IOException {
        Path src = Cli.FIXTURES.resolve("hf/demo-bitnet-packed");
        byte[] original = Files.readAllBytes(src.resolve("model.safetensors"));
        Random rnd = new Random(7);
        int failures = 0;
        for (int i = 0; i < ROUNDS; i++) {
            Path run = Files.createDirectories(tmp.resolve("r" + i)), in = copyModel(src, run.resolve("model"));
            Files.write(in.resolve("model.safetensors"), mutate(original, rnd, i));
            Path out = run.resolve("out.gguf");
            trace("st " + i, in);
            if (convertFailed(run, in, out, i % 2 == 0 ? "tq2_0" : "i2_s", "model", "safetensors " + i)) failures++;
            deleteTree(run);
        }
        assertTrue(failures > ROUNDS / 5, "the mutations should break many files, broke " + failures);
    }

    /**
     * config.json with one value replaced (a number made extreme, zero or negative, a string or object in its
     * place) or one key removed: convert and generate must either run or name the problem.
     */
    @Test
    void mutatedConfigFailsCleanly() throws IOException {
        Path src = Cli.FIXTURES.resolve("hf/demo-bitnet-packed");
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) keys.add(it.next());
        Random rnd = new Random(11);
        JsonNode[] values = {JSON.getNodeFactory().numberNode(0), JSON.getNodeFactory().numberNode(-1),
                JSON.getNodeFactory().numberNode(Long.MAX_VALUE), JSON.getNodeFactory().numberNode(1 << 30),
                JSON.getNodeFactory().numberNode(1e300), JSON.getNodeFactory().numberNode(0.5), JSON.getNodeFactory().textNode("x"),
                JSON.getNodeFactory().nullNode(), JSON.getNodeFactory().objectNode(), JSON.getNodeFactory().arrayNode()};
        for (int i = 0; i < ROUNDS; i++) {
            Path run = Files.createDirectories(tmp.resolve("r" + i)), in = copyModel(src, run.resolve("model"));
            ObjectNode c = config.deepCopy();
            String key = keys.get(rnd.nextInt(keys.size()));
            if (i % 5 == 4) c.remove(key);
            else c.set(key, values[rnd.nextInt(values.length)]);
            Files.writeString(in.resolve("config.json"), c.toPrettyString());
            Path out = run.resolve("out.gguf");
            String what = key + " = " + (c.has(key) ? c.get(key) : "(removed)");
            trace("config " + i + " " + what, in);
            convertFailed(run, in, out, "tq2_0", "", what);
            Cli l = Cli.run("generate", in.toString(), "-p", "The cat sat", "-n", "2");
            if (l.exitCode() != 0) assertCleanFailure(l, "");
            deleteTree(run);
        }
    }

    /**
     * tokenizer.json and tokenizer_config.json with one value replaced or removed, anywhere in their first
     * levels (the tokenizer's components, the model's settings, a few vocabulary entries, merges, added tokens):
     * generate and convert run or name the problem.
     */
    @ParameterizedTest
    @CsvSource({"tokenizer.json", "tokenizer_config.json"})
    void mutatedTokenizerFilesFailCleanly(String file) throws IOException {
        Path src = Cli.FIXTURES.resolve("hf/demo-bitnet-packed");
        JsonNode original = JSON.readTree(src.resolve(file).toFile());
        Random rnd = new Random(file.hashCode());
        for (int i = 0; i < ROUNDS; i++) {
            Path run = Files.createDirectories(tmp.resolve("r" + i)), in = copyModel(src, run.resolve("model"));
            JsonNode t = original.deepCopy();
            String what = mutateJson(t, rnd);
            Files.writeString(in.resolve(file), t.toPrettyString());
            trace("tok " + file + " " + i + " " + what, in);
            Cli g = Cli.run("generate", in.toString(), "-p", "The cat sat", "-n", "2");
            if (g.exitCode() != 0) assertCleanFailure(g, "");
            convertFailed(run, in, run.resolve("out.gguf"), "tq2_0", "", what);
            deleteTree(run);
        }
    }

    /** Replaces or removes one value of the tree at depth 1 to 4 (objects' fields and arrays' first elements); says which. */
    private static String mutateJson(JsonNode root, Random rnd) {
        List<Object[]> slots = new ArrayList<>(); // {container, field name or index, path}
        collect(root, "", 0, slots);
        Object[] slot = slots.get(rnd.nextInt(slots.size()));
        JsonNode[] values = {JSON.getNodeFactory().numberNode(0), JSON.getNodeFactory().numberNode(-1), JSON.getNodeFactory().numberNode(Long.MAX_VALUE),
                JSON.getNodeFactory().numberNode(1 << 30), JSON.getNodeFactory().numberNode(0.5), JSON.getNodeFactory().textNode(""),
                JSON.getNodeFactory().textNode("x"), JSON.getNodeFactory().booleanNode(true), JSON.getNodeFactory().nullNode(),
                JSON.getNodeFactory().objectNode(), JSON.getNodeFactory().arrayNode()};
        boolean remove = rnd.nextInt(5) == 0;
        JsonNode v = values[rnd.nextInt(values.length)];
        if (slot[0] instanceof ObjectNode o) {
            if (remove) o.remove((String) slot[1]);
            else o.set((String) slot[1], v);
        } else {
            com.fasterxml.jackson.databind.node.ArrayNode a = (com.fasterxml.jackson.databind.node.ArrayNode) slot[0];
            if (remove) a.remove((Integer) slot[1]);
            else a.set((Integer) slot[1], v);
        }
        return slot[2] + (remove ? " removed" : " = " + v);
    }

    private static void collect(JsonNode n, String path, int depth, List<Object[]> slots) {
        if (depth >= 4) return;
        if (n instanceof ObjectNode o) {
            int k = 0;
            for (Iterator<String> it = o.fieldNames(); it.hasNext() && k < 8; ) {
                String f = it.next();
                // the first few entries of big maps (vocab), every field of small objects
                if (o.size() > 64) k++;
                slots.add(new Object[] {o, f, path + "." + f});
                collect(o.get(f), path + "." + f, depth + 1, slots);
            }
        } else if (n instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            for (int i = 0; i < Math.min(3, a.size()); i++) {
                slots.add(new Object[] {a, i, path + "[" + i + "]"});
                collect(a.get(i), path + "[" + i + "]", depth + 1, slots);
            }
        }
    }

    /**
     * A config that contradicts the stored tensors is refused by convert (before, it wrote a GGUF whose metadata
     * the engine then refused, or ran the heap out sizing the tokenizer or the layer list by the config), and
     * by the engine, each naming what disagrees.
     */
    @ParameterizedTest
    @CsvSource({"num_hidden_layers, 3, model.layers.3", "num_key_value_heads, 1, model.layers.0.self_attn.k_proj.weight",
            "vocab_size, 1073741824, embed_tokens", "num_hidden_layers, 1073741824, num_hidden_layers is 1073741824",
            "intermediate_size, 512, model.layers.0.mlp."})
    void configContradictingTensorsIsRefused(String key, long value, String named) throws IOException {
        Path in = copyModel(Cli.FIXTURES.resolve("hf/demo-bitnet-packed"), tmp.resolve("model"));
        ObjectNode c = (ObjectNode) JSON.readTree(in.resolve("config.json").toFile());
        c.put(key, value);
        Files.writeString(in.resolve("config.json"), c.toPrettyString());
        for (Cli r : List.of(Cli.run("convert", "-q", in.toString(), tmp.resolve("out.gguf").toString(), "-t", "tq2_0"),
                Cli.run("generate", in.toString(), "-p", "The cat sat", "-n", "2"))) {
            assertCleanFailure(r, named);
        }
        assertEquals(List.of("model"), list(tmp));
    }

    /** The same from a GGUF whose metadata says 3 blocks while 4 are stored, on the way to HF. */
    @Test
    void ggufMetadataContradictingTensorsIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(Cli.FIXTURES.resolve("gguf/mini-bitnet-tq2_0.gguf"));
        byte[] key = ".block_count".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + key.length < b.length && at < 0; i++) if (Arrays.equals(b, i, i + key.length, key, 0, key.length)) at = i + key.length;
        assertTrue(at > 0);
        assertEquals(4, b[at]); // value type uint32, then the value
        assertEquals(4, b[at + 4]);
        b[at + 4] = 3;
        Path in = tmp.resolve("blocks.gguf");
        Files.write(in, b);
        assertCleanFailure(Cli.run("convert", "-q", in.toString(), tmp.resolve("out").toString(), "-t", "packed"), "model.layers.3");
        assertCleanFailure(Cli.run("generate", in.toString(), "-p", "The cat sat", "-n", "2"), "model.layers.3");
        assertEquals(List.of("blocks.gguf"), list(tmp));
    }

    @ParameterizedTest
    @CsvSource({"gguf/mini-bitnet-tq2_0.gguf", "gguf/mini-bitnet-tq1_0.gguf", "gguf/mini-llama-q8_0.gguf"})
    void mutatedGgufRunsOrFailsCleanly(String rel) throws IOException {
        byte[] original = Files.readAllBytes(Cli.FIXTURES.resolve(rel));
        Random rnd = new Random(rel.hashCode() + 1);
        for (int i = 0; i < ROUNDS; i++) {
            Path in = tmp.resolve("m" + i + ".gguf");
            Files.write(in, mutate(original, rnd, i));
            trace("gen " + rel + " " + i, in);
            Cli r = Cli.run("generate", in.toString(), "-p", "The cat sat", "-n", "2");
            if (r.exitCode() != 0) assertCleanFailure(r, "");
            Files.delete(in);
        }
    }

    private static void trace(String what, Path in) throws IOException {
        if (System.getProperty("trit.fuzz.trace") == null) return;
        System.err.println("FUZZ " + what);
        Path keep = Path.of(System.getProperty("trit.fuzz.trace"));
        if (Files.exists(keep)) deleteTree(keep);
        if (Files.isDirectory(in)) copyModel(in, keep);
        else { Files.createDirectories(keep); Files.copy(in, keep.resolve(in.getFileName())); }
    }

    private static Path copyModel(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        for (String f : list(src)) Files.copy(src.resolve(f), dst.resolve(f));
        return dst;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(p);
        }
    }
}
