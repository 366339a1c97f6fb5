package dev.trit.engine;

import dev.trit.formats.DType;
import dev.trit.formats.GgmlType;
import dev.trit.formats.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Reads float tensors (F32, F16, BF16) from a mapped segment into float[] (exact widening). */
public final class FloatDecoder {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FloatDecoder() {
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds to the nearest bfloat16 (ties to even), as torch's .to(torch.bfloat16) does. */
    public static float roundToBf16(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7f800000) == 0x7f800000) return x; // inf/nan unchanged
        int rounded = b + 0x7fff + ((b >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }

    public static float[] read(TensorInfo t, MemorySegment data) {
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(t.name() + ": too many elements for a float[]");
        if (t.type() instanceof GgmlType g && g.blockSize() > 1 && dev.trit.formats.BlockCodec.find(g).isPresent() && n % g.blockSize() == 0) {
            // a ggml block type read in place (StoredMatrix), here widened whole as ggml dequantizes
            return dev.trit.formats.BlockCodec.of(g).decode(data, (int) n);
        }
        DType d = switch (t.type()) {
            case DType x -> x;
            case GgmlType g when g == GgmlType.F32 -> DType.F32;
            case GgmlType g when g == GgmlType.F16 -> DType.F16;
            case GgmlType g when g == GgmlType.BF16 -> DType.BF16;
            default -> throw new IllegalArgumentException(t.name() + ": expected F32, F16 or BF16, found " + t.type().label());
        };
        long need = d.bytesFor(n);
        if (data.byteSize() < need) throw new IllegalArgumentException(t.name() + ": " + data.byteSize() + " bytes, need " + need);
        float[] out = new float[(int) n];
        switch (d) {
            case F32 -> {
                for (int i = 0; i < n; i++) out[i] = data.getAtIndex(F32, i);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(data.getAtIndex(U16, i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = bf16ToFloat(data.getAtIndex(U16, i));
            }
            default -> throw new IllegalArgumentException(t.name() + ": expected F32, F16 or BF16, found " + d);
        }
        return out;
    }
}
