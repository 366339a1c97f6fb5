package dev.trit.engine.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * TEMPORARY, test-only: reads the key-value metadata of the small vocab-only GGUF fixtures so the
 * tokenizer can be tested before the real GGUF reader (branch gguf) is merged. Trusts its input.
 */
final class TestGgufMetadata implements GgufVocab.Metadata {
    private final Map<String, Object> kv = new HashMap<>();

    TestGgufMetadata(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) {
            throw new IOException(file + ": not GGUF");
        }
        b.getInt();
        b.getLong();
        long n = b.getLong();
        for (long i = 0; i < n; i++) {
            String key = str(b);
            kv.put(key, value(b, b.getInt()));
        }
    }

    private static String str(ByteBuffer b) {
        byte[] s = new byte[(int) b.getLong()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) {
        return switch (type) {
            case 0 -> (long) (b.get() & 0xFF);
            case 1 -> (long) b.get();
            case 2 -> (long) (b.getShort() & 0xFFFF);
            case 3 -> (long) b.getShort();
            case 4 -> b.getInt() & 0xFFFFFFFFL;
            case 5 -> (long) b.getInt();
            case 6 -> b.getFloat();
            case 7 -> b.get() != 0 ? 1L : 0L;
            case 8 -> str(b);
            case 9 -> {
                int at = b.getInt();
                long len = b.getLong();
                List<Object> l = new ArrayList<>();
                for (long i = 0; i < len; i++) {
                    l.add(value(b, at));
                }
                yield l;
            }
            case 10, 11 -> b.getLong();
            case 12 -> b.getDouble();
            default -> throw new IllegalStateException("type " + type);
        };
    }

    @Override
    public Optional<String> string(String key) {
        return kv.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    @Override
    public OptionalLong integer(String key) {
        return kv.get(key) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<List<String>> strings(String key) {
        return kv.get(key) instanceof List<?> l ? Optional.of((List<String>) l) : Optional.empty();
    }

    @Override
    public Optional<float[]> floats(String key) {
        if (!(kv.get(key) instanceof List<?> l)) {
            return Optional.empty();
        }
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (Float) l.get(i);
        }
        return Optional.of(f);
    }

    @Override
    public Optional<int[]> ints(String key) {
        if (!(kv.get(key) instanceof List<?> l)) {
            return Optional.empty();
        }
        int[] f = new int[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (int) (long) (Long) l.get(i);
        }
        return Optional.of(f);
    }
}
