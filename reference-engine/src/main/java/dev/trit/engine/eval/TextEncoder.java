package dev.trit.engine.eval;

import dev.trit.engine.tokenizer.Tokenizer;

import java.util.OptionalInt;

/**
 * The part of a tokenizer the evaluation loops use. {@link Tokenizer} is sealed, so tests use their
 * own small encoders through this interface; {@link #of(Tokenizer)} adapts the real ones.
 */
public interface TextEncoder {

    /** Token ids of {@code text}; with {@code addSpecial} the BOS token the model's configuration asks for. */
    int[] encode(String text, boolean addSpecial);

    OptionalInt bos();

    OptionalInt eos();

    /**
     * Special-token text is read as plain text, as llama-perplexity and lm-evaluation-harness both
     * tokenize evaluation data.
     */
    static TextEncoder of(Tokenizer tokenizer) {
        return new TextEncoder() {
            @Override
            public int[] encode(String text, boolean addSpecial) {
                return tokenizer.encode(text, addSpecial, false);
            }

            @Override
            public OptionalInt bos() {
                return tokenizer.bos();
            }

            @Override
            public OptionalInt eos() {
                return tokenizer.eos();
            }
        };
    }
}
