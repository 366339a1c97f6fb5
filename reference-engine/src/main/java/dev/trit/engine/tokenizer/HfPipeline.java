package dev.trit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The normalizers, pre-tokenizers and decoders of a {@code tokenizer.json}, each doing what the
 * tokenizers library's component of that name does. Parsing refuses, with an
 * {@link IllegalArgumentException} naming it, any type or option that is not implemented here.
 */
final class HfPipeline {
    private HfPipeline() {
    }

    // ---------------------------------------------------------------- normalizers

    /** A normalizer: text to normalized text. */
    interface Norm {
        String apply(String s);
    }

    static Norm normalizer(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "Sequence" -> {
                List<Norm> steps = new ArrayList<>();
                for (JsonNode c : n.path("normalizers")) {
                    Norm s = normalizer(c);
                    if (s != null) {
                        steps.add(s);
                    }
                }
                yield s -> {
                    for (Norm step : steps) {
                        s = step.apply(s);
                    }
                    return s;
                };
            }
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "Prepend" -> {
                String p = text(n, "prepend");
                yield s -> s.isEmpty() ? s : p + s; // tokenizers prepends to non-empty text only
            }
            case "Replace" -> replacer(n, "normalizer");
            case "Strip" -> {
                boolean left = n.path("strip_left").asBoolean(false);
                boolean right = n.path("strip_right").asBoolean(false);
                yield s -> strip(s, left, right);
            }
            default -> throw new IllegalArgumentException("unsupported normalizer " + quoted(type));
        };
    }

    private static String strip(String s, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        while (left && a < b && isWhitespace(s.codePointAt(a))) {
            a += Character.charCount(s.codePointAt(a));
        }
        while (right && b > a && isWhitespace(s.codePointBefore(b))) {
            b -= Character.charCount(s.codePointBefore(b));
        }
        return s.substring(a, b);
    }

    /** Unicode White_Space, as Rust's {@code char::is_whitespace}. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x1C, 0x1D, 0x1E, 0x1F -> false;
            case 0x85, 0xA0, 0x2007, 0x202F -> true;
            default -> Character.isWhitespace(cp);
        };
    }

    /** Replace (normalizer or decoder): every match of the pattern becomes the content. */
    private static Norm replacer(JsonNode n, String what) {
        Pattern p = pattern(n.path("pattern"), what + " Replace");
        String content = Matcher.quoteReplacement(text(n, "content"));
        return s -> p.matcher(s).replaceAll(content);
    }

    private static Pattern pattern(JsonNode p, String what) {
        if (p.has("String")) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.has("Regex")) {
            return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
        }
        throw new IllegalArgumentException(what + " without a String or Regex pattern");
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(n.path("type").asText() + " without a string " + field);
        }
        return v.asText();
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    // ---------------------------------------------------------------- pre-tokenizers

    /** A pre-token: its text and whether it begins at offset 0 of the original input. */
    record Pt(String text, boolean atStart) {
    }

    /** A pre-tokenizer: splits (and may rewrite) every pre-token of the list. */
    interface PreTok {
        void apply(Pt piece, List<Pt> out);
    }

    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    static List<Pt> preTokenize(PreTok p, Pt piece) {
        List<Pt> out = new ArrayList<>();
        if (p == null) {
            out.add(piece);
        } else {
            p.apply(piece, out);
        }
        return out;
    }

    static PreTok preTokenizer(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "Sequence" -> {
                List<PreTok> steps = new ArrayList<>();
                for (JsonNode c : n.path("pretokenizers")) {
                    PreTok s = preTokenizer(c);
                    if (s != null) {
                        steps.add(s);
                    }
                }
                yield (piece, out) -> {
                    List<Pt> cur = List.of(piece);
                    for (PreTok step : steps) {
                        List<Pt> next = new ArrayList<>(cur.size() * 2);
                        for (Pt q : cur) {
                            step.apply(q, next);
                        }
                        cur = next;
                    }
                    out.addAll(cur);
                };
            }
            case "Split" -> {
                Pattern p = pattern(n.path("pattern"), "Split");
                Behavior b = behavior(n.path("behavior").asText(""));
                boolean invert = n.path("invert").asBoolean(false);
                yield (piece, out) -> split(piece, p, b, invert, out);
            }
            case "ByteLevel" -> {
                boolean prefix = n.path("add_prefix_space").asBoolean(true);
                boolean useRegex = n.path("use_regex").asBoolean(true);
                Pattern gpt2 = Pattern.compile(PreTokenizer.GPT2, Pattern.UNICODE_CHARACTER_CLASS);
                yield (piece, out) -> {
                    String t = piece.text();
                    if (prefix && !t.startsWith(" ")) {
                        t = " " + t;
                    }
                    List<Pt> parts = new ArrayList<>();
                    if (useRegex) {
                        split(new Pt(t, piece.atStart()), gpt2, Behavior.ISOLATED, false, parts);
                    } else {
                        parts.add(new Pt(t, piece.atStart()));
                    }
                    for (Pt q : parts) {
                        out.add(new Pt(ByteLevel.encode(q.text().getBytes(StandardCharsets.UTF_8)), q.atStart()));
                    }
                };
            }
            case "Metaspace" -> {
                String rep = text(n, "replacement");
                if (rep.codePointCount(0, rep.length()) != 1) {
                    throw new IllegalArgumentException("Metaspace replacement " + quoted(rep) + " is not one character");
                }
                String scheme = metaspaceScheme(n);
                boolean splitWords = n.path("split").asBoolean(true);
                Pattern repPattern = Pattern.compile(Pattern.quote(rep));
                yield (piece, out) -> {
                    String t = piece.text().replace(" ", rep);
                    boolean prepend = switch (scheme) {
                        case "always" -> !t.startsWith(rep);
                        case "first" -> !t.startsWith(rep) && piece.atStart();
                        default -> false;
                    };
                    if (prepend) {
                        t = rep + t;
                    }
                    Pt q = new Pt(t, piece.atStart());
                    if (splitWords) {
                        split(q, repPattern, Behavior.MERGED_WITH_NEXT, false, out);
                    } else {
                        out.add(q);
                    }
                };
            }
            case "Digits" -> {
                Pattern digit = Pattern.compile("\\p{N}");
                Behavior b = n.path("individual_digits").asBoolean(false) ? Behavior.ISOLATED : Behavior.CONTIGUOUS;
                yield (piece, out) -> split(piece, digit, b, false, out);
            }
            case "WhitespaceSplit" -> {
                Pattern ws = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
                yield (piece, out) -> split(piece, ws, Behavior.REMOVED, false, out);
            }
            case "Whitespace" -> {
                Pattern words = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
                yield (piece, out) -> split(piece, words, Behavior.REMOVED, true, out);
            }
            default -> throw new IllegalArgumentException("unsupported pre-tokenizer " + quoted(type));
        };
    }

    static String metaspaceScheme(JsonNode n) {
        JsonNode s = n.get("prepend_scheme");
        if (s == null || s.isNull()) {
            // files from before prepend_scheme: add_prefix_space true means always
            return n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
        }
        String v = s.asText().toLowerCase(Locale.ROOT);
        if (!v.equals("always") && !v.equals("first") && !v.equals("never")) {
            throw new IllegalArgumentException("unsupported Metaspace prepend_scheme " + quoted(s.asText()));
        }
        return v;
    }

    private static Behavior behavior(String b) {
        return switch (b) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw new IllegalArgumentException("unsupported Split behavior " + quoted(b));
        };
    }

    /**
     * tokenizers' {@code NormalizedString::split}: the pattern's matches and the gaps between them,
     * combined by the behaviour; empty pieces are dropped.
     */
    static void split(Pt piece, Pattern p, Behavior behavior, boolean invert, List<Pt> out) {
        String s = piece.text();
        // (start, end, isMatch) triples covering s
        List<int[]> spans = new ArrayList<>();
        Matcher m = p.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > last) {
                spans.add(new int[] {last, m.start(), invert ? 1 : 0});
            }
            spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
            last = m.end();
        }
        if (last < s.length()) {
            spans.add(new int[] {last, s.length(), invert ? 1 : 0});
        }
        List<int[]> kept = new ArrayList<>(spans.size());
        switch (behavior) {
            case ISOLATED -> kept.addAll(spans);
            case REMOVED -> {
                for (int[] sp : spans) {
                    if (sp[2] == 0) {
                        kept.add(sp);
                    }
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previousMatch = false;
                for (int[] sp : spans) {
                    if (sp[2] == 1 && !previousMatch && !kept.isEmpty()) {
                        kept.get(kept.size() - 1)[1] = sp[1];
                    } else {
                        kept.add(new int[] {sp[0], sp[1], 0});
                    }
                    previousMatch = sp[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previousMatch = false;
                List<int[]> rev = new ArrayList<>();
                for (int i = spans.size() - 1; i >= 0; i--) {
                    int[] sp = spans.get(i);
                    if (sp[2] == 1 && !previousMatch && !rev.isEmpty()) {
                        rev.get(rev.size() - 1)[0] = sp[0];
                    } else {
                        rev.add(new int[] {sp[0], sp[1], 0});
                    }
                    previousMatch = sp[2] == 1;
                }
                for (int i = rev.size() - 1; i >= 0; i--) {
                    kept.add(rev.get(i));
                }
            }
            case CONTIGUOUS -> {
                int prev = -1;
                for (int[] sp : spans) {
                    if (sp[2] == prev && !kept.isEmpty()) {
                        kept.get(kept.size() - 1)[1] = sp[1];
                    } else {
                        kept.add(new int[] {sp[0], sp[1], sp[2]});
                    }
                    prev = sp[2];
                }
            }
        }
        for (int[] sp : kept) {
            if (sp[1] > sp[0]) {
                out.add(new Pt(s.substring(sp[0], sp[1]), piece.atStart() && sp[0] == 0));
            }
        }
    }

    // ---------------------------------------------------------------- decoders

    /** A decoder: token strings to (fewer, decoded) strings, as tokenizers' decode_chain. */
    interface Dec {
        List<String> apply(List<String> tokens);
    }

    static Dec decoder(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "Sequence" -> {
                List<Dec> steps = new ArrayList<>();
                for (JsonNode c : n.path("decoders")) {
                    Dec d = decoder(c);
                    if (d != null) {
                        steps.add(d);
                    }
                }
                yield tokens -> {
                    for (Dec d : steps) {
                        tokens = d.apply(tokens);
                    }
                    return tokens;
                };
            }
            case "ByteLevel" -> HfPipeline::byteLevelDecode;
            case "Replace" -> {
                Norm r = replacer(n, "decoder");
                yield tokens -> tokens.stream().map(r::apply).toList();
            }
            case "ByteFallback" -> HfPipeline::byteFallbackDecode;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> {
                int cp = text(n, "content").codePointAt(0);
                if (text(n, "content").codePointCount(0, text(n, "content").length()) != 1) {
                    throw new IllegalArgumentException("Strip decoder content is not one character");
                }
                int start = n.path("start").asInt(0);
                int stop = n.path("stop").asInt(0);
                yield tokens -> tokens.stream().map(t -> stripChars(t, cp, start, stop)).toList();
            }
            case "Metaspace" -> {
                String rep = text(n, "replacement");
                boolean dropFirst = !metaspaceScheme(n).equals("never");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        String t = tokens.get(i);
                        // tokenizers: in the first token every replacement character is dropped
                        // (with a prepend scheme), elsewhere each becomes a space
                        out.add(t.replace(rep, i == 0 && dropFirst ? "" : " "));
                    }
                    return out;
                };
            }
            default -> throw new IllegalArgumentException("unsupported decoder " + quoted(type));
        };
    }

    private static String stripChars(String t, int cp, int start, int stop) {
        int[] cps = t.codePoints().toArray();
        int a = 0;
        while (a < start && a < cps.length && cps[a] == cp) {
            a++;
        }
        int b = cps.length;
        int cut = 0;
        while (cut < stop && b > a && cps[b - 1] == cp) {
            b--;
            cut++;
        }
        return new String(cps, a, b - a);
    }

    private static List<String> byteLevelDecode(List<String> tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) {
            boolean all = true;
            for (int i = 0; i < t.length() && all; i++) {
                all = ByteLevel.byteOf(t.charAt(i)) >= 0;
            }
            if (all) {
                for (int i = 0; i < t.length(); i++) {
                    bytes.write(ByteLevel.byteOf(t.charAt(i)));
                }
            } else {
                bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8)); // a token with other characters stays as it is
            }
        }
        return List.of(bytes.toString(StandardCharsets.UTF_8));
    }

    private static int byteToken(String t) {
        return SpmTokenizer.byteValue(t);
    }

    private static List<String> byteFallbackDecode(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                pending.write(b);
                continue;
            }
            flushBytes(pending, out);
            out.add(t);
        }
        flushBytes(pending, out);
        return out;
    }

    private static void flushBytes(ByteArrayOutputStream pending, List<String> out) {
        if (pending.size() == 0) {
            return;
        }
        byte[] b = pending.toByteArray();
        pending.reset();
        String s = strictUtf8(b);
        if (s != null) {
            out.add(s);
        } else {
            for (int i = 0; i < b.length; i++) {
                out.add("\uFFFD"); // tokenizers: one replacement character per byte of an invalid run
            }
        }
    }

    private static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }
}
