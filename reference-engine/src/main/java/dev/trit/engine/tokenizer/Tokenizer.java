package dev.trit.engine.tokenizer;

import java.util.OptionalInt;

/**
 * Text to token ids and back, exactly as the model's reference tokenizer does it
 * (transformers / tokenizers for Hugging Face checkpoints, llama.cpp for GGUF files).
 */
public sealed interface Tokenizer permits BpeTokenizer, SpmTokenizer {

    /**
     * Token ids of {@code text}. With {@code addSpecial} the BOS token is put in front when the
     * model's configuration asks for it (HF post-processor template, GGUF {@code add_bos_token}).
     */
    int[] encode(String text, boolean addSpecial);

    /** The text of the ids: every token contributes its text, special tokens included. */
    String decode(int[] ids);

    int vocabSize();

    OptionalInt bos();

    OptionalInt eos();

    /** The token's text as stored in the vocabulary (byte-level or "▁" form, not decoded). */
    String token(int id);
}
