package dev.platter.format.cloop;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a cloop image block by block: each block is one zlib stream that must inflate to exactly one block, as
 * qemu requires. The last block inflated is kept (one, shared: blocks can be 64 MiB), as qemu keeps its current
 * block. qemu's cloop driver answers no block status, so qemu-img calls the whole disk data without an offset: the
 * map says the same. A block past the end of the file is damage: qemu would read zeros, Platter says so.
 */
final class CloopReader implements ImageMapper {
    private final Storage storage;
    private final CloopIndex index;
    private final long fileSize;
    private int current = -1;
    private byte[] block;

    CloopReader(Storage storage, CloopIndex index) throws IOException {
        this.storage = storage;
        this.index = index;
        this.fileSize = storage.size();
    }

    /** The rest of the disk from {@code pos}: data the format reads itself, as qemu reports it. */
    @Override
    public MappedRun map(long pos, long maxLen) {
        return new MappedRun(MappedRun.Kind.COMPRESSED, Math.min(maxLen, index.blocks * index.blockSize - pos),
                storage, -1, 0);
    }

    @Override
    public void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            int i = (int) (pos / index.blockSize);
            int within = (int) (pos % index.blockSize);
            int n = (int) Math.min(dst.remaining(), index.blockSize - within);
            synchronized (this) {
                inflate(i);
                dst.put(block, within, n);
            }
            pos += n;
        }
    }

    private void inflate(int i) throws IOException {
        if (current == i) {
            return;
        }
        String where = "cloop block " + i + " of '" + storage.name() + "'";
        long start = index.start(i);
        long length = index.length(i);
        if (Long.compareUnsigned(start, fileSize) > 0 || length > fileSize - start) {
            throw new CorruptImageException(where, start < 0 ? -1 : start, "its " + length + " compressed bytes "
                    + "run past the end of the file (" + fileSize + " bytes)");
        }
        byte[] in = new byte[(int) length];
        storage.readFully(start, ByteBuffer.wrap(in));
        if (block == null || block.length != index.blockSize) {
            block = new byte[(int) index.blockSize];
        }
        current = -1;
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int n = 0;
            byte[] beyond = new byte[1];
            int idle = 0;
            while (!inflater.finished() && idle < 2) {
                // past a whole block, one more byte is enough to tell a stream that is too long
                int got = n < block.length ? inflater.inflate(block, n, block.length - n) : inflater.inflate(beyond);
                if (n >= block.length && got > 0) {
                    throw new CorruptImageException(where, start, "inflates to more than one block of "
                            + block.length + " bytes");
                }
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                idle = got == 0 ? idle + 1 : 0;
                n += got;
            }
            if (n != block.length || !inflater.finished()) {
                throw new CorruptImageException(where, start, "does not inflate to one block of " + block.length
                        + " bytes (" + n + " bytes" + (inflater.finished() ? "" : ", the stream unfinished") + ")");
            }
        } catch (DataFormatException e) {
            throw new CorruptImageException(where, start, "not a zlib stream (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
        current = i;
    }
}
