package dev.platter.format.dmg;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a DMG chunk by chunk, as qemu 7.2's dmg driver does: zero and ignored chunks read as zeros, raw chunks are
 * copied, zlib and bzip2 chunks are decompressed whole and must give exactly the chunk's sectors. ADC and LZFSE
 * chunks are refused by name (no well-kept Java library reads them; qemu skips ADC chunks and reads LZFSE only with
 * its lzfse module). A sector no chunk covers cannot be read (qemu: an I/O error). The last chunk decompressed is
 * kept, one for all threads (chunks can be 64 MiB). qemu's dmg driver answers no block status, so qemu-img calls the
 * whole disk data without an offset: the map says the same.
 */
final class DmgReader implements ImageMapper {
    private final Storage storage;
    private final DmgChunkTable table;
    private final long size;
    private final long fileSize;
    private DmgChunk current;
    private byte[] data;

    DmgReader(Storage storage, DmgChunkTable table, long size) throws IOException {
        this.storage = storage;
        this.table = table;
        this.size = size;
        this.fileSize = storage.size();
    }

    @Override
    public MappedRun map(long pos, long maxLen) {
        return new MappedRun(MappedRun.Kind.COMPRESSED, Math.min(maxLen, size - pos), storage, -1, 0);
    }

    @Override
    public void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            long sector = pos / 512;
            DmgChunk c = table.find(sector);
            if (c == null) {
                throw new CorruptImageException("dmg of '" + storage.name() + "'", -1, "no chunk holds sector "
                        + sector);
            }
            long within = pos - c.sector() * 512;
            // a zero chunk may cover any number of sectors: count what is left without overflowing
            long sectorsLeft = c.end() - sector;
            long bytesLeft = sectorsLeft > Long.MAX_VALUE / 512 ? Long.MAX_VALUE : sectorsLeft * 512 - pos % 512;
            int n = (int) Math.min(dst.remaining(), bytesLeft);
            ByteBuffer part = dst.slice(dst.position(), n);
            if (c.readsAsZero()) {
                MappedReader.fillZero(part);
            } else {
                synchronized (this) {
                    load(c);
                    part.put(data, (int) within, n);
                }
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    private void load(DmgChunk c) throws IOException {
        if (c.equals(current)) {
            return;
        }
        current = null;
        String where = "dmg chunk at sector " + c.sector() + " of '" + storage.name() + "'";
        if (c.type() == DmgChunk.ADC) {
            throw new UnsupportedFeatureException("dmg ADC compression", where + ": ADC-compressed chunks are not "
                    + "supported");
        }
        if (c.type() == DmgChunk.LZFSE) {
            throw new UnsupportedFeatureException("dmg LZFSE compression", where + ": LZFSE-compressed chunks are not "
                    + "supported");
        }
        if (Long.compareUnsigned(c.offset(), fileSize) > 0 || c.length() > fileSize - c.offset()) {
            throw new CorruptImageException(where, c.offset() < 0 ? -1 : c.offset(), "its " + c.length()
                    + " bytes run past the end of the file (" + fileSize + " bytes)");
        }
        byte[] in = new byte[(int) c.length()];
        storage.readFully(c.offset(), ByteBuffer.wrap(in));
        byte[] out = new byte[(int) (c.count() * 512)];
        switch (c.type()) {
            case DmgChunk.RAW -> System.arraycopy(in, 0, out, 0, Math.min(in.length, out.length));
            case DmgChunk.ZLIB -> inflate(in, out, where, c.offset());
            case DmgChunk.BZIP2 -> bunzip(in, out, where, c.offset());
            default -> throw new IllegalStateException("chunk type " + c.type());
        }
        data = out;
        current = c;
    }

    private static void inflate(byte[] in, byte[] out, String where, long at) throws CorruptImageException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int n = 0;
            byte[] beyond = new byte[1];
            int idle = 0;
            while (!inflater.finished() && idle < 2) {
                int got = n < out.length ? inflater.inflate(out, n, out.length - n) : inflater.inflate(beyond);
                if (n >= out.length && got > 0) {
                    throw new CorruptImageException(where, at, "inflates to more than its " + out.length + " bytes");
                }
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                idle = got == 0 ? idle + 1 : 0;
                n += got;
            }
            if (n != out.length || !inflater.finished()) {
                throw new CorruptImageException(where, at, "does not inflate to its " + out.length + " bytes (" + n
                        + " bytes" + (inflater.finished() ? "" : ", the stream unfinished") + ")");
            }
        } catch (DataFormatException e) {
            throw new CorruptImageException(where, at, "not a zlib stream (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }

    /** bzip2 with Apache Commons Compress; exactly the chunk's bytes, then the end of the stream. */
    private static void bunzip(byte[] in, byte[] out, String where, long at) throws CorruptImageException {
        try (InputStream s = new BZip2CompressorInputStream(new ByteArrayInputStream(in))) {
            int n = s.readNBytes(out, 0, out.length);
            if (n != out.length) {
                throw new CorruptImageException(where, at, "bunzips to " + n + " bytes, not its " + out.length);
            }
            if (s.read() >= 0) {
                throw new CorruptImageException(where, at, "bunzips to more than its " + out.length + " bytes");
            }
        } catch (CorruptImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptImageException(where, at, "not a bzip2 stream (" + e.getMessage() + ")");
        }
    }
}
