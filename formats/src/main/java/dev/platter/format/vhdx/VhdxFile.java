package dev.platter.format.vhdx;

import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Reads of the image file as qemu's driver sees them: bytes past the end of the file read as zeros. */
final class VhdxFile {
    private VhdxFile() {
    }

    static byte[] readPadded(Storage file, long offset, int length) throws IOException {
        byte[] b = new byte[length];
        if (offset >= 0) {
            file.readAt(offset, ByteBuffer.wrap(b));
        }
        return b;
    }
}
