package dev.trit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** {@code trit activations} from the command line (its numbers: analysis' ActivationsOracleTest against transformers). */
class ActivationsTest {
    private static final Path DEMO = Cli.FIXTURES.resolve("hf/demo-bitnet-bf16");
    private static final Path TEXT = Cli.FIXTURES.resolve("data/wikitext-2/test.txt");

    @TempDir
    Path tmp;

    /** 2 windows of 64: every linear of the 4 layers and lm_head in the JSON table and the Arrow file, arrays sized by tokens and channels. */
    @Test
    void summaryAndArrays() throws Exception {
        Path arrow = tmp.resolve("act.arrow");
        Cli r = Cli.run("activations", DEMO.toString(), TEXT.toString(), "--ctx", "64", "--max-windows", "2", "--json",
                "--out", arrow.toString(), "--threads", "1");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
        Set<String> scopes = new HashSet<>();
        for (JsonNode row : rows) {
            scopes.add(row.get("scope").asText());
            assertEquals("demo-bitnet-bf16", row.get("model").asText());
            if (row.get("metric").asText().equals("tokens")) assertEquals(128, row.get("value").asInt(), row::toString);
            if (row.get("metric").asText().endsWith("_mse")) assertTrue(row.get("value").asDouble() > 0, row::toString);
        }
        assertEquals(29, scopes.size(), scopes::toString);
        assertTrue(scopes.contains("lm_head") && scopes.contains("model.layers.3.mlp.down_proj"), scopes::toString);
        assertEquals(29 * 8, rows.size());

        try (BufferAllocator alloc = new RootAllocator();
             FileChannel ch = FileChannel.open(arrow, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            assertEquals("activations", reader.getVectorSchemaRoot().getSchema().getCustomMetadata().get("trit.kind"));
            assertTrue(reader.loadNextBatch());
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertEquals(29, root.getRowCount());
            VarCharVector name = (VarCharVector) root.getVector("linear");
            IntVector in = (IntVector) root.getVector("in_features");
            ListVector tokens = (ListVector) root.getVector("token_absmax"), chans = (ListVector) root.getVector("chan_meansq");
            for (int i = 0; i < 29; i++) {
                assertEquals(128, tokens.getElementEndIndex(i) - tokens.getElementStartIndex(i), name.getObject(i).toString());
                int expectedIn = name.getObject(i).toString().endsWith("down_proj") ? 768 : 256;
                assertEquals(expectedIn, in.get(i));
                assertEquals(expectedIn, chans.getElementEndIndex(i) - chans.getElementStartIndex(i));
            }
        }
    }

    @Test
    void textTableByDefault() {
        Cli r = Cli.run("activations", DEMO.toString(), TEXT.toString(), "--ctx", "32", "--max-windows", "1", "--threads", "1");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("model.layers.0.self_attn.o_proj") && r.out().contains("lm_head"), r::toString);
        assertTrue(r.out().contains("8x the median channel absmax"), r::toString);
    }

    @Test
    void badInput() throws Exception {
        Cli missing = Cli.run("activations", DEMO.toString(), tmp.resolve("nope.txt").toString());
        assertEquals(1, missing.exitCode(), missing::toString);
        assertEquals(1, missing.err().strip().lines().count(), missing::toString);
        assertTrue(missing.err().contains("nope.txt"), missing::toString);

        Cli noModel = Cli.run("activations", tmp.resolve("no-model").toString(), TEXT.toString());
        assertEquals(1, noModel.exitCode(), noModel::toString);
        assertEquals(1, noModel.err().strip().lines().count(), noModel::toString);

        Path shortText = tmp.resolve("short.txt");
        Files.writeString(shortText, "a few words");
        Cli tooShort = Cli.run("activations", DEMO.toString(), shortText.toString());
        assertEquals(1, tooShort.exitCode(), tooShort::toString);
        assertTrue(tooShort.err().contains("no full window"), tooShort::toString);

        assertEquals(2, Cli.run("activations", DEMO.toString(), TEXT.toString(), "--ctx", "2").exitCode());
        assertEquals(2, Cli.run("activations", DEMO.toString(), TEXT.toString(), "--max-windows", "-1").exitCode());
        assertEquals(2, Cli.run("activations", DEMO.toString(), TEXT.toString(), "--protocol", "llama-cpp").exitCode());
        assertEquals(2, Cli.run("activations", DEMO.toString()).exitCode());
    }
}
