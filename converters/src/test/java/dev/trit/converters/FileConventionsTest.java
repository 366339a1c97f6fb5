package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.trit.formats.GgufFile;
import dev.trit.formats.GgufTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Python's readers expect of the files trit writes, checked on the raw bytes: GGUF v3 with the
 * data section and every tensor at a multiple of 32 and each tensor padded to 32 (gguf-py's
 * GGUFReader/GGUFWriter layout); safetensors with a little-endian u64 header length that is a multiple
 * of 8, a JSON header padded with spaces, {"format": "pt"} metadata and tensors tiling the data area.
 */
class FileConventionsTest {
    @TempDir
    Path tmp;

    @Test
    void ggufLayout() throws IOException {
        for (TargetType t : new TargetType[] {TargetType.GGUF_TQ2_0, TargetType.GGUF_I2_S, TargetType.GGUF_Q8_0}) {
            Path out = tmp.resolve(t.label() + ".gguf");
            Converter.convert(LlamaCppFixtureTest.fixture("hf/demo-bitnet-packed"), out, new Converter.Options(t), Progress.NONE);
            byte[] head = Arrays.copyOf(Files.readAllBytes(out), 8);
            assertEquals("GGUF", new String(head, 0, 4, StandardCharsets.US_ASCII));
            assertEquals(3, ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
            try (GgufFile f = GgufFile.open(out)) {
                assertEquals(32, f.alignment());
                assertEquals(0, f.dataStart() % 32);
                long end = 0;
                for (GgufTensor g : f.ggufTensors()) {
                    assertEquals(0, g.relativeOffset() % 32, g.name());
                    assertEquals(end, g.relativeOffset(), g.name() + " follows the previous tensor's padding");
                    end = (g.relativeOffset() + g.info().byteSize() + 31) / 32 * 32;
                }
                assertEquals(Files.size(out), f.dataStart() + end);
            }
        }
    }

    @Test
    void safetensorsLayout() throws IOException {
        Path out = tmp.resolve("packed");
        Converter.convert(LlamaCppFixtureTest.fixture("hf/mini-bitnet-fp16"), out, new Converter.Options(TargetType.HF_PACKED), Progress.NONE);
        byte[] all = Files.readAllBytes(out.resolve("model.safetensors"));
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        String json = header.stripTrailing();
        assertTrue(json.startsWith("{") && json.endsWith("}"), "header is one JSON object");
        assertTrue(header.substring(json.length()).chars().allMatch(c -> c == ' '), "header padded with spaces");
        JsonNode h = JsonMapper.builder().build().readTree(header);
        assertEquals("pt", h.get("__metadata__").get("format").asText());
        long[][] spans = h.properties().stream().filter(e -> !e.getKey().equals("__metadata__"))
                .map(Map.Entry::getValue).map(v -> new long[] {v.get("data_offsets").get(0).asLong(), v.get("data_offsets").get(1).asLong()})
                .sorted((a, b) -> Long.compare(a[0], b[0])).toArray(long[][]::new);
        long at = 0;
        for (long[] s : spans) {
            assertEquals(at, s[0]);
            at = s[1];
        }
        assertEquals(all.length, 8 + n + at);
        assertTrue(h.has("model.layers.0.self_attn.q_proj.weight_scale"));
        assertEquals("U8", h.get("model.layers.0.self_attn.q_proj.weight").get("dtype").asText());
        // mini's 1bitLLM sub-norms are renamed the way transformers' BitNetForCausalLM names them
        assertTrue(h.has("model.layers.0.self_attn.attn_sub_norm.weight"));
    }
}
