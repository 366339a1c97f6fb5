package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 against llama.cpp: quantizing the F16 file's weights reproduces mini-llama-q8_0.gguf block for
 * block. The converter quantized every 2-D weight (embedding included) and kept the 1-D norms F32.
 */
class Q8FixtureTest {
    @Test
    void quantizingF16WeightsGivesLlamaCppQ8Blocks() throws IOException {
        Path f16Path = Fixtures.shared("gguf/mini-llama-f16.gguf");
        dev.trit.formats.testing.SharedFixtures.present(f16Path);
        try (GgufFile f16 = GgufFile.open(f16Path); GgufFile q8 = GgufFile.open(Fixtures.bundled("gguf/mini-llama-q8_0.gguf"))) {
            int quantized = 0, kept = 0;
            for (TensorInfo t : q8.tensors()) {
                TensorInfo h = f16.find(t.name()).orElseThrow();
                assertArrayEquals(h.shape(), t.shape());
                byte[] expected = q8.data(t).toArray(ValueLayout.JAVA_BYTE);
                if (t.type() == GgmlType.Q8_0) {
                    assertEquals(GgmlType.F16, h.type(), t.name());
                    float[] w = F16Codec.INSTANCE.decode(f16.data(h), Math.toIntExact(h.elements()));
                    assertArrayEquals(expected, Q8_0Codec.INSTANCE.encode(w), t.name());
                    // decoding stays within half a quantization step of the F16 weights, plus what the
                    // fp16 rounding of the scale (relative error <= 2^-11) costs at |q| <= 127
                    float[] back = Q8_0Codec.INSTANCE.decode(q8.data(t), w.length);
                    for (int b = 0; b < w.length / 32; b++) {
                        float amax = 0;
                        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(w[b * 32 + j]));
                        for (int j = 0; j < 32; j++) assertEquals(w[b * 32 + j], back[b * 32 + j], amax / 127 * (0.5f + 127f / 2048) * 1.001f);
                    }
                    quantized++;
                } else {
                    assertEquals(GgmlType.F32, t.type(), t.name());
                    assertEquals(1, t.rank(), t.name());
                    assertArrayEquals(expected, f16.data(h).toArray(ValueLayout.JAVA_BYTE), t.name());
                    kept++;
                }
            }
            assertEquals(1 + 4 * 7, quantized);
            assertEquals(1 + 4 * 2, kept);
            assertTrue(q8.find("output.weight").isEmpty()); // tied to token_embd
        }
    }
}
