package dev.platter.core.testing;

import dev.platter.core.storage.HostRun;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A storage that hands every call to another one: tests override the calls they watch or break. */
public class ForwardingStorage implements Storage {
    protected final Storage inner;

    public ForwardingStorage(Storage inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Path path() {
        return inner.path();
    }

    @Override
    public long size() throws IOException {
        return inner.size();
    }

    @Override
    public boolean isReadOnly() {
        return inner.isReadOnly();
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) throws IOException {
        return inner.readAt(pos, dst);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        inner.write(pos, src);
    }

    @Override
    public void setSize(long size) throws IOException {
        inner.setSize(size);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void punchHole(long pos, long len) throws IOException {
        inner.punchHole(pos, len);
    }

    @Override
    public void allocate(long pos, long len) throws IOException {
        inner.allocate(pos, len);
    }

    @Override
    public HostRun run(long pos) throws IOException {
        return inner.run(pos);
    }

    @Override
    public boolean isBlockDevice() {
        return inner.isBlockDevice();
    }

    @Override
    public long allocatedBytes() throws IOException {
        return inner.allocatedBytes();
    }

    @Override
    public void lock(ImageLock lock) throws IOException {
        inner.lock(lock);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
