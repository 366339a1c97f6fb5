package dev.trit.engine.tokenizer;

import dev.trit.formats.FormatException;
import dev.trit.formats.SentencePieceModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * A SentencePiece {@code tokenizer.model} as the tokenizers use it. The file itself is parsed by
 * {@link SentencePieceModelFile} (in formats, so converters can read it too); see there for the fields.
 */
public record SentencePieceModel(Path file, List<String> pieces, float[] scores, PieceType[] types, int modelType,
                                 boolean byteFallback, boolean treatWhitespaceAsSuffix, int unkId, int bosId, int eosId,
                                 String normalizerName, boolean hasCharsMap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {

    public static SentencePieceModel read(Path file) throws IOException {
        SentencePieceModelFile m = SentencePieceModelFile.read(file);
        PieceType[] types = new PieceType[m.types().length];
        for (int i = 0; i < types.length; i++) types[i] = PieceType.of(m.types()[i]);
        return new SentencePieceModel(file, m.pieces(), m.scores(), types, m.modelType(), m.byteFallback(),
                m.treatWhitespaceAsSuffix(), m.unkId(), m.bosId(), m.eosId(), m.normalizerName(), m.hasCharsMap(),
                m.addDummyPrefix(), m.removeExtraWhitespaces(), m.escapeWhitespaces());
    }

    /**
     * The BPE tokenizer of this model, as sentencepiece encodes (one dummy prefix per text).
     *
     * @param addBos whether {@code encode(text, true)} puts BOS in front (tokenizer_config add_bos_token)
     */
    public SpmTokenizer tokenizer(boolean addBos) throws FormatException {
        if (modelType != 2) {
            throw new FormatException(file, "SentencePiece model type " + modelType + " is not BPE (2)");
        }
        if (treatWhitespaceAsSuffix) {
            throw new FormatException(file, "treat_whitespace_as_suffix is not supported");
        }
        if (hasCharsMap && !normalizerName.equals("identity")) {
            throw new FormatException(file, "normalizer " + normalizerName + " (precompiled charsmap) is not supported");
        }
        return new SpmTokenizer(new SpmTokenizer.Spec(pieces, scores, types, addDummyPrefix, removeExtraWhitespaces,
                escapeWhitespaces, byteFallback, id(unkId), id(bosId), id(eosId), addBos, false));
    }

    private OptionalInt id(int i) {
        return i >= 0 && i < pieces.size() ? OptionalInt.of(i) : OptionalInt.empty();
    }
}
