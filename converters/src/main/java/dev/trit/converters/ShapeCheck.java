package dev.trit.converters;

import dev.trit.formats.FormatException;
import dev.trit.formats.family.ModelSpec;
import dev.trit.formats.family.ModelTensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A source's tensors against the model its config (or GGUF metadata) describes, before anything is sized by
 * that description or written from it: a checkpoint whose config contradicts its tensors is refused, not
 * converted into a file whose metadata lies (and an absurd vocab_size no longer sizes the tokenizer's arrays).
 * Tensors are given by transformers' names with their unpacked shapes ([out, in] for a linear's weight).
 */
final class ShapeCheck {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d{1,9})\\.");

    private ShapeCheck() {
    }

    /** Every tensor the model reads, with its shape, and nothing else but what it may ignore ({@link ModelTensors}). */
    static void against(Path where, ModelSpec model, Map<String, long[]> stored) throws FormatException {
        ModelTensors expected = ModelTensors.of(model);
        for (Map.Entry<String, long[]> t : stored.entrySet()) {
            Optional<String> why = expected.mismatch(t.getKey(), t.getValue());
            if (why.isPresent()) throw new FormatException(where, why.get());
        }
        for (String name : expected.names()) {
            if (!stored.containsKey(name)) throw new FormatException(where, "tensor " + name + " is missing (the model its config describes reads it)");
        }
    }

    /**
     * Where the engine does not take the config (a key it does not implement; conversion still moves the
     * tensors): the embedding is [vocab, hidden] and the stored layers are exactly 0 .. layers - 1.
     */
    static void dimensions(Path where, String layersKey, long layers, long vocab, long hidden, Map<String, long[]> stored) throws FormatException {
        int n;
        try {
            n = ModelSpec.layerCount(layersKey, layers);
        } catch (IllegalArgumentException e) {
            throw new FormatException(where, e.getMessage());
        }
        long[] emb = stored.get("model.embed_tokens.weight"), want = {vocab, hidden};
        if (emb != null && !Arrays.equals(emb, want)) {
            throw new FormatException(where, "tensor model.embed_tokens.weight has shape " + Arrays.toString(emb) + " but its config makes it " + Arrays.toString(want));
        }
        BitSet seen = new BitSet();
        for (String name : stored.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (!m.lookingAt()) continue;
            long l = Long.parseLong(m.group(1));
            if (l >= n) throw new FormatException(where, "tensor " + name + " is past the " + n + " layers of " + layersKey);
            seen.set((int) l);
        }
        if (seen.cardinality() != n) throw new FormatException(where, layersKey + " is " + n + " but tensors of " + seen.cardinality() + " layers are stored");
    }
}
