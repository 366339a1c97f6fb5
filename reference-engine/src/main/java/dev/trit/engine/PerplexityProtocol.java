package dev.trit.engine;

/** How a token stream is cut into windows and which predictions are scored. */
public enum PerplexityProtocol {
    /**
     * The fixtures' transformers protocol: consecutive windows of ctx-1 tokens, each run as [BOS] + window
     * with a fresh cache, every window token scored; a trailing partial window is dropped.
     */
    HF_WINDOWS,
    /**
     * llama.cpp's llama-perplexity: consecutive chunks of ctx tokens whose first token is replaced by BOS,
     * fresh cache per chunk; only the second half is scored (predictions of tokens ctx/2+1 .. ctx-1), so
     * every scored token has at least ctx/2 tokens of context. A trailing partial chunk is dropped.
     */
    LLAMA_CPP
}
