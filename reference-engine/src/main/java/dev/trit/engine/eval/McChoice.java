package dev.trit.engine.eval;

/**
 * One answer of a multiple-choice item as a log-likelihood request: the model is scored on
 * {@code continuation} given {@code context}. {@code text} is the choice as lm-evaluation-harness's
 * {@code doc_to_choice} returns it; its length in characters normalises {@code acc_norm}.
 */
public record McChoice(String context, String continuation, String text) {
}
