package dev.platter.format.vhdx;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Small VHDX files in memory for the hostile-input and fuzz tests: a 4 MiB disk of 1 MiB blocks as Platter (and
 * qemu) creates it, blocks 0 and 1 written, and, for the dirty variant, block 1's BAT entry taken back to ZERO in
 * place while a log entry (named by both headers' log GUID) holds the BAT sector that points at it. The file is
 * kept as its non-zero 4 KiB pages, so that a copy costs little.
 */
final class TinyVhdx {
    static final int PAGE = 4096;
    static final long HEADER1 = 64 << 10;
    static final long HEADER2 = 128 << 10;
    static final long REGIONS = 192 << 10;
    static final long LOG = 1 << 20;
    static final long BAT = 2 << 20;
    static final long METADATA = 3 << 20;

    final long size;
    final List<long[]> pageOffsets = new ArrayList<>();
    final List<byte[]> pages = new ArrayList<>();

    private TinyVhdx(Storage s) throws IOException {
        size = s.size();
        for (long at = 0; at < size; at += PAGE) {
            byte[] p = new byte[PAGE];
            s.readAt(at, ByteBuffer.wrap(p));
            if (!Arrays.equals(p, new byte[PAGE])) {
                pageOffsets.add(new long[] {at});
                pages.add(p);
            }
        }
    }

    static TinyVhdx make(boolean dirtyLog) throws IOException {
        MemoryStorage s = new MemoryStorage("tiny.vhdx", 0);
        VhdxCreator.write(s, VhdxCreateOptions.parse(4 << 20, CreateOptions.of(Map.of("block_size", "1M"))), 512);
        try (Image img = VhdxImage.open(new Unclosed(s), OpenOptions.readWriteDefaults(), false)) {
            byte[] a = new byte[8192];
            Arrays.fill(a, (byte) 0x61);
            img.write(0, ByteBuffer.wrap(a));
            Arrays.fill(a, (byte) 0x62);
            img.write((1 << 20) + 4096, ByteBuffer.wrap(a));
        }
        if (dirtyLog) {
            byte[] sector = new byte[PAGE];
            s.readAt(BAT, ByteBuffer.wrap(sector));
            VhdxGuid guid = VhdxGuid.parse("01234567-89AB-CDEF-0123-456789ABCDEF");
            byte[] entry = LogWriter.entry(7, guid, 0, List.of(new LogWriter.SectorWrite(BAT, sector)), s.size());
            s.write(LOG, ByteBuffer.wrap(entry));
            ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN).putLong(8, BlockState.ZERO);
            s.write(BAT, ByteBuffer.wrap(sector));
            for (long h : new long[] {HEADER1, HEADER2}) {
                byte[] block = new byte[VhdxHeader.SIZE];
                s.readAt(h, ByteBuffer.wrap(block));
                guid.write(ByteBuffer.wrap(block), 48);
                VhdxChecksum.seal(block, 0, VhdxHeader.SIZE);
                s.write(h, ByteBuffer.wrap(block));
            }
        }
        return new TinyVhdx(s);
    }

    /** A fresh copy as a byte array (the whole file). */
    byte[] bytes() {
        byte[] out = new byte[(int) size];
        for (int i = 0; i < pages.size(); i++) {
            System.arraycopy(pages.get(i), 0, out, (int) pageOffsets.get(i)[0], PAGE);
        }
        return out;
    }

    /** A fresh copy in memory. */
    MemoryStorage storage() throws IOException {
        MemoryStorage s = new MemoryStorage("tiny.vhdx", size);
        for (int i = 0; i < pages.size(); i++) {
            s.write(pageOffsets.get(i)[0], ByteBuffer.wrap(pages.get(i)));
        }
        return s;
    }

    /** Storage whose close leaves the memory alone (the image closes what it opened on). */
    private static final class Unclosed extends dev.platter.core.testing.ForwardingStorage {
        Unclosed(Storage inner) {
            super(inner);
        }

        @Override
        public void close() {
        }
    }
}
