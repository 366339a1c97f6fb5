package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates real GGUF images a few thousand times with a fixed seed. Every outcome must be a successful
 * open (whose tensors can then be sliced and decoded) or a FormatException: never another exception,
 * never an OutOfMemoryError.
 */
class GgufFuzzTest {
    @TempDir
    Path tmp;

    /** Values that make headers interesting: zero, small, boundaries, sign bits. */
    private static final long[] SPECIAL = {0, 1, 2, 3, 4, 5, 8, 9, 12, 13, 31, 32, 33, 34, 35, 36, 64, 255, 256, 0x7FFF_FFFFL,
            0x8000_0000L, 0xFFFF_FFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, -32};

    /** A small file with every scalar type, nested arrays, a string array and several tensor types. */
    private byte[] writtenSample() throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("fuzz"));
        w.put("u8", GgufValue.uint8(200)).put("i8", GgufValue.int8(-3)).put("u16", GgufValue.uint16(60000))
                .put("i16", GgufValue.int16(-300)).put("u32", GgufValue.uint32(4_000_000_000L)).put("i32", GgufValue.int32(-7))
                .put("f32", GgufValue.float32(0.5f)).put("b", GgufValue.bool(true)).put("u64", GgufValue.uint64(-1))
                .put("i64", GgufValue.int64(-9)).put("f64", GgufValue.float64(2.5));
        w.put("tokens", GgufValue.array(GgufArray.ofStrings(List.of("a", "bc", "<s>", "é"))));
        w.put("scores", GgufValue.array(GgufArray.ofFloats(new float[] {0, -1, -2, -3})));
        w.put("nest", GgufValue.array(new GgufArray(GgufValueType.ARRAY, List.of(GgufArray.ofInts(new int[] {1, 2, 3})))));
        w.put("bools", GgufValue.array(new GgufArray(GgufValueType.BOOL, new boolean[] {true, false})));
        float[] v = new float[512];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i);
        w.addTensor("f32", GgmlType.F32, new long[] {2, 16}, MemorySegment.ofArray(F32Codec.INSTANCE.encode(Arrays.copyOf(v, 32))));
        w.addTensor("q8", GgmlType.Q8_0, new long[] {2, 64}, MemorySegment.ofArray(Q8_0Codec.INSTANCE.encode(Arrays.copyOf(v, 128))));
        w.addTensor("tq1", GgmlType.TQ1_0, new long[] {256}, MemorySegment.ofArray(Tq1Codec.INSTANCE.encode(Arrays.copyOf(v, 256))));
        w.addTensor("tq2", GgmlType.TQ2_0, new long[] {1, 256}, MemorySegment.ofArray(Tq2Codec.INSTANCE.encode(Arrays.copyOf(v, 256))));
        w.addTensor("i2s", GgmlType.I2_S, new long[] {128}, MemorySegment.ofArray(I2sCodec.INSTANCE.encode(Arrays.copyOf(v, 128))));
        Path p = tmp.resolve("sample.gguf");
        w.write(p);
        return Files.readAllBytes(p);
    }

    private static byte[] mutate(byte[] src, Random r, int headerBytes) {
        byte[] b = src.clone();
        int kind = r.nextInt(6);
        int limit = Math.max(1, Math.min(b.length, headerBytes));
        switch (kind) {
            case 0 -> { // flip a few random bits, mostly in the header
                for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) b[r.nextInt(limit)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // overwrite a random byte
                b[r.nextInt(limit)] = (byte) r.nextInt(256);
            }
            case 2 -> { // write a special 64-bit value at a random place
                int at = r.nextInt(Math.max(1, limit - 8));
                long x = SPECIAL[r.nextInt(SPECIAL.length)];
                for (int i = 0; i < 8 && at + i < b.length; i++) b[at + i] = (byte) (x >>> (8 * i));
            }
            case 3 -> { // write a special 32-bit value at a random place
                int at = r.nextInt(Math.max(1, limit - 4));
                long x = SPECIAL[r.nextInt(SPECIAL.length)];
                for (int i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (byte) (x >>> (8 * i));
            }
            case 4 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncate
            default -> { // delete or duplicate a span
                int at = r.nextInt(limit), len = 1 + r.nextInt(16);
                if (r.nextBoolean() && at + len <= b.length) {
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + len, c, at, b.length - at - len);
                    b = c;
                } else {
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at, c, at + len, Math.min(len, b.length - at));
                    System.arraycopy(b, at, c, at + len + Math.min(len, b.length - at), b.length - at - Math.min(len, b.length - at));
                    b = c;
                }
            }
        }
        return b;
    }

    /** Parses in memory; returns true if it opened. Any exception but FormatException fails the test. */
    private static boolean tryParse(byte[] b, String label) {
        try {
            GgufFile f = GgufReader.parse(Path.of(label), MemorySegment.ofArray(b).asReadOnly());
            for (TensorInfo t : f.tensors()) {
                MemorySegment data = f.data(t);
                BlockCodec c = BlockCodec.find((GgmlType) t.type()).orElse(null);
                if (c != null && t.elements() <= 1 << 16) c.decode(data, Math.toIntExact(t.elements()));
            }
            f.stringMetadata();
            return true;
        } catch (FormatException e) {
            if (e.getMessage().contains("\n")) fail(label + ": multi-line message " + e.getMessage());
            return false;
        } catch (Throwable e) {
            throw new AssertionError(label + ": " + e, e);
        }
    }

    @Test
    void mutatedFilesOpenOrFailCleanly() throws IOException {
        Random r = new Random(20261123);
        byte[] sample = writtenSample();
        assertTrue(tryParse(sample, "sample"));
        int opened = 0, total = 0;
        for (int i = 0; i < 3000; i++, total++) {
            byte[] b = mutate(sample, r, r.nextInt(4) == 0 ? sample.length : 700);
            if (r.nextInt(5) == 0) b = mutate(b, r, 700);
            if (tryParse(b, "sample#" + i)) opened++;
        }
        // a vocab-only file from llama.cpp: truncated copies, and mutations within its first kilobytes
        byte[] vocab = Files.readAllBytes(Fixtures.bundled("vocab/ggml-vocab-llama-spm.gguf"));
        assertTrue(tryParse(vocab, "vocab"));
        for (int i = 0; i < 600; i++, total++) {
            byte[] b = Arrays.copyOf(vocab, 24 + r.nextInt(8192));
            if (i % 2 == 0) b = mutate(b, r, b.length);
            if (tryParse(b, "vocab-prefix#" + i)) opened++;
        }
        for (int i = 0; i < 60; i++, total++) {
            if (tryParse(mutate(vocab, r, 4096), "vocab#" + i)) opened++;
        }
        // a few through the file path too (mapping, file-size checks)
        for (int i = 0; i < 40; i++) {
            Path p = tmp.resolve("m" + i + ".gguf");
            Files.write(p, mutate(sample, r, 700));
            try (GgufFile f = GgufFile.open(p)) {
                opened++;
                f.tensors().forEach(f::data);
            } catch (FormatException e) {
                // expected for most
            } catch (Throwable e) {
                throw new AssertionError(p + ": " + e, e);
            }
        }
        System.out.println("fuzz: " + opened + " of " + total + " mutated images still opened");
        assertTrue(opened > 0 && opened < total, "the mutations both keep some files valid and break others");
    }
}
