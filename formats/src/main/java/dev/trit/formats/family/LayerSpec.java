package dev.trit.formats.family;

/**
 * The attention of one decoder layer.
 *
 * @param slidingWindow 0 for full causal attention, else a query at position i sees keys j with i - j < window
 * @param rope          its rotary embedding (Gemma 3's sliding layers have their own base)
 */
public record LayerSpec(int slidingWindow, RopeSpec rope) {
    public LayerSpec {
        if (slidingWindow < 0) throw new IllegalArgumentException("sliding window " + slidingWindow + " is negative");
    }
}
