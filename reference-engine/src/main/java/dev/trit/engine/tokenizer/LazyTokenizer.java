package dev.trit.engine.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.OptionalInt;

/**
 * A tokenizer built at its first use. A GGUF model's tokenizer (a 128k vocabulary's maps, ~12 MB) is then
 * never allocated by commands that only run token ids (trit bench), which keeps it out of their peak RSS. A
 * tokenizer that cannot be built fails its first use with the reason (an {@link UncheckedIOException} around
 * the {@link dev.trit.formats.FormatException}), and every later one.
 */
public final class LazyTokenizer implements Tokenizer {
    /** Builds the tokenizer. */
    @FunctionalInterface
    public interface Source {
        Tokenizer build() throws IOException;
    }

    private final Source source;
    private Tokenizer built;

    public LazyTokenizer(Source source) {
        this.source = source;
    }

    private synchronized Tokenizer get() {
        if (built == null) {
            try {
                built = source.build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return built;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        return get().encode(text, addSpecial, parseSpecial);
    }

    @Override
    public boolean parsesSpecialByDefault() {
        return get().parsesSpecialByDefault();
    }

    @Override
    public String decode(int[] ids) {
        return get().decode(ids);
    }

    @Override
    public int vocabSize() {
        return get().vocabSize();
    }

    @Override
    public OptionalInt bos() {
        return get().bos();
    }

    @Override
    public OptionalInt eos() {
        return get().eos();
    }

    @Override
    public String token(int id) {
        return get().token(id);
    }
}
