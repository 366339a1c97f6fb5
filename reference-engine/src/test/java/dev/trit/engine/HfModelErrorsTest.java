package dev.trit.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trit.formats.DType;
import dev.trit.formats.FormatException;
import dev.trit.formats.SafetensorsFile;
import dev.trit.formats.SafetensorsWriter;
import dev.trit.formats.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints the engine cannot run give one-line FormatExceptions naming the file and the cause. */
class HfModelErrorsTest {
    @TempDir
    Path dir;

    @Test
    void missingTensorIsNamed() throws IOException {
        Files.copy(Fixtures.hf("demo-llama-f16").resolve("config.json"), dir.resolve("config.json"));
        new SafetensorsWriter(dir.resolve("model.safetensors"))
                .add("model.embed_tokens.weight", DType.F16, new long[]{4096, 256}, MemorySegment.ofArray(new byte[2 * 4096 * 256]))
                .write();
        FormatException e = assertThrows(FormatException.class, () -> HfModel.load(dir, new ScalarKernels()));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("missing tensor model.layers.0.input_layernorm.weight"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void wrongShapeIsNamed() throws IOException {
        Files.copy(Fixtures.hf("demo-llama-f16").resolve("config.json"), dir.resolve("config.json"));
        new SafetensorsWriter(dir.resolve("model.safetensors"))
                .add("model.embed_tokens.weight", DType.F16, new long[]{4096, 128}, MemorySegment.ofArray(new byte[2 * 4096 * 128]))
                .write();
        FormatException e = assertThrows(FormatException.class, () -> HfModel.load(dir, new ScalarKernels()));
        assertTrue(e.getMessage().contains("model.embed_tokens.weight: shape [4096, 128], expected [4096, 256]"), e.getMessage());
    }

    @Test
    void unsupportedArchitectureIsNamed() throws IOException {
        String config = Files.readString(Fixtures.hf("demo-llama-f16").resolve("config.json")).replace("LlamaForCausalLM", "GPT2LMHeadModel");
        Files.writeString(dir.resolve("config.json"), config);
        Files.copy(Fixtures.hf("demo-llama-f16").resolve("model.safetensors"), dir.resolve("model.safetensors"));
        FormatException e = assertThrows(FormatException.class, () -> HfModel.load(dir, new ScalarKernels()));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
    }

    /** A tensor no part of the model reads may change the numerics elsewhere (a bias, a norm): refused, named. */
    @Test
    void tensorNobodyReadsIsRefused() throws IOException {
        Files.copy(Fixtures.hf("demo-llama-f16").resolve("config.json"), dir.resolve("config.json"));
        try (SafetensorsFile src = SafetensorsFile.open(Fixtures.hf("demo-llama-f16").resolve("model.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter(dir.resolve("model.safetensors"));
            for (TensorInfo t : src.tensors()) w.add(t.name(), (DType) t.type(), t.shape(), src.data(t));
            w.add("model.layers.0.self_attn.o_proj.bias", DType.F16, new long[]{256}, MemorySegment.ofArray(new byte[2 * 256]));
            w.write();
        }
        FormatException e = assertThrows(FormatException.class, () -> HfModel.load(dir, new ScalarKernels()));
        assertTrue(e.getMessage().contains("tensor model.layers.0.self_attn.o_proj.bias is not used"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
