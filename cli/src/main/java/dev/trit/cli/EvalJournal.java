package dev.trit.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The append-only journal of one unit of an evaluation: one record per finished item (a text window,
 * a multiple-choice item), each {@code [int length][long CRC-32][int item][payload]}, forced to disk
 * (fsync) before the next item starts. A run killed at any point leaves whole records and at most one
 * torn record at the end; {@link #open} cuts that off and the run resumes after the last whole one.
 */
final class EvalJournal implements AutoCloseable {
    private final FileChannel ch;

    private EvalJournal(FileChannel ch) {
        this.ch = ch;
    }

    /** Records of a journal file, by item (the first of an item wins; a torn tail is ignored). */
    static TreeMap<Integer, byte[]> read(Path file) throws IOException {
        TreeMap<Integer, byte[]> items = new TreeMap<>();
        if (Files.exists(file)) scan(ByteBuffer.wrap(Files.readAllBytes(file)), items);
        return items;
    }

    /** Reads whole records into items; returns the offset after the last whole record. */
    private static long scan(ByteBuffer b, TreeMap<Integer, byte[]> items) {
        long good = 0;
        while (b.remaining() >= 16) {
            int start = b.position();
            int len = b.getInt();
            long crc = b.getLong();
            if (len < 4 || len > b.remaining()) break;
            byte[] rec = new byte[len];
            b.get(rec);
            CRC32 c = new CRC32();
            c.update(rec);
            if (c.getValue() != crc) break;
            int item = ByteBuffer.wrap(rec).getInt();
            byte[] payload = new byte[len - 4];
            System.arraycopy(rec, 4, payload, 0, payload.length);
            items.putIfAbsent(item, payload);
            good = b.position();
            if (good == start) break;
        }
        return good;
    }

    /** Opens a journal for appending, after reading its whole records into {@code items} and cutting off a torn tail. */
    static EvalJournal open(Path file, TreeMap<Integer, byte[]> items) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
            }
            b.flip();
            long good = scan(b, items);
            if (good < size) {
                ch.truncate(good);
                ch.force(true);
            }
            ch.position(good);
            return new EvalJournal(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Appends one item's record and forces it to disk. */
    void append(int item, byte[] payload) throws IOException {
        ByteBuffer rec = ByteBuffer.allocate(4 + payload.length);
        rec.putInt(item).put(payload);
        CRC32 c = new CRC32();
        c.update(rec.array());
        ByteBuffer b = ByteBuffer.allocate(12 + rec.capacity());
        b.putInt(rec.capacity()).putLong(c.getValue()).put(rec.array()).flip();
        while (b.hasRemaining()) ch.write(b);
        ch.force(false);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
