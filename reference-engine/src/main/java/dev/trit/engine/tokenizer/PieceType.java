package dev.trit.engine.tokenizer;

/**
 * Kinds of SentencePiece pieces, numbered as in sentencepiece_model.proto and in GGUF's
 * {@code tokenizer.ggml.token_type}.
 */
public enum PieceType {
    NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    /** The proto / GGUF number (1 to 6). */
    public int code() {
        return ordinal() + 1;
    }

    public static PieceType of(int code) {
        if (code < 1 || code > 6) {
            throw new IllegalArgumentException("unknown token type " + code);
        }
        return values()[code - 1];
    }
}
