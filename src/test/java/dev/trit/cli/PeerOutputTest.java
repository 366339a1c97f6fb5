package dev.trit.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Parsing what llama.cpp's tools print, on output captured from the build of scripts/build-llama-cpp.sh
 * (llama.cpp 80fb11a, node-llama-cpp 3.21.1) on fixtures/gguf/mini-bitnet-tq2_0.gguf:
 * {@code llama-bench -p 16 -n 4 -r 1 -t 1 -o json} and
 * {@code llama-perplexity -f fixtures/data/wikitext-2/test.txt -c 128 -b 128 -t 1 --chunks 3 -lv 4}.
 */
class PeerOutputTest {
    static String resource(String name) throws IOException {
        try (InputStream in = PeerOutputTest.class.getResourceAsStream("/peer/" + name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void llamaBenchJson() throws IOException {
        Peer.BenchResult r = Peer.parseBench(resource("llama-bench-mini-bitnet-tq2_0.json"));
        assertEquals(9507.776470, r.prefillTokS(), 1e-9);
        assertEquals(5010.365193, r.decodeTokS(), 1e-9);
        assertEquals("80fb11a", r.buildCommit());
        assertEquals(1, r.buildNumber());
        assertEquals("bitnet ?B TQ2_0 - 2.06 bpw ternary", r.modelType());
    }

    @Test
    void llamaBenchJsonWithOnlyPrefillOrNoise() throws IOException {
        String json = resource("llama-bench-mini-bitnet-tq2_0.json");
        // -n 0: one test; and anything printed before the array is skipped
        int second = json.indexOf(",\n  {");
        Peer.BenchResult pp = Peer.parseBench("load_backend: something\n" + json.substring(0, second) + "\n]\n");
        assertEquals(9507.776470, pp.prefillTokS(), 1e-9);
        assertTrue(Double.isNaN(pp.decodeTokS()));
        assertThrows(IOException.class, () -> Peer.parseBench("llama_bench: error: failed to load model"));
        assertThrows(IOException.class, () -> Peer.parseBench("[\n]\n"));
    }

    @Test
    void llamaPerplexityOutput() throws IOException {
        String out = resource("llama-perplexity-mini-bitnet-tq2_0.stdout.txt") + "\n" + resource("llama-perplexity-mini-bitnet-tq2_0.stderr.txt");
        Peer.PerplexityResult r = Peer.parsePerplexity(out);
        assertEquals(49.3851, r.perplexity(), 1e-12);
        assertEquals(10.03192, r.error(), 1e-12);
        assertEquals(3, r.chunks());
        assertEquals(128, r.ctx());
        assertEquals(384, r.evalTokens());
        assertEquals(50.56, r.evalMs(), 1e-12);
        assertEquals(7594.64, r.tokensPerSecond(), 1e-12);
        assertEquals(7594.64, r.throughput(), 1e-12);
        assertEquals(0.03, r.secondsPerPass(), 1e-12);
    }

    @Test
    void llamaPerplexityWithoutItsPerfLineFallsBackOnTheFirstPass() throws IOException {
        String out = resource("llama-perplexity-mini-bitnet-tq2_0.stderr.txt").lines()
                .filter(l -> !l.contains("llama_perf_context_print")).reduce("", (a, b) -> a + b + "\n");
        Peer.PerplexityResult r = Peer.parsePerplexity(out);
        assertTrue(Double.isNaN(r.tokensPerSecond()));
        assertEquals(128 / 0.03, r.throughput(), 1e-9);
        assertThrows(IOException.class, () -> Peer.parsePerplexity("perplexity: tokenizing the input ..\n"));
    }

    @Test
    void failureTailIsOneLine() {
        Peer.Run r = new Peer.Run(139, "", "a\n\nb\nGGML_ASSERT(x) failed\n");
        assertEquals("a | b | GGML_ASSERT(x) failed", r.tail());
        assertEquals("exit 139, signal 11", Peer.describeExit(139));
        assertTrue(Peer.loadFailed(new Peer.Run(1, "", "llama_bench: error: failed to load model 'x.gguf'\n")));
        assertFalse(Peer.loadFailed(new Peer.Run(0, "", "failed to load model")));
    }
}
