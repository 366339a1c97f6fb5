package dev.trit.formats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * NumPy's {@code .npz} archives ({@code np.savez}, {@code np.savez_compressed}): a zip of {@code .npy}
 * files, one per array, named {@code <key>.npy}. The oracles keep their arrays this way.
 */
public final class NpzReader {
    private NpzReader() {
    }

    /** Every array of the archive by key (the entry name without ".npy"), in archive order. */
    public static Map<String, NpyReader.NpyArray> read(Path file) throws IOException {
        Map<String, NpyReader.NpyArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<? extends ZipEntry> entries = new ArrayList<>(zip.stream().toList());
            for (ZipEntry e : entries) {
                if (e.isDirectory()) continue;
                String name = e.getName();
                String key = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
                if (e.getSize() > Integer.MAX_VALUE - 8) throw new FormatException(file, key + ": entry of " + e.getSize() + " bytes is too large");
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                out.put(key, NpyReader.parse(file.resolve(name), bytes));
            }
        } catch (NoSuchFileException e) {
            throw new FormatException(file, "no such file");
        } catch (ZipException e) {
            throw new FormatException(file, "not a .npz archive: " + e.getMessage());
        }
        return out;
    }

    /** The UTF-8 text an array of uint8 holds (the oracles store strings so). */
    public static String utf8(NpyReader.NpyArray a) {
        double[] d = a.data();
        byte[] b = new byte[d.length];
        for (int i = 0; i < d.length; i++) b[i] = (byte) (int) d[i];
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The values of an integer array as int[]. */
    public static int[] ints(NpyReader.NpyArray a) {
        double[] d = a.data();
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (int) d[i];
        return out;
    }
}
