package dev.trit.analysis;

import dev.trit.formats.FormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;

/**
 * The record batches an Arrow IPC file's footer lists, each checked to lie inside the file before Arrow reads
 * it: Arrow allocates a batch's body from the footer's length before reading a byte of it, so a corrupt footer
 * (a length of 2^39, say) ran the process out of native memory ("Unable to allocate 549755814416 bytes", found
 * by ResultFilesFuzzTest). Our files hold no dictionaries; a footer that lists some is corrupt as well.
 */
final class ArrowBlocks {
    private ArrowBlocks() {
    }

    static List<ArrowBlock> of(Path file, ArrowFileReader reader, long fileSize) throws IOException {
        List<ArrowBlock> blocks = reader.getRecordBlocks();
        if (!reader.getDictionaryBlocks().isEmpty()) throw new FormatException(file, "corrupt Arrow footer (dictionary batches listed)");
        for (int i = 0; i < blocks.size(); i++) {
            ArrowBlock b = blocks.get(i);
            long offset = b.getOffset(), meta = b.getMetadataLength(), body = b.getBodyLength();
            if (offset < 0 || meta < 0 || body < 0 || meta > fileSize || body > fileSize || offset > fileSize - meta - body) {
                throw new FormatException(file, "corrupt Arrow footer (record batch " + i + " at " + offset + ", " + meta + " + " + body
                        + " bytes, past the end of the " + fileSize + "-byte file)");
            }
        }
        return blocks;
    }
}
