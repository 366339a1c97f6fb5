package dev.trit.engine.eval;

/** How a multiple-choice item is tokenized and scored. */
public enum McMethod {
    /**
     * lm-evaluation-harness ({@code TemplateLM._encode_pair}, {@code HFLM._loglikelihood_tokens}):
     * trailing whitespace of the context moves to the continuation; the context is encoded alone and
     * together with the continuation, and the continuation's tokens are the whole encoding past the
     * context's length; the model runs context tokens + continuation tokens (left-truncated to the
     * context window + 1) and the continuation's log-probabilities are summed. No BOS unless asked
     * ({@code add_bos_token=False} is the harness default). {@code acc}: argmax of the sum;
     * {@code acc_norm}: argmax of the sum divided by the choice's length in characters
     * ({@code len(choice)} in Python, code points, without the leading space).
     */
    HARNESS,
    /**
     * llama.cpp's {@code llama-perplexity --hellaswag} ({@code hellaswag_score}, also its
     * multiple-choice scorer): each choice is tokenized whole, {@code context + continuation} with
     * BOS; the tokens every choice shares at the start are the common prefix; a choice's score is the
     * average log-probability of its tokens after that prefix; the prediction is the argmax of that
     * average. Reported as {@code acc_llama_cpp} (llama.cpp prints it under the heading acc_norm).
     */
    LLAMA_CPP
}
