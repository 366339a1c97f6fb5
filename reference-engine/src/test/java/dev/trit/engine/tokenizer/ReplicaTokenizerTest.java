package dev.trit.engine.tokenizer;

import dev.trit.formats.NpyReader;
import dev.trit.formats.NpzReader;
import dev.trit.formats.testing.SharedFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The replica checkpoints' tokenizers, found by {@link Tokenizers#forModelDir} in the materialized
 * replica directories (tokenizer.json plus the replica's own tokenizer_config.json where it has one),
 * against oracle/replicas/&lt;name&gt;.npz from transformers: the probe sentence with
 * add_special_tokens=True, the WikiText-2 ids of the perplexity protocol, and the generated text
 * decode(prompt + new)[len(decode(prompt)):].
 */
class ReplicaTokenizerTest {
    static final String PROBE =
            "In 1987, the 3 quick brown foxes didn't jump over 12,500 lazy dogs near Zürich; they ran—fast!";

    @ParameterizedTest
    @ValueSource(strings = {"bitnet-2b4t", "llama3-bitlinear", "falcon-e", "falcon-e-bf16", "llama-bitlinear-rmsnorm",
            "trilm-f16", "llama32-bf16", "qwen25-bf16", "qwen3-bf16", "gemma3-bf16"})
    void matchesTransformers(String name) throws Exception {
        Map<String, NpyReader.NpyArray> o = SharedFixtures.npz("oracle/replicas/" + name + ".npz");
        Tokenizer tok = Tokenizers.forModelDir(SharedFixtures.replica(name));

        assertArrayEquals(NpzReader.ints(o.get("probe/ids")), tok.encode(PROBE, true, true), name + " probe");

        String text = Files.readString(SharedFixtures.require("../data/wikitext-2/test.txt"), StandardCharsets.UTF_8);
        int[] wt2 = NpzReader.ints(o.get("wt2/ids"));
        int[] ids = tok.encode(text, false, true);
        HfTokenizerOracleTest.assertIds(wt2, ids, name + " wt2");

        int[] prompt = NpzReader.ints(o.get("gen/prompt_ids"));
        assertArrayEquals(Arrays.copyOf(NpzReader.ints(o.get("probe/ids")), prompt.length), prompt);
        int[] all = IntStream.concat(IntStream.of(prompt), IntStream.of(NpzReader.ints(o.get("gen/ids")))).toArray();
        String head = tok.decode(prompt);
        String full = tok.decode(all);
        String continuation = full.substring(full.offsetByCodePoints(0, head.codePointCount(0, head.length())));
        assertEquals(NpzReader.utf8(o.get("gen/text")), continuation, name + " generated text");
    }
}
