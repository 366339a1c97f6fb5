package dev.trit.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.testing.SharedFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trit mc --method llama-cpp} scores HellaSwag as {@code llama-perplexity --hellaswag}: on the first
 * 1000 tasks of hellaswag_val_full.txt (given to llama.cpp as the whole file, so its random draw of 1000
 * scores exactly those), mini-llama-f16.gguf gets llama.cpp's acc_norm exactly
 * (oracle/llama-cpp.json, hellaswag_first1000_acc_norm: 24.90%, i.e. 249 of 1000). A count of correct
 * tasks has no float tolerance to give: a scoring difference shows as another count.
 */
class HellaswagLlamaCppTest {
    @TempDir
    Path tmp;

    @Test
    void firstThousandTasksAsLlamaCpp() throws Exception {
        Path gguf = SharedFixtures.require("gguf/mini-llama-f16.gguf");
        List<String> lines = Files.readAllLines(SharedFixtures.require("../data/hellaswag/hellaswag_val_full.txt"));
        Path first = tmp.resolve("first1000.txt");
        Files.write(first, lines.subList(0, 6000));
        JsonNode oracle = new ObjectMapper().readTree(SharedFixtures.require("oracle/llama-cpp.json").toFile());
        double expected = oracle.path("hellaswag_first1000_acc_norm").path("mini-llama-f16.gguf").asDouble();
        Cli r = Cli.run("mc", gguf.toString(), "--task", "hellaswag", "--data", first.toString(), "--limit", "1000", "--method", "llama-cpp", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode acc = new ObjectMapper().readTree(r.out()).path("metrics").path("acc_llama_cpp");
        assertEquals(1000, new ObjectMapper().readTree(r.out()).path("n").asInt());
        assertEquals(Math.round(expected * 10), acc.path("correct").asInt(), "correct tasks of 1000 (llama.cpp: " + expected + "%)");
    }
}
