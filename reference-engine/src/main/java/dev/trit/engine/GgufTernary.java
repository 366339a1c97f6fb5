package dev.trit.engine;

import dev.trit.formats.BlockCodec;
import dev.trit.formats.GgmlType;
import dev.trit.formats.TensorInfo;
import dev.trit.formats.TernaryCodec;
import dev.trit.formats.Tq1Codec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.OptionalDouble;

/**
 * Decodes a ternary projection of a GGUF file straight into a {@link TernaryMatrix}, a bounded number of
 * rows at a time, so that no whole tensor is ever held unpacked. The tensor is TQ1_0, TQ2_0, I2_S, or a
 * float type holding values in {-s, 0, +s} (llama.cpp's converter stores ternary times mean|W| as F16
 * for its {@code bitnet} arch). The engine keeps one scale per matrix: TQ blocks that carry different
 * scales are refused (blocks of zeros carry none; ggml stores 0 for them).
 */
final class GgufTernary {
    /** Weights decoded per step: about 1 MiB of trits (4 MiB of floats for float tensors). */
    static final int CHUNK_WEIGHTS = 1 << 20;

    private GgufTernary() {
    }

    /** {@code data} is the tensor's complete bytes; {@code t} its GGUF info (shape [rows, cols]). */
    static TernaryMatrix load(TensorInfo t, MemorySegment data) {
        return load(t, data, CHUNK_WEIGHTS, null);
    }

    static TernaryMatrix load(TensorInfo t, MemorySegment data, int chunkWeights) {
        return load(t, data, chunkWeights, null);
    }

    /**
     * As {@link #load(TensorInfo, MemorySegment)}; {@code rowOf}, if not null, gives for each stored row the
     * matrix row it holds (a {@code llama} file's Q/K rows, permuted by llama.cpp's converter).
     */
    static TernaryMatrix load(TensorInfo t, MemorySegment data, int[] rowOf) {
        return load(t, data, CHUNK_WEIGHTS, rowOf);
    }

    static TernaryMatrix load(TensorInfo t, MemorySegment data, int chunkWeights, int[] rowOf) {
        return load(t, data, chunkWeights, rowOf, !TQ1_PACKED);
    }

    /**
     * TQ1_0 packed as the other ternary types (on the heap: the row-lane layout, 1.78 bits a weight, on 512-bit
     * hardware; 2 elsewhere) instead of read in place (1.69, mapped): -Dtrit.tq1Packed=true. The products are
     * the same bits (Tq1KernelsTest); the packed kernels are faster and the heap holds more. 2B4T TQ1_0 + Q6_K output, trit bench 256 + 32
     * tokens, A B A B (2026-12-04): decode 16.1-16.7, 15.7-16.1 -> 33.6-35.7, 27.5-28.8 tok/s, prefill
     * 81-85 -> 139-151 tok/s, peak RSS 1.285x -> 1.37-1.39x the file; trit ppl (ctx 256) 60 -> 88 tok/s.
     * In place stays the default: issue 13 holds TQ1_0 to 1.3x its file.
     */
    static final boolean TQ1_PACKED = Boolean.getBoolean("trit.tq1Packed");

    /** As {@link #load(TensorInfo, MemorySegment, int, int[])}, TQ1_0 read in place or packed as given. */
    static TernaryMatrix load(TensorInfo t, MemorySegment data, int chunkWeights, int[] rowOf, boolean tq1InPlace) {
        if (t.shape().length != 2) throw new IllegalArgumentException(t.name() + ": a ternary projection needs a shape [out, in]");
        int rows = Math.toIntExact(t.shape()[0]), cols = Math.toIntExact(t.shape()[1]);
        GgmlType type = (GgmlType) t.type();
        BlockCodec codec = BlockCodec.find(type)
                .orElseThrow(() -> new IllegalArgumentException(t.name() + ": tensor type " + type.label() + " is not supported by the engine"));
        // a step of rows starts on a block boundary: step * cols is a multiple of the block size
        int align = type.blockSize() / gcd(cols, type.blockSize());
        int step = Math.max(1, chunkWeights / cols / align) * align;
        if (type == GgmlType.TQ1_0 && cols % TernaryMatrix.TQ1_BLOCK == 0 && tq1InPlace) return tq1InPlace(t, data, rows, cols, rowOf);
        TernaryMatrix.Builder b = new TernaryMatrix.Builder(rows, cols);
        OptionalDouble found = codec instanceof TernaryCodec tc ? fromCodec(t, data, tc, b, step, rowOf) : fromFloats(t, data, codec, b, step, rowOf);
        if (found.isEmpty()) {
            throw new IllegalArgumentException(t.name() + ": every weight is 0, so no block carries a scale; the engine needs one scale per tensor");
        }
        float scale = (float) found.getAsDouble();
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException(t.name() + ": scale " + scale + " is not positive and finite");
        }
        return b.build(scale);
    }

    /**
     * TQ1_0 stays where it is (1.69 bits per weight, against 1.78 packed in base 3 on 512-bit hardware and 2
     * elsewhere; see {@link #TQ1_PACKED}): the blocks' d are checked as the
     * packed path checks them (one scale; blocks of zeros, stored with d = 0, carry none) and the matrix
     * reads the mapped bytes.
     */
    private static TernaryMatrix tq1InPlace(TensorInfo t, MemorySegment data, int rows, int cols, int[] rowOf) {
        long blocks = (long) rows * (cols / TernaryMatrix.TQ1_BLOCK);
        if (data.byteSize() != blocks * TernaryMatrix.TQ1_BYTES) {
            throw new IllegalArgumentException(t.name() + ": " + data.byteSize() + " bytes for " + blocks + " TQ1_0 blocks");
        }
        short bits = 0;
        boolean found = false;
        for (long b = 0; b < blocks; b++) {
            long base = b * TernaryMatrix.TQ1_BYTES;
            short d = data.get(HALF, base + 52);
            if (found && d == bits) continue; // the common case
            if (allZero(decodeTq1Block(data, b), 0, TernaryMatrix.TQ1_BLOCK)) continue; // ggml stores d = 0 for such blocks
            if (found) throw differentScales(t);
            bits = d;
            found = true;
        }
        if (!found) throw new IllegalArgumentException(t.name() + ": every weight is 0, so no block carries a scale; the engine needs one scale per tensor");
        float scale = Float.float16ToFloat(bits);
        if (!(scale > 0) || Float.isInfinite(scale)) throw new IllegalArgumentException(t.name() + ": scale " + scale + " is not positive and finite");
        int[] storedRow = null;
        if (rowOf != null) {
            storedRow = new int[rows];
            java.util.Arrays.fill(storedRow, -1);
            for (int s = 0; s < rows; s++) {
                int r = rowOf[s];
                if (r < 0 || r >= rows || storedRow[r] >= 0) throw new IllegalArgumentException(t.name() + ": row order is not a permutation");
                storedRow[r] = s;
            }
        }
        return TernaryMatrix.tq1InPlace(rows, cols, data, storedRow, scale);
    }

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The trits of TQ1_0 block b (formats' codec). */
    private static byte[] decodeTq1Block(MemorySegment data, long b) {
        byte[] trits = new byte[TernaryMatrix.TQ1_BLOCK];
        Tq1Codec.INSTANCE.decodeTernaryRange(data, b * TernaryMatrix.TQ1_BLOCK, trits.length, trits, new float[1]);
        return trits;
    }

    /** Fills b from a ternary codec; returns the scale the nonzero groups share, empty if all are zero. */
    private static OptionalDouble fromCodec(TensorInfo t, MemorySegment data, TernaryCodec codec, TernaryMatrix.Builder b, int step, int[] rowOf) {
        byte[] trits = new byte[step * b.cols];
        float[] scales = new float[trits.length / codec.groupSize(trits.length)];
        float scale = 0;
        boolean found = false;
        for (int r = 0; r < b.rows; r += step) {
            int n = Math.min(step, b.rows - r) * b.cols;
            codec.decodeTernaryRange(data, (long) r * b.cols, n, trits, scales);
            int group = codec.groupSize(n); // I2_S: the whole range
            for (int g = 0; g < n / group; g++) {
                if (found && Float.floatToIntBits(scales[g]) == Float.floatToIntBits(scale)) continue; // the common case
                if (allZero(trits, g * group, group)) continue; // ggml stores scale 0 for such blocks
                if (found) throw differentScales(t);
                scale = scales[g];
                found = true;
            }
            put(b, r, n / b.cols, trits, rowOf);
        }
        return found ? OptionalDouble.of(scale) : OptionalDouble.empty();
    }

    private static void put(TernaryMatrix.Builder b, int firstRow, int n, byte[] trits, int[] rowOf) {
        if (rowOf == null) b.putRows(firstRow, n, trits);
        else b.putRowsMapped(firstRow, n, trits, rowOf);
    }

    private static boolean allZero(byte[] trits, int from, int n) {
        for (int i = from; i < from + n; i++) if (trits[i] != 0) return false;
        return true;
    }

    private static IllegalArgumentException differentScales(TensorInfo t) {
        return new IllegalArgumentException(t.name() + ": blocks carry different scales; the engine needs one scale per tensor");
    }

    /**
     * Fills b from float values that must be ternary: s = max |x| over the tensor (a first pass), then
     * every value must be s, -s or 0. Returns s, empty if it is 0.
     */
    private static OptionalDouble fromFloats(TensorInfo t, MemorySegment data, BlockCodec codec, TernaryMatrix.Builder b, int step, int[] rowOf) {
        float[] v = new float[step * b.cols];
        float s = 0;
        for (int r = 0; r < b.rows; r += step) {
            int n = Math.min(step, b.rows - r) * b.cols;
            codec.decodeRange(data, (long) r * b.cols, v, 0, n);
            for (int i = 0; i < n; i++) s = Math.max(s, Math.abs(v[i]));
        }
        byte[] trits = new byte[v.length];
        for (int r = 0; r < b.rows; r += step) {
            int n = Math.min(step, b.rows - r) * b.cols;
            codec.decodeRange(data, (long) r * b.cols, v, 0, n);
            for (int i = 0; i < n; i++) {
                if (v[i] == s) trits[i] = 1;
                else if (v[i] == -s) trits[i] = -1;
                else if (v[i] == 0) trits[i] = 0;
                else {
                    throw new IllegalArgumentException(t.name() + ": " + t.type().label() + " weights are not ternary (value " + v[i]
                            + " besides +-" + s + "); a bitnet GGUF must hold ternary projections");
                }
            }
            put(b, r, n / b.cols, trits, rowOf);
        }
        return s == 0 ? OptionalDouble.empty() : OptionalDouble.of(s);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
