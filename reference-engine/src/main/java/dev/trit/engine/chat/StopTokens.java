package dev.trit.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trit.formats.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The token ids that end a generated reply, as transformers' {@code generate} takes them: the
 * {@code eos_token_id} (a number or a list) of generation_config.json, else that of config.json.
 */
public final class StopTokens {
    private StopTokens() {
    }

    /** The EOS ids of a HF model directory; empty when neither file names one. */
    public static Set<Integer> forModelDir(Path dir) throws IOException {
        for (String file : new String[] {"generation_config.json", "config.json"}) {
            Optional<Set<Integer>> ids = eos(dir.resolve(file));
            if (ids.isPresent()) return ids.get();
        }
        return Set.of();
    }

    private static Optional<Set<Integer>> eos(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return Optional.empty();
        JsonNode v;
        try {
            v = new ObjectMapper().readTree(file.toFile()).get("eos_token_id");
        } catch (IOException e) {
            throw new FormatException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (v == null || v.isNull()) return Optional.empty();
        Set<Integer> ids = new LinkedHashSet<>();
        for (JsonNode e : v.isArray() ? v : java.util.List.of(v)) {
            if (!e.canConvertToInt() || !e.isIntegralNumber()) throw new FormatException(file, "eos_token_id must be an integer or a list of integers");
            ids.add(e.intValue());
        }
        return Optional.of(Set.copyOf(ids));
    }
}
