package dev.trit.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} pipeline run as the tokenizers library runs it: added tokens
 * are cut out of the raw text, the rest is normalized (then tokens marked {@code normalized} are cut
 * out), pre-tokenized and encoded by the {@link BpeModel}; {@code encode(text, true)} adds the
 * post-processor's special tokens. Decoding maps ids to token strings (added tokens included) and
 * runs the decoder chain. Built by {@link HfTokenizerJson}.
 */
public final class HfTokenizer implements Tokenizer {

    /** The parts, as read from the file (after transformers' per-class replacements). */
    record Spec(String[] idToToken, Set<Integer> specialIds, List<AddedTokens.Token> added, HfPipeline.Norm normalizer,
                HfPipeline.PreTok preTokenizer, BpeModel model, int[] prefix, int[] suffix, HfPipeline.Dec decoder,
                OptionalInt bos, OptionalInt eos) {
        Spec {
            Objects.requireNonNull(idToToken);
            Objects.requireNonNull(model);
            Objects.requireNonNull(bos);
            Objects.requireNonNull(eos);
        }
    }

    private final Spec spec;
    private final AddedTokens rawAdded;
    private final AddedTokens normalizedAdded;

    HfTokenizer(Spec spec) {
        this.spec = spec;
        List<AddedTokens.Token> raw = new ArrayList<>();
        List<AddedTokens.Token> norm = new ArrayList<>();
        for (AddedTokens.Token t : spec.added()) {
            (t.normalized() ? norm : raw).add(t);
        }
        this.rawAdded = new AddedTokens(raw);
        this.normalizedAdded = new AddedTokens(norm);
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial) {
            out.addAll(spec.prefix());
        }
        for (AddedTokens.Piece p : rawAdded.split(text, parseSpecial)) {
            if (p.token() != null) {
                out.add(p.token().id());
                continue;
            }
            String norm = spec.normalizer() == null ? p.text() : spec.normalizer().apply(p.text());
            for (AddedTokens.Piece q : normalizedAdded.split(norm, parseSpecial)) {
                if (q.token() != null) {
                    out.add(q.token().id());
                    continue;
                }
                HfPipeline.Pt pt = new HfPipeline.Pt(q.text(), p.start() == 0 && q.start() == 0);
                for (HfPipeline.Pt w : HfPipeline.preTokenize(spec.preTokenizer(), pt)) {
                    spec.model().encode(w.text(), out);
                }
            }
        }
        if (addSpecial) {
            out.addAll(spec.suffix());
        }
        return out.toArray();
    }

    @Override
    public boolean parsesSpecialByDefault() {
        return true;
    }

    @Override
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            tokens.add(token(id));
        }
        if (spec.decoder() == null) {
            return String.join(" ", tokens); // tokenizers without a decoder
        }
        return String.join("", spec.decoder().apply(tokens));
    }

    @Override
    public int vocabSize() {
        return spec.idToToken().length;
    }

    @Override
    public OptionalInt bos() {
        return spec.bos();
    }

    @Override
    public OptionalInt eos() {
        return spec.eos();
    }

    @Override
    public String token(int id) {
        String[] t = spec.idToToken();
        if (id < 0 || id >= t.length || t[id] == null) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + t.length);
        }
        return t[id];
    }

    /** Whether the id is a special added token. */
    public boolean isSpecial(int id) {
        return spec.specialIds().contains(id);
    }
}
