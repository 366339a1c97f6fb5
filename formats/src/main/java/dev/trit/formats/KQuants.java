package dev.trit.formats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Helpers shared by the llama-quantize codecs (ggml-quants.c's "2-6 bit quantization in super-blocks"
 * helpers): ggml's nearest_int, the searches make_qkx2_quants and make_q3_quants, and the 6-bit
 * scale/min packing of Q4_K and Q5_K (get_scale_min_k4). Arithmetic is float, in ggml's order of
 * operations: ggml-quants.c is part of ggml-base, which is built without -march flags on x86-64, so
 * its float expressions are not contracted into fused multiply-adds and its sums are not reordered.
 */
public final class KQuants {
    /** ggml-quants.c's GROUP_MAX_EPS: groups whose largest magnitude is below it count as zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuants() {
    }

    /**
     * ggml's nearest_int: adding 1.5 * 2^23 leaves the rounded integer (round half to even) in the low
     * mantissa bits; valid for |v| < 2^22, as ggml asserts.
     */
    static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + 12582912f) & 0x007FFFFF) - 0x00400000;
    }

    /**
     * The block layout check each codec makes beside its code, as ggml-common.h static_asserts the sizes
     * of its block structs: {@code fields} is the sum of the struct's field sizes. Returns the size.
     */
    static int blockBytes(GgmlType type, int blockSize, int fields) {
        if (type.blockSize() != blockSize || type.blockBytes() != fields) {
            throw new AssertionError(type + ": block of " + blockSize + " in " + fields + " bytes, GgmlType says " + type.blockSize() + " in " + type.blockBytes());
        }
        return fields;
    }

    /** Copies one block's bytes (bulk copy: much faster than reading a segment byte by byte). */
    static void load(MemorySegment src, long base, byte[] buf, int bytes) {
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, base, buf, 0, bytes);
    }

    static float half(byte[] b, int at) {
        return Half.f16ToFloat((short) (b[at] & 0xFF | b[at + 1] << 8));
    }

    static void putHalf(byte[] b, int at, float v) {
        short h = Half.floatToF16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    /** get_scale_min_k4: the 6-bit scale of sub-block j (0..7) of a Q4_K/Q5_K scales[12] at {@code at}. */
    static int scaleK4(byte[] q, int at, int j) {
        return j < 4 ? q[at + j] & 63 : (q[at + j + 4] & 0xF) | ((q[at + j - 4] & 0xFF) >>> 6) << 4;
    }

    /** get_scale_min_k4: the 6-bit min of sub-block j (0..7). */
    static int minK4(byte[] q, int at, int j) {
        return j < 4 ? q[at + j + 4] & 63 : ((q[at + j + 4] & 0xFF) >>> 4) | ((q[at + j] & 0xFF) >>> 6) << 4;
    }

    /**
     * Packs eight 6-bit scales and mins into scales[12] at {@code at} as quantize_row_q4_K_ref does: the
     * first four of each whole in bytes 0..7 (low 6 bits), the last four as nibbles in bytes 8..11 with
     * their top 2 bits in bits 6-7 of bytes 0..7.
     */
    public static void packScaleMinK4(int[] ls, int[] lm, byte[] q, int at) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                q[at + j] = (byte) ls[j];
                q[at + j + 4] = (byte) lm[j];
            } else {
                q[at + j + 4] = (byte) ((ls[j] & 0xF) | (lm[j] & 0xF) << 4);
                q[at + j - 4] |= (byte) ((ls[j] >> 4) << 6);
                q[at + j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
    }

    /**
     * make_qkx2_quants: levels 0..nmax and a (scale, min) pair for x[x0 .. x0+n) with x ~ scale * L - min,
     * minimizing the weighted error (|diff| when useMad, else diff^2). Starts from the plain min/max fit,
     * then tries iscale = (rmin + rdelta * is + nmax) / (max - min) for is in 0..nstep, each with a least
     * squares (scale, min) for its levels (min clamped to be <= 0), keeping the one of least error.
     * Writes levels to L[l0 ..], the min (>= 0, the amount subtracted) to mins[mi]; returns the scale.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int x0, float[] weights, byte[] L, int l0, float[] mins, int mi,
            byte[] laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[x0], max = x[x0];
        float sumW = weights[0];
        float sumX = sumW * x[x0];
        for (int i = 1; i < n; i++) {
            float v = x[x0 + i];
            if (v < min) min = v;
            if (v > max) max = v;
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[l0 + i] = 0;
            mins[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[x0 + i] - min))));
            L[l0 + i] = (byte) l;
            float diff = scale * l + min - x[x0 + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            mins[mi] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[x0 + i] - min))));
                laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[x0 + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[x0 + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, l0, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[mi] = -min;
        return scale;
    }

    /** The value of largest magnitude among x[x0 .. x0+n) (the first on ties; 0 when all are 0), sign kept. */
    static float signedAbsMax(int n, float[] x, int x0) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[x0 + i]);
            if (ax > amax) {
                amax = ax;
                max = x[x0 + i];
            }
        }
        return max;
    }

    /**
     * make_qx_quants(n, nmax, x, L, rmse_type 1, weights) as quantize_row_q6_K_ref uses it: signed levels -nmax .. nmax-1 (stored + nmax) and their least
     * squares scale under weights (x^2 when {@code qw} is null), trying iscale = -(nmax + 0.1 is) / max
     * for is in -9..9 around the plain -nmax / max.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int x0, byte[] L, int l0, float[] qw, int q0) {
        float max = signedAbsMax(n, x, x0), amax = Math.abs(max);
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[l0 + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[x0 + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            L[l0 + i] = (byte) (l + nmax);
            float w = qw != null ? qw[q0 + i] : v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[x0 + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = qw != null ? qw[q0 + i] : v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) L[l0 + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[x0 + i]))));
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * make_q3_quants(n, nmax, x, L, do_rmse true): levels -nmax .. nmax-1 from iscale = -nmax / max, then
     * up to five passes of coordinate descent, each level moved to nearest_int(x * sl2 / slx) of the
     * other levels' sums when that raises sumlx^2 / suml2 (weights x^2). Stores levels + nmax; returns
     * sumlx / suml2.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int x0, byte[] L, int l0) {
        float max = signedAbsMax(n, x, x0), amax = Math.abs(max);
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[l0 + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[x0 + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            L[l0 + i] = (byte) l;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float v = x[x0 + i];
                float w = v * v;
                int li = L[l0 + i];
                float slx = sumlx - w * v * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(v * sl2 / slx)));
                    if (newL != li) {
                        slx += w * v * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[l0 + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[l0 + i] += (byte) nmax;
        return suml2 > 0 ? sumlx / suml2 : 0f;
    }

    /**
     * The part quantize_row_q4_K_ref and quantize_row_q5_K_ref share, for one super-block of 256 at
     * x[x0 ..]: per sub-block of 32, weights sqrt(mean x^2) + |x| and make_qkx2_quants(nmax, rmin,
     * rdelta, nstep, squared error); d = max_scale / 63, dmin = max_min / 63 (fp16, written at dAt and
     * dminAt); 6-bit scale and min min(63, (uint8) nearest_int(63 / max * value)) packed at scalesAt;
     * then every weight re-rounded to clamp(nearest_int((x + dmin * m) / (d * s)), 0, nmax) into
     * levels[0 .. 256) (sub-blocks whose stored d * s is 0 keep make_qkx2_quants' levels).
     */
    static final class ScaleMinK4 {
        private final float[] weights = new float[32], scales = new float[8], mins = new float[8];
        private final byte[] laux = new byte[32];
        private final int[] ls = new int[8], lm = new int[8];

        void quantize(float[] x, int x0, int nmax, float rmin, float rdelta, int nstep, byte[] b, int dAt, int dminAt, int scalesAt, byte[] levels) {
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++) {
                int xj = x0 + 32 * j;
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += x[xj + l] * x[xj + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xj + l]);
                scales[j] = makeQkx2Quants(32, nmax, x, xj, weights, levels, 32 * j, mins, j, laux, rmin, rdelta, nstep, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < 8; j++) {
                ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF); // ggml: uint8_t, then MIN(63, .)
                lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            }
            packScaleMinK4(ls, lm, b, scalesAt);
            putHalf(b, dAt, maxScale / 63f);
            putHalf(b, dminAt, maxMin / 63f);
            float dAll = half(b, dAt), mAll = half(b, dminAt);
            for (int j = 0; j < 8; j++) {
                float d = dAll * scaleK4(b, scalesAt, j);
                if (d == 0f) continue;
                float dm = mAll * minK4(b, scalesAt, j);
                for (int i = 0; i < 32; i++) {
                    levels[32 * j + i] = (byte) Math.max(0, Math.min(nmax, nearestInt((x[x0 + 32 * j + i] + dm) / d)));
                }
            }
        }
    }
}
