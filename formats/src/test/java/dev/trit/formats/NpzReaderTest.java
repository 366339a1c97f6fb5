package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzReaderTest {
    /** A version-1 .npy of the given descr/shape/data, as numpy writes it. */
    private static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    @Test
    void readsEveryEntryWithItsKey(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("tok/text.npy"));
            z.write(npy("|u1", "(3,)", "Zü".getBytes(StandardCharsets.UTF_8)));
            z.putNextEntry(new ZipEntry("ids.npy"));
            z.write(npy("<i4", "(2,)", new byte[] {5, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        }
        Map<String, NpyReader.NpyArray> m = NpzReader.read(f);
        assertEquals("Zü", NpzReader.utf8(m.get("tok/text")));
        assertArrayEquals(new int[] {5, -1}, NpzReader.ints(m.get("ids")));
    }

    @Test
    void refusesWhatIsNotAZip(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("b.npz");
        Files.writeString(f, "not a zip");
        assertThrows(FormatException.class, () -> NpzReader.read(f));
    }
}
