package dev.trit.engine.tokenizer;

import java.util.OptionalInt;

/**
 * Text to token ids and back, exactly as the model's reference tokenizer does it
 * (transformers / tokenizers for Hugging Face checkpoints, llama.cpp for GGUF files).
 */
public sealed interface Tokenizer permits BpeTokenizer, HfTokenizer, LazyTokenizer, SpmTokenizer {

    /**
     * Token ids of {@code text}. With {@code addSpecial} the special tokens the model's
     * configuration asks for are added: BOS in front, EOS behind where configured (HF post-processor
     * template or transformers' add_bos_token / add_eos_token, GGUF {@code add_bos_token}).
     * With {@code parseSpecial} the text of special (control) tokens such as
     * {@code <|begin_of_text|>} or {@code <s>} is read as that token (tokenizers' default,
     * llama.cpp's parse_special); without, it is ordinary text. Non-special added tokens
     * (user-defined pieces) are always matched, as both references do.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * {@link #encode(String, boolean, boolean)} with special-token text read as plain text, as the
     * reference perplexity runs tokenize their evaluation data (llama-perplexity; transformers
     * gave "&lt;unk&gt;" in WikiText as '&lt;', 'unk', '&gt;').
     */
    default int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, false);
    }

    /**
     * Whether this kind of tokenizer's reference reads special-token text as tokens when called plainly:
     * HF tokenizers does ({@code tokenizer(text)}: WikiText's "&lt;unk&gt;" becomes the unk token where
     * the vocabulary has one); sentencepiece's {@code encode} and llama-perplexity do not.
     */
    default boolean parsesSpecialByDefault() {
        return false;
    }

    /** The text of the ids: every token contributes its text, special tokens included. */
    String decode(int[] ids);

    int vocabSize();

    OptionalInt bos();

    OptionalInt eos();

    /** The token's text as stored in the vocabulary (byte-level or "▁" form, not decoded). */
    String token(int id);
}
