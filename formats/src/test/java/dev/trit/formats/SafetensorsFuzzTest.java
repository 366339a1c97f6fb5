package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates a small real safetensors file thousands of times (fixed seed) and opens each mutant: the
 * outcome must be a successful open whose tensors are all readable, or a FormatException; never
 * another exception or error.
 */
class SafetensorsFuzzTest {
    private static final int ROUNDS = 4000;
    private static final String[] TOKENS = {"-", "-1", "0", "1e400", "18446744073709551616", "9223372036854775807", "\"",
            "{", "}", "[", "]", ",", ":", "null", "true", "2.5", "\"F64\"", "\"U8\"", "\"XX\"", "\\u0000", "\u00ff", " "};

    @TempDir
    Path tmp;

    /** The base: the small tensors (norms and weight scales) of the packed demo, rewritten by our writer. */
    private byte[] base() throws Exception {
        Path out = tmp.resolve("base.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.hf("demo-bitnet-packed").resolve("model.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter(out).metadata(f.stringMetadata());
            for (TensorInfo t : f.tensors()) {
                if (t.byteSize() <= 4096) w.add(t.name(), (DType) t.type(), t.shape(), f.data(t));
            }
            w.add("model.layers.0.self_attn.k_proj.weight", DType.U8, new long[] {32, 256},
                    f.data(f.find("model.layers.0.self_attn.k_proj.weight").orElseThrow()));
            w.write();
        }
        return Files.readAllBytes(out);
    }

    @Test
    void mutantsOpenOrFailCleanly() throws Exception {
        byte[] base = base();
        int headerLen = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Random r = new Random(20261123);
        Path p = tmp.resolve("mutant.safetensors");
        int ok = 0, rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] m = mutate(base, headerLen, r);
            Files.write(p, m);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (TensorInfo t : f.tensors()) {
                    MemorySegment s = f.data(t);
                    assertTrue(t.offset() >= f.dataStart() && t.offset() + t.byteSize() <= m.length);
                    // touch both ends of every slice: they must lie inside the mapping
                    if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, 0);
                    if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1);
                }
                assertEquals(m.length, f.dataStart() + f.totalTensorBytes(), "round " + round);
                ok++;
            } catch (FormatException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("round " + round + ": " + t, t);
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the reader.
        assertTrue(ok > 50, "opened " + ok);
        assertTrue(rejected > ROUNDS / 2, "rejected " + rejected);
    }

    private static byte[] mutate(byte[] base, int headerLen, Random r) {
        byte[] m = base.clone();
        switch (r.nextInt(7)) {
            case 0 -> { // flip bits in the header
                for (int k = 1 + r.nextInt(4); k > 0; k--) m[8 + r.nextInt(headerLen)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // random bytes anywhere
                for (int k = 1 + r.nextInt(4); k > 0; k--) m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            }
            case 2 -> m = Arrays.copyOf(m, r.nextInt(m.length)); // truncation
            case 3 -> { // header length field
                long n = switch (r.nextInt(4)) {
                    case 0 -> headerLen + r.nextInt(17) - 8;
                    case 1 -> r.nextLong();
                    case 2 -> r.nextInt(m.length + 100);
                    default -> 1L << r.nextInt(64);
                };
                ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            }
            case 4 -> m = editHeader(m, headerLen, r, true); // text edits keeping the length field right
            case 5 -> m = editHeader(m, headerLen, r, false); // text edits, length field left stale
            default -> { // extra or missing data bytes
                m = Arrays.copyOf(m, Math.max(0, m.length + r.nextInt(33) - 16));
            }
        }
        return m;
    }

    private static byte[] editHeader(byte[] m, int headerLen, Random r, boolean fixLength) {
        String h = new String(m, 8, headerLen, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(h);
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int at = r.nextInt(sb.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> sb.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + r.nextInt(12)));
                case 2 -> { // change a number: the most interesting edits for offsets and shapes
                    int d = sb.indexOf("[", at);
                    if (d >= 0 && d + 1 < sb.length()) sb.insert(d + 1, r.nextInt(5) == 0 ? "-" : String.valueOf(r.nextInt(10)));
                }
                default -> { // swap a dtype
                    int d = sb.indexOf("\"dtype\":\"", at);
                    if (d >= 0) {
                        int s = d + 9, e = sb.indexOf("\"", s);
                        String[] ts = {"F64", "F32", "BF16", "U8", "I64", "BOOL", "F8_E4M3", "Q8"};
                        if (e > s) sb.replace(s, e, ts[r.nextInt(ts.length)]);
                    }
                }
            }
        }
        byte[] nh = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + nh.length + (m.length - 8 - headerLen)];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, fixLength ? nh.length : headerLen);
        System.arraycopy(nh, 0, out, 8, nh.length);
        System.arraycopy(m, 8 + headerLen, out, 8 + nh.length, m.length - 8 - headerLen);
        return out;
    }
}
