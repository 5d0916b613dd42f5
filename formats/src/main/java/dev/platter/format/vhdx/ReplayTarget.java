package dev.platter.format.vhdx;

import java.io.IOException;

/** Where a log replay writes: the image file itself, or an in-memory overlay over it. */
interface ReplayTarget {
    long size() throws IOException;

    void write(long offset, byte[] sector) throws IOException;

    void zero(long offset, long length) throws IOException;

    void setSize(long size) throws IOException;

    void flush() throws IOException;
}
