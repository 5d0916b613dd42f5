package dev.platter.core.crypto.luks;

import dev.platter.core.BlockDevice;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of a LUKS header area, addressed from its first byte: a raw LUKS file, the region a qcow2 image keeps it
 * in, a guest partition.
 */
public interface LuksIo {

    void read(long pos, ByteBuffer dst) throws IOException;

    /** Writes; a read-only area refuses. */
    void write(long pos, ByteBuffer src) throws IOException;

    /** Makes what was written durable (the header is written after the key material it points to). */
    void flush() throws IOException;

    /** The header area at the start of a device (a guest partition, an LV). */
    static LuksIo of(BlockDevice device) {
        return new LuksIo() {
            @Override
            public void read(long pos, ByteBuffer dst) throws IOException {
                device.read(pos, dst);
            }

            @Override
            public void write(long pos, ByteBuffer src) throws IOException {
                device.write(pos, src);
            }

            @Override
            public void flush() throws IOException {
                device.flush();
            }
        };
    }

    /** The header area at the start of a host file (a raw LUKS image); writes may grow the file. */
    static LuksIo of(Storage storage) {
        return new LuksIo() {
            @Override
            public void read(long pos, ByteBuffer dst) throws IOException {
                storage.readFully(pos, dst);
            }

            @Override
            public void write(long pos, ByteBuffer src) throws IOException {
                storage.write(pos, src);
            }

            @Override
            public void flush() throws IOException {
                storage.flush();
            }
        };
    }
}
