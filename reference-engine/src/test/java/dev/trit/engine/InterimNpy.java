package dev.trit.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TEMPORARY, test-only: reads a 1-D little-endian float64 .npy fixture. TODO(lead): replace with the
 * formats module's NpyReader once branch st is merged.
 */
final class InterimNpy {
    private InterimNpy() {
    }

    static double[] readFloat64(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10 || all[0] != (byte) 0x93 || all[1] != 'N') throw new IOException(file + ": not a .npy file");
        int major = all[6];
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int dataStart = (major == 1 ? 10 : 12) + headerLen;
        String header = new String(all, major == 1 ? 10 : 12, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f8'") || header.contains("'fortran_order': True")) throw new IOException(file + ": expected C-order <f8, header " + header.strip());
        int n = (all.length - dataStart) / 8;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = b.getDouble(dataStart + 8 * i);
        return out;
    }
}
