package dev.trit.formats;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Strict JSON reading shared by the safetensors header, index and the Hugging Face config files. */
public final class JsonFiles {
    /** Larger JSON side files (config.json, index) than this are refused before reading them. */
    static final long MAX_JSON_FILE_BYTES = 100_000_000L;

    /**
     * Duplicate keys are an error (the same tensor named twice must not silently win), and so is
     * anything but whitespace after the top-level value.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonFiles() {
    }

    /** Parses UTF-8 JSON bytes that must hold an object; {@code what} names the part in messages. */
    public static JsonNode parseObject(Path file, byte[] bytes, String what) throws FormatException {
        String text;
        try {
            // Decoded here rather than by Jackson, which would guess UTF-16/32 from the first bytes.
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(file, what + " is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JacksonException e) {
            String m = oneLine(e.getOriginalMessage());
            // Jackson says "Duplicate field 'x'"; say what it means for the file.
            if (m.startsWith("Duplicate field ")) throw new FormatException(file, what + " has the key " + m.substring(16) + " twice", e);
            throw new FormatException(file, what + " is not valid JSON: " + m, e);
        }
        if (root == null || root.isMissingNode()) throw new FormatException(file, what + " is empty");
        if (!root.isObject()) throw new FormatException(file, what + " is a JSON " + kind(root) + ", not an object");
        return root;
    }

    /** Reads a whole JSON file that must hold an object. */
    static JsonNode readObject(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new FormatException(file, "no such file");
        }
        if (size > MAX_JSON_FILE_BYTES) {
            throw new FormatException(file, "JSON file of " + size + " bytes exceeds the " + MAX_JSON_FILE_BYTES + "-byte limit");
        }
        return parseObject(file, Files.readAllBytes(file), "content");
    }

    static String kind(JsonNode n) {
        if (n.isObject()) return "object";
        if (n.isArray()) return "array";
        if (n.isTextual()) return "string";
        if (n.isNumber()) return "number";
        if (n.isBoolean()) return "boolean";
        if (n.isNull()) return "null";
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** A message fit for a one-line error: no line breaks, bounded length. */
    static String oneLine(String s) {
        if (s == null) return "";
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    /** A JSON key or value quoted for a message, bounded so a huge name cannot flood the terminal. */
    static String quote(String s) {
        String t = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        return '"' + t.replace("\n", "\\n") + '"';
    }
}
