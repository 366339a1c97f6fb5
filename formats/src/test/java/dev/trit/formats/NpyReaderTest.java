package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyReaderTest {
    @TempDir
    Path tmp;

    private static final String[] MODELS = {"demo-bitnet-bf16", "demo-bitnet-packed", "demo-llama-f16", "demo1-bitnet-packed",
            "mini-bitnet-fp16", "mini-llama-f16"};

    @Test
    void bundledFirst25500() throws Exception {
        for (String m : MODELS) {
            NpyReader.NpyArray a = NpyReader.read(Fixtures.root().resolve("oracle/wikitext-2-test/" + m + ".wt2test.nll-first25500.npy"));
            assertEquals("<f8", a.descr());
            assertArrayEquals(new long[] {25500}, a.shape());
            assertEquals(25500, a.data().length);
            for (double x : a.data()) assertTrue(x >= 0 && Double.isFinite(x), m + ": NLL " + x);
        }
    }

    /**
     * The oracle's perplexity is exp(mean NLL) over the full arrays. Summation is compensated
     * (Kahan), so the mean is accurate to ~1e-15 relative; numpy's pairwise sum is about as
     * accurate, hence 1e-9 relative on the perplexity leaves a wide margin while still catching any
     * misread element.
     */
    @Test
    void fullArraysReproduceOraclePerplexity() throws Exception {
        Path dir = Fixtures.shared().resolve("oracle/wikitext-2-test");
        dev.trit.formats.testing.SharedFixtures.present(dir.resolve("demo-llama-f16.wt2test.nll.npy"));
        JsonNode oracle = JsonFiles.readObject(dir.resolve("oracle-wt2test.json"));
        for (String m : MODELS) {
            NpyReader.NpyArray a = NpyReader.read(dir.resolve(m + ".wt2test.nll.npy"));
            long n = oracle.get(m).get("n_scored").asLong();
            assertArrayEquals(new long[] {n}, a.shape(), m);
            double sum = 0, c = 0;
            for (double x : a.data()) {
                double y = x - c, t = sum + y;
                c = (t - sum) - y;
                sum = t;
            }
            double ppl = Math.exp(sum / a.data().length);
            double want = oracle.get(m).get("ppl").asDouble();
            assertEquals(want, ppl, want * 1e-9, m);
            // the bundled excerpt is the head of the full array
            double[] head = NpyReader.read(Fixtures.root().resolve("oracle/wikitext-2-test/" + m + ".wt2test.nll-first25500.npy")).data();
            assertArrayEquals(Arrays.copyOf(a.data(), 25500), head, 0.0, m);
        }
    }

    private Path npy(int major, String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) h.length);
        else b.putInt(h.length);
        b.put(h).put(data);
        Path p = tmp.resolve("a" + System.nanoTime() + ".npy");
        Files.write(p, b.array());
        return p;
    }

    private static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    @Test
    void dtypesVersionsAndShapes() throws Exception {
        NpyReader.NpyArray f4 = NpyReader.read(npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                le(24, b -> { for (int i = 0; i < 6; i++) b.putFloat(i * 0.5f); })));
        assertArrayEquals(new long[] {2, 3}, f4.shape());
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2, 2.5}, f4.data());
        NpyReader.NpyArray i4 = NpyReader.read(npy(3, "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (3,)}",
                le(12, b -> b.putInt(-1).putInt(7).putInt(Integer.MAX_VALUE))));
        assertArrayEquals(new double[] {-1, 7, Integer.MAX_VALUE}, i4.data());
        NpyReader.NpyArray i8 = NpyReader.read(npy(1, "{'descr': '<i8', 'fortran_order': True, 'shape': (2,), }",
                le(16, b -> b.putLong(-5).putLong(1L << 40))));
        assertArrayEquals(new double[] {-5, 1L << 40}, i8.data());
        NpyReader.NpyArray scalar = NpyReader.read(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                le(8, b -> b.putDouble(3.25))));
        assertArrayEquals(new long[0], scalar.shape());
        assertArrayEquals(new double[] {3.25}, scalar.data());
    }

    private void fails(Path p, String expected) {
        FormatException e = assertThrows(FormatException.class, () -> NpyReader.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badFiles() throws Exception {
        String ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
        fails(npy(1, ok.replace("<f8", ">f8"), new byte[16]), "unsupported dtype '>f8'");
        fails(npy(1, ok.replace("<f8", "<c16"), new byte[32]), "unsupported dtype");
        fails(npy(1, ok, new byte[15]), "needs 16 data bytes, the file has 15");
        fails(npy(1, ok, new byte[17]), "the file has 17");
        fails(npy(1, ok.replace("(2,)", "(4611686018427387904, 4)"), new byte[16]), "overflows");
        fails(npy(1, ok.replace("(2,)", "(1000000000000,)"), new byte[16]), "needs more data bytes");
        fails(npy(1, ok.replace("False", "True").replace("(2,)", "(1, 2)"), new byte[16]), "Fortran-order");
        fails(npy(1, ok.replace("'shape': (2,), ", ""), new byte[16]), "no tuple 'shape'");
        fails(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,", new byte[16]), "bad .npy header");
        fails(npy(1, "{'descr': '<f8' 'x'}", new byte[16]), "expected '}'");
        fails(npy(1, "[" .repeat(100), new byte[16]), "nested too deeply");
        fails(npy(7, ok, new byte[16]), "unsupported .npy format version 7");
        Path notNpy = tmp.resolve("x.npy");
        Files.writeString(notNpy, "PK\u0003\u0004 this is a zip file");
        fails(notNpy, "no \\x93NUMPY magic");
        Path shortFile = tmp.resolve("s.npy");
        Files.write(shortFile, new byte[] {(byte) 0x93, 'N'});
        fails(shortFile, "too short");
        // header length past the end
        byte[] b = Files.readAllBytes(npy(1, ok, new byte[16]));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 60000);
        Path past = tmp.resolve("p.npy");
        Files.write(past, b);
        fails(past, "runs past the end");
    }
}
