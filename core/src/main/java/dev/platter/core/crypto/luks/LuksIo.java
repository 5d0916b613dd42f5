package dev.platter.core.crypto.luks;

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
}
