package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every llama-quantize codec against ggml's C code itself, on inputs no model file covers: (a) decoding
 * 256 blocks of random bytes (any fp16 scales: subnormal, infinite, NaN too; every stored bit pattern)
 * gives the same float bits as ggml's dequantize_row_*; (b) encoding 512 rows of 256 values drawn from
 * eight distributions (Gaussian, Gaussian with outliers, sub-blocks of zeros, all positive, all tiny
 * negative, cubed Gaussian (heavy tails), sparse, values on a grid with ties) gives the same bytes as
 * quantize_* with no importance matrix (what llama-quantize calls). The C results are recorded as
 * SHA-256 digests (NaN bits canonicalized) of its output files.
 *
 * <p>Recorded with ggml-org/ggml d99724f2 (2026-08-21) src/ggml-quants.c built as ggml-base is, for
 * x86-64 without -march (so no fused multiply-adds), and the harness beside this test:
 * <pre>
 *   gcc -O3 -std=gnu11 -c -Iggml/include -Iggml/src -Iggml/src/ggml-cpu ggml/src/ggml-quants.c -o quants.o
 *   gcc -O2 -Iggml/include -Iggml/src src/test/c/ggml_quants_harness.c src/test/c/ggml_stubs.c quants.o -lm -o harness
 *   mvn -pl formats test -Dtest=GgmlQuantsOracleTest -Dtrit.ggmlHarness=/path/to/harness   (prints the digests)
 * </pre>
 * Measured: all ten types bit-identical both ways (1,024,000 decoded values per K-quant, 128,000 per
 * 32-block type; 512 K-quant and 4,096 32-blocks encoded per type).
 */
class GgmlQuantsOracleTest {
    private static final int ROWS = 512;

    /** type -> {sha256 of dequantize_row output, sha256 of quantize output}, from ggml's C. */
    private static final Map<GgmlType, String[]> GGML = Map.of(
            GgmlType.Q4_0, new String[] {"ffe7d6b2e5eaa0a673f430c54e7f6476fa01260c357fe7f0dc94b65992cfec77", "18d80501c8ac42ada529d52469723c1e359a0dda1e76b9fcc05fd23f3f5f568d"},
            GgmlType.Q4_1, new String[] {"1d151d019ab05a12e93c0bb2e1a5f6d1ebecb8dd8653c6cb109a769c3cffae1f", "253ea485caf15305e86fd88c93a1d8cb7ae280fe90297f97e5f001a175471aa2"},
            GgmlType.Q5_0, new String[] {"55b102c29ad34f245aee7007fd85c258ce52e4c795a68893f11ac5aed9a9bf79", "eb577a56dc0fed6356b78ba44e3ec88fd53f2263d1bd6b0c929466e509634616"},
            GgmlType.Q5_1, new String[] {"b5aef97cad2e1664960b49db1e43b29c29c4ff4cdcf6b77d7c44563ad0b08058", "939e46e89e2cfac43b811b6667522392481f913b5b9232563a401bc3435f7637"},
            GgmlType.Q2_K, new String[] {"25ac8d78d651780749caf1b8761e5121e7eeed07bf0e7ab635901d9eed5df556", "a7b4ea2c1ab580467631a1beb9649dcf8142912ecd1181f2be6ffb6c5898de35"},
            GgmlType.Q3_K, new String[] {"8d2616b83a7a58890617826609af2c605907c344391830bd73774c9a145c018a", "71f04dee894eda1727f181ae7ba85be6506ac15e44580df288f4b5bbe0aecfa9"},
            GgmlType.Q4_K, new String[] {"ef9cf5383da497065d13e34b456314f16c0a86093ec06c8cc428b51c634356f8", "43cf4f5a6918aea9b6496d3bfecb763cfc13c22aa92e3f682808da1718b4a3a9"},
            GgmlType.Q5_K, new String[] {"3ffd361c8d3d6456959ef3ed8bff71939c0add5d4ba830dbb727010228b5fe9d", "2b3e96a166eadc4717fa0fe5f33a7e0cb2b77ad0dbcb17786261f4719c62e81c"},
            GgmlType.Q6_K, new String[] {"2534d70fe461fc2d0ad29f1a3f7ea732d096852bc0f6716245a11c28fd0dbbee", "cbb19b2c01b738b706efc56ffbb9d1646cfaf612b8aee5d14a0daa7f23b91f1f"},
            GgmlType.IQ4_NL, new String[] {"da580eba090bd49623408c3d84cd17de64c2891ff7dec9a36604b8532bc366ca", "02c079c67955775d5de98a086061a8329b3a3d2432b62fce1a53174a5128d62a"});

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL"})
    void matchesGgml(GgmlType type) throws Exception {
        BlockCodec c = BlockCodec.of(type);
        byte[] raw = randomBlocks(type);
        float[] x = values(type);
        String decoded = sha256(floatBytes(c.decode(MemorySegment.ofArray(raw), raw.length / type.blockBytes() * type.blockSize())));
        String encoded = sha256(c.encode(x));
        String harness = System.getProperty("trit.ggmlHarness");
        if (harness != null && !harness.isBlank()) {
            String[] fromC = {sha256(canonical(run(harness, type, "dq", raw))), sha256(run(harness, type, "q", floatBytes(x)))};
            System.out.printf("            GgmlType.%s, new String[] {\"%s\", \"%s\"},%n", type, fromC[0], fromC[1]);
            assertEquals(fromC[0], decoded, type + " decode");
            assertEquals(fromC[1], encoded, type + " encode");
        }
        assertEquals(GGML.get(type)[0], decoded, type + ": decoding random blocks differs from ggml's dequantize_row");
        assertEquals(GGML.get(type)[1], encoded, type + ": encoding differs from ggml's quantize (no imatrix)");
    }

    static byte[] randomBlocks(GgmlType type) {
        byte[] raw = new byte[256 * type.blockBytes()];
        new Random(1000 + type.id()).nextBytes(raw);
        return raw;
    }

    /** ROWS rows of 256 values, row r drawn from distribution r % 8. */
    static float[] values(GgmlType type) {
        Random r = new Random(2000 + type.id());
        float[] x = new float[ROWS * 256];
        for (int row = 0; row < ROWS; row++) {
            for (int i = 0; i < 256; i++) {
                float g = (float) r.nextGaussian();
                x[row * 256 + i] = switch (row % 8) {
                    case 0 -> g * 0.02f;
                    case 1 -> r.nextInt(40) == 0 ? g * 3f : g * 0.02f;
                    case 2 -> i / 32 % 3 == 0 ? 0f : g;
                    case 3 -> Math.abs(g) * 5f + 1f;
                    case 4 -> -Math.abs(g) * 1e-3f;
                    case 5 -> g * g * g * 100f;
                    case 6 -> r.nextInt(7) == 0 ? g : 0f;
                    default -> (r.nextInt(9) - 4) * 0.25f;
                };
            }
        }
        x[5] = 1e-16f; // below GROUP_MAX_EPS
        return x;
    }

    static byte[] floatBytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) b.putInt(Float.isNaN(v) ? 0x7FC00000 : Float.floatToRawIntBits(v));
        return b.array();
    }

    /** The C decoder's floats with NaNs canonicalized as {@link #floatBytes} does. */
    private static byte[] canonical(byte[] floats) {
        ByteBuffer in = ByteBuffer.wrap(floats).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[floats.length / 4];
        for (int i = 0; i < x.length; i++) x[i] = in.getFloat(4 * i);
        return floatBytes(x);
    }

    private static byte[] run(String harness, GgmlType type, String mode, byte[] in) throws Exception {
        Path dir = Files.createTempDirectory("ggml-oracle");
        Path i = dir.resolve("in"), o = dir.resolve("out");
        Files.write(i, in);
        Process p = new ProcessBuilder(harness, type.name(), mode, i.toString(), o.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "harness exit status");
        byte[] out = Files.readAllBytes(o);
        Files.delete(i);
        Files.delete(o);
        Files.delete(dir);
        return out;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
