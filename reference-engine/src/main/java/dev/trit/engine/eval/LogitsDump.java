package dev.trit.engine.eval;

import java.util.List;
import java.util.Map;

/**
 * A baseline for KL-divergence: for each scored position of a text, the base model's
 * {@link TopLogprobs}, with the window and the position inside the text (token offset) it belongs to.
 * {@code metadata} records how it was made (model, text, protocol, context), so a comparison can
 * check it runs on the same tokens.
 */
public record LogitsDump(int vocabSize, int topK, Map<String, String> metadata, List<Row> rows) {
    public LogitsDump {
        metadata = Map.copyOf(metadata);
        rows = List.copyOf(rows);
    }

    public record Row(int window, int position, TopLogprobs top) {
    }
}
