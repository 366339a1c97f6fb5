package dev.trit.formats;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code tokenizer.model}: the protobuf ModelProto of sentencepiece_model.proto,
 * decoded by hand from the wire format (only the fields tokenizers and converters need; others are
 * skipped). Piece types are kept as the proto numbers (1 normal, 2 unknown, 3 control, 4 user defined,
 * 5 unused, 6 byte), which are also GGUF's {@code tokenizer.ggml.token_type} values.
 *
 * @param modelType      trainer_spec.model_type: 1 unigram, 2 BPE, 3 word, 4 char
 * @param byteFallback   trainer_spec.byte_fallback
 * @param treatWhitespaceAsSuffix trainer_spec.treat_whitespace_as_suffix
 * @param unkId          trainer_spec.unk_id (default 0)
 * @param bosId          trainer_spec.bos_id (default 1, -1 = none)
 * @param eosId          trainer_spec.eos_id (default 2, -1 = none)
 * @param normalizerName normalizer_spec.name
 * @param hasCharsMap    normalizer_spec.precompiled_charsmap is not empty
 */
public record SentencePieceModelFile(Path file, List<String> pieces, float[] scores, int[] types, int modelType,
                                 boolean byteFallback, boolean treatWhitespaceAsSuffix, int unkId, int bosId, int eosId,
                                 String normalizerName, boolean hasCharsMap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    private static final long MAX_BYTES = 512L << 20;

    public static SentencePieceModelFile read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new FormatException(file, "tokenizer.model larger than " + MAX_BYTES + " bytes");
        }
        byte[] data = Files.readAllBytes(file);
        try {
            return parse(file, data);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, "not a SentencePiece model: " + e.getMessage(), e);
        }
    }

    private static SentencePieceModelFile parse(Path file, byte[] data) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int[] trainer = {0, 0, 0, 0, 1, 2}; // model_type, byte_fallback, ws_suffix, unk, bos, eos
        Object[] norm = {"", false, true, true, true}; // name, charsmap, dummy prefix, remove ws, escape ws
        Wire top = new Wire(data, 0, data.length);
        while (top.more()) {
            int tag = top.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                Wire p = top.message();
                String text = null;
                float score = 0;
                int type = 1;
                while (p.more()) {
                    int t = p.tag();
                    switch (t) {
                        case (1 << 3) | 2 -> text = p.string();
                        case (2 << 3) | 5 -> score = Float.intBitsToFloat(p.fixed32());
                        case (3 << 3) -> type = pieceType(p.varint());
                        default -> p.skip(t);
                    }
                }
                if (text == null) {
                    throw new IllegalArgumentException("piece " + pieces.size() + " has no text");
                }
                pieces.add(text);
                scores.add(score);
                types.add(type);
            } else if (field == 2 && (tag & 7) == 2) {
                Wire t = top.message();
                while (t.more()) {
                    int tg = t.tag();
                    switch (tg) {
                        case (3 << 3) -> trainer[0] = (int) t.varint();
                        case (35 << 3) -> trainer[1] = (int) t.varint();
                        case (24 << 3) -> trainer[2] = (int) t.varint();
                        case (40 << 3) -> trainer[3] = (int) t.varint();
                        case (41 << 3) -> trainer[4] = (int) t.varint();
                        case (42 << 3) -> trainer[5] = (int) t.varint();
                        default -> t.skip(tg);
                    }
                }
            } else if (field == 3 && (tag & 7) == 2) {
                Wire n = top.message();
                while (n.more()) {
                    int tg = n.tag();
                    switch (tg) {
                        case (1 << 3) | 2 -> norm[0] = n.string();
                        case (2 << 3) | 2 -> norm[1] = n.bytesLength() > 0;
                        case (3 << 3) -> norm[2] = n.varint() != 0;
                        case (4 << 3) -> norm[3] = n.varint() != 0;
                        case (5 << 3) -> norm[4] = n.varint() != 0;
                        default -> n.skip(tg);
                    }
                }
            } else {
                top.skip(tag);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        int[] ty = types.stream().mapToInt(Integer::intValue).toArray();
        return new SentencePieceModelFile(file, pieces, s, ty, trainer[0], trainer[1] != 0,
                trainer[2] != 0, trainer[3], trainer[4], trainer[5], (String) norm[0], (Boolean) norm[1],
                (Boolean) norm[2], (Boolean) norm[3], (Boolean) norm[4]);
    }

    private static int pieceType(long code) {
        if (code < 1 || code > 6) throw new IllegalArgumentException("unknown piece type " + code);
        return (int) code;
    }

    /** A bounded view of protobuf wire-format bytes. */
    private static final class Wire {
        private final byte[] b;
        private int pos;
        private final int end;

        Wire(byte[] b, int from, int to) {
            this.b = b;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint at byte " + pos);
                }
                int c = b[pos++];
                v |= (long) (c & 0x7F) << shift;
                if ((c & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + pos);
        }

        int tag() {
            long t = varint();
            if (t <= 0 || t > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("bad field tag " + t + " at byte " + pos);
            }
            return (int) t;
        }

        int fixed32() {
            need(4);
            int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
            pos += 4;
            return v;
        }

        private int length() {
            long len = varint();
            if (len < 0 || len > end - pos) {
                throw new IllegalArgumentException("length " + len + " at byte " + pos + " runs past the end");
            }
            return (int) len;
        }

        Wire message() {
            int len = length();
            Wire w = new Wire(b, pos, pos + len);
            pos += len;
            return w;
        }

        int bytesLength() {
            int len = length();
            pos += len;
            return len;
        }

        String string() {
            int len = length();
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b, pos, len)).toString();
                pos += len;
                return s;
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("string at byte " + pos + " is not UTF-8");
            }
        }

        private void need(int n) {
            if (end - pos < n) {
                throw new IllegalArgumentException("truncated field at byte " + pos);
            }
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> {
                    need(8);
                    pos += 8;
                }
                case 2 -> {
                    int len = length(); // not "pos += length()": that would add to the old pos
                    pos += len;
                }
                case 5 -> {
                    need(4);
                    pos += 4;
                }
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7) + " at byte " + pos);
            }
        }
    }
}
