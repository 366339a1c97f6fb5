package dev.trit.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.trit.formats.GgufFile;
import dev.trit.formats.SentencePieceModelFile;
import dev.trit.formats.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizers between HF files and GGUF metadata, against the original files. */
class TokenizerFilesTest {
    @TempDir
    Path tmp;

    /** llama.cpp's GGUF (no trit.hf.* keys) back to HF: tokenizer.model rebuilt with the original pieces, scores, types and ids. */
    @Test
    void sentencePieceFromLlamaCppGguf() throws IOException {
        Path back = tmp.resolve("mini-back");
        Converter.convert(LlamaCppFixtureTest.fixture("gguf/mini-bitnet-tq2_0.gguf"), back, new Converter.Options(TargetType.HF_F16), Progress.NONE);
        SentencePieceModelFile want = SentencePieceModelFile.read(LlamaCppFixtureTest.fixture("hf/mini-bitnet-fp16/tokenizer.model"));
        SentencePieceModelFile got = SentencePieceModelFile.read(back.resolve("tokenizer.model"));
        assertEquals(want.pieces(), got.pieces());
        assertArrayEquals(want.scores(), got.scores());
        assertArrayEquals(want.types(), got.types());
        assertEquals(want.modelType(), got.modelType());
        assertEquals(want.byteFallback(), got.byteFallback());
        assertEquals(want.unkId(), got.unkId());
        assertEquals(want.bosId(), got.bosId());
        assertEquals(want.eosId(), got.eosId());
        assertEquals(want.addDummyPrefix(), got.addDummyPrefix());
        assertEquals(want.removeExtraWhitespaces(), got.removeExtraWhitespaces());
        assertEquals(want.escapeWhitespaces(), got.escapeWhitespaces());
        TokenizerConfig a = TokenizerConfig.read(LlamaCppFixtureTest.fixture("hf/mini-bitnet-fp16")), b = TokenizerConfig.read(back);
        assertEquals(a.bosToken(), b.bosToken());
        assertEquals(a.eosToken(), b.eosToken());
        assertEquals(a.unkToken(), b.unkToken());
        assertEquals(a.addBosToken(), b.addBosToken());
        assertEquals(a.addEosToken(), b.addEosToken());
    }

    /** A byte-level BPE tokenizer.json through GGUF metadata only (--no-hf-files) and back. */
    @Test
    void bpeThroughGgufMetadata() throws IOException {
        Path src = LlamaCppFixtureTest.fixture("hf/demo-bitnet-packed");
        Path g = tmp.resolve("demo.gguf");
        Converter.convert(src, g, new Converter.Options(TargetType.GGUF_TQ2_0, false, false, false), Progress.NONE);
        try (GgufFile f = GgufFile.open(g)) {
            assertEquals("gpt2", f.string("tokenizer.ggml.model").orElseThrow());
            assertEquals("llama-bpe", f.string("tokenizer.ggml.pre").orElseThrow());
            assertEquals(true, f.bool("tokenizer.ggml.add_bos_token").orElseThrow()); // from the TemplateProcessing post-processor
            assertTrue(f.metadata().keySet().stream().noneMatch(k -> k.startsWith("trit.hf.")));
        }
        Path back = tmp.resolve("back");
        Converter.convert(g, back, new Converter.Options(TargetType.HF_PACKED), Progress.NONE);
        JsonMapper m = JsonMapper.builder().build();
        JsonNode want = m.readTree(src.resolve("tokenizer.json").toFile()), got = m.readTree(back.resolve("tokenizer.json").toFile());
        assertEquals(want.get("model").get("vocab"), got.get("model").get("vocab"));
        assertEquals(want.get("model").get("merges"), got.get("model").get("merges"));
        assertEquals(want.get("added_tokens"), got.get("added_tokens"));
        assertEquals(want.get("pre_tokenizer"), got.get("pre_tokenizer"));
        assertEquals(want.get("model").get("ignore_merges"), got.get("model").get("ignore_merges"));
    }
}
