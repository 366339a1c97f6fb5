package dev.trit.formats;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json's {@code model.merges}, read once for the engine's tokenizer and the converters: either form
 * tokenizers writes ("a b" strings, or [a, b] pairs since tokenizers 0.20), not mixed; anything else is refused.
 */
public final class BpeMerges {
    private BpeMerges() {
    }

    /** The merge pairs in rank order; IllegalArgumentException naming the first malformed entry. */
    public static List<String[]> parse(JsonNode merges) {
        if (merges.isMissingNode() || merges.isNull()) return List.of();
        if (!merges.isArray()) throw new IllegalArgumentException("model.merges is not a list: " + abbreviated(merges));
        List<String[]> out = new ArrayList<>(merges.size());
        boolean strings = false, arrays = false;
        for (JsonNode m : merges) {
            if (m.isTextual()) {
                strings = true;
                out.add(pair(m.textValue()));
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                arrays = true;
                out.add(new String[] {m.get(0).textValue(), m.get(1).textValue()});
            } else {
                throw new IllegalArgumentException("merge is neither \"a b\" nor [a, b]: " + abbreviated(m));
            }
        }
        if (strings && arrays) throw new IllegalArgumentException("merges mix string and array forms");
        return out;
    }

    /** A merge written "a b": split at the first space after the first character, as tokenizers and llama.cpp do. */
    public static String[] pair(String merge) {
        int sp = merge.indexOf(' ', 1);
        if (sp < 0) throw new IllegalArgumentException("merge without a space: " + merge);
        return new String[] {merge.substring(0, sp), merge.substring(sp + 1)};
    }

    private static String abbreviated(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
