package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.engine.tokenizer.Tokenizers;
import dev.trit.formats.FormatException;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufValue;
import dev.trit.formats.GgufWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF model's tokenizer is built at its first use: the same tokenizer, and a broken one fails there, naming the file. */
class LazyTokenizerTest {
    private static final Path TQ2 = Fixtures.root().resolve("gguf/mini-bitnet-tq2_0.gguf");

    @TempDir
    Path tmp;

    @Test
    void encodesAsTheTokenizerBuiltAtOnce() throws Exception {
        String text = " The tower is 324 metres (1,063 ft) tall, about the same height as an 81-storey building.";
        try (Parallel pool = new Parallel(1); LoadedModel m = GgufModel.load(TQ2, new VectorKernels(pool)); GgufFile g = GgufFile.open(TQ2)) {
            var eager = Tokenizers.forGguf(g);
            assertArrayEquals(eager.encode(text, true), m.tokenizer().encode(text, true));
            assertEquals(eager.decode(eager.encode(text, false)), m.tokenizer().decode(m.tokenizer().encode(text, false)));
            assertEquals(eager.vocabSize(), m.tokenizer().vocabSize());
            assertEquals(eager.bos(), m.tokenizer().bos());
        }
    }

    @Test
    void aBrokenTokenizerFailsItsFirstUseNotTheLoad() throws Exception {
        Path bad = tmp.resolve("bad-tokenizer.gguf");
        try (GgufFile f = GgufFile.open(TQ2)) {
            GgufWriter.copyOf(f).put("tokenizer.ggml.model", GgufValue.string("no-such-model")).write(bad);
        }
        try (Parallel pool = new Parallel(1); LoadedModel m = GgufModel.load(bad, new VectorKernels(pool))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> m.tokenizer().encode("a", false));
            FormatException cause = assertInstanceOf(FormatException.class, e.getCause());
            assertTrue(cause.getMessage().contains("bad-tokenizer.gguf") && cause.getMessage().contains("no-such-model"), cause::getMessage);
            assertThrows(UncheckedIOException.class, () -> m.tokenizer().bos(), "and every later use");
        }
    }
}
