package dev.trit.engine.eval;

import java.util.List;

/** One multiple-choice question: its choices as log-likelihood requests and the index of the right one. */
public record McItem(String id, List<McChoice> choices, int gold) {
    public McItem {
        choices = List.copyOf(choices);
        if (choices.size() < 2) throw new IllegalArgumentException(id + ": needs at least two choices");
        if (gold < 0 || gold >= choices.size()) throw new IllegalArgumentException(id + ": gold index " + gold + " outside 0.." + (choices.size() - 1));
    }
}
