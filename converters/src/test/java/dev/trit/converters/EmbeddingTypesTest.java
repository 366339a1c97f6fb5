package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.GgufFile;
import dev.trit.formats.TensorInfo;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The q6_k choice for the output / embedding matrix (llama-quantize's default output type for TQ1_0/TQ2_0). */
class EmbeddingTypesTest {
    @TempDir
    Path tmp;

    @Test
    void parsesQ6k() {
        assertEquals(GgmlType.Q6_K, EmbeddingTypes.parse("q6_k"));
        assertEquals(GgmlType.Q6_K, EmbeddingTypes.parse("Q6_K"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingTypes.parse("q5_k"));
        assertEquals("unknown embedding/output type 'q5_k' (f32, f16, bf16, q8_0, q4_0, q6_k)", e.getMessage());
    }

    @Test
    void writesTheTiedMatrixThroughTheQ6kCodec() throws IOException {
        Path src = LlamaCppFixtureTest.fixture("hf/mini-bitnet-fp16");
        Path q6 = tmp.resolve("q6.gguf"), f16 = tmp.resolve("f16.gguf");
        Converter.convert(src, q6, options(new EmbeddingTypes(null, GgmlType.Q6_K)), Progress.NONE);
        Converter.convert(src, f16, options(EmbeddingTypes.DEFAULT), Progress.NONE);
        try (GgufFile a = GgufFile.open(q6); GgufFile b = GgufFile.open(f16)) {
            TensorInfo ta = a.find("token_embd.weight").orElseThrow(), tb = b.find("token_embd.weight").orElseThrow();
            assertEquals(GgmlType.Q6_K, ta.type());
            assertEquals(GgmlType.F16, tb.type());
            // the F16 values (exact from the fp16 checkpoint) quantized in one go equal the streamed, chunked write
            float[] v = BlockCodec.of(GgmlType.F16).decode(b.data(tb), Math.toIntExact(tb.elements()));
            assertArrayEquals(BlockCodec.of(GgmlType.Q6_K).encode(v), a.data(ta).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(GgmlType.TQ2_0, a.find("blk.0.ffn_up.weight").orElseThrow().type());
        }
    }

    @Test
    void q6kNeedsRowsOfWholeSuperBlocks() throws IOException {
        // hidden size 192: whole Q8_0 blocks of 32, not Q6_K super-blocks of 256
        Path src = SyntheticCheckpoint.write(tmp.resolve("h192"), 192, 1, 1L << 30);
        Path out = tmp.resolve("out.gguf");
        Converter.Options q6 = new Converter.Options(TargetType.GGUF_F16, false, false, true, HfTarget.DEFAULT_MAX_SHARD_BYTES, null,
                new EmbeddingTypes(null, GgmlType.Q6_K));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Converter.convert(src, out, q6, Progress.NONE));
        assertEquals("token_embd.weight has rows of 192, not whole Q6_K blocks of 256", e.getMessage());
        assertFalse(Files.exists(out));
        Converter.convert(src, out, new Converter.Options(TargetType.GGUF_F16, false, false, true, HfTarget.DEFAULT_MAX_SHARD_BYTES, null,
                new EmbeddingTypes(null, GgmlType.Q8_0)), Progress.NONE);
        assertTrue(Files.exists(out));
    }

    private static Converter.Options options(EmbeddingTypes heads) {
        return new Converter.Options(TargetType.GGUF_TQ2_0, false, false, true, HfTarget.DEFAULT_MAX_SHARD_BYTES, null, heads);
    }
}
