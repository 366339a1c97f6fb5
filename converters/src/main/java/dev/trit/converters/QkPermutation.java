package dev.trit.converters;

import java.io.IOException;

/**
 * llama.cpp's rotary layout for LLaMA's Q and K weights (convert_hf_to_gguf.py LlamaModel.permute):
 * within each head of d rows, HF keeps the two rotary halves apart (rows j*d/2 + i, j = 0, 1) and
 * llama.cpp interleaves them (row 2i + j). For K the head count is the KV head count. BitNet models
 * are not permuted by llama.cpp's BitnetModel.
 */
final class QkPermutation {
    private QkPermutation() {
    }

    /** The HF row held by GGUF row g (heads of headRows rows). */
    static long hfRowOfGguf(long g, long headRows) {
        long h = g / headRows, o = g % headRows, half = headRows / 2;
        long i = o / 2, j = o % 2;
        return h * headRows + j * half + i;
    }

    /** The GGUF row holding HF row r. */
    static long ggufRowOfHf(long r, long headRows) {
        long h = r / headRows, o = r % headRows, half = headRows / 2;
        long j = o / half, i = o % half;
        return h * headRows + 2 * i + j;
    }

    /** A reader of rows in one order made from a reader in the other, row by row. */
    static SourceTensor.RowReader<float[]> permuted(SourceTensor.RowReader<float[]> src, long cols, long headRows, boolean toGguf) {
        return (row0, nrows, dst) -> {
            float[] one = new float[Math.toIntExact(cols)];
            for (int r = 0; r < nrows; r++) {
                long want = row0 + r;
                long from = toGguf ? hfRowOfGguf(want, headRows) : ggufRowOfHf(want, headRows);
                src.read(from, 1, one);
                System.arraycopy(one, 0, dst, (int) (r * cols), (int) cols);
            }
        };
    }

    static SourceTensor.RowReader<byte[]> permutedTrits(SourceTensor.RowReader<byte[]> src, long cols, long headRows, boolean toGguf) {
        return (row0, nrows, dst) -> {
            byte[] one = new byte[Math.toIntExact(cols)];
            for (int r = 0; r < nrows; r++) {
                long want = row0 + r;
                long from = toGguf ? hfRowOfGguf(want, headRows) : ggufRowOfHf(want, headRows);
                src.read(from, 1, one);
                System.arraycopy(one, 0, dst, (int) (r * cols), (int) cols);
            }
        };
    }

    static void check(long rows, long headRows) throws IOException {
        if (headRows % 2 != 0 || rows % headRows != 0) throw new IOException("Q/K rows " + rows + " do not split into heads of " + headRows);
    }
}
