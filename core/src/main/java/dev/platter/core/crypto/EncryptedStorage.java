package dev.platter.core.crypto;

import dev.platter.core.storage.HostRun;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A host storage seen decrypted: the bytes at a position are the plaintext of the ciphertext stored there. Formats
 * point their data runs at it (qcow2's LUKS data clusters, whose IV is the host offset / 512; a raw LUKS payload),
 * so reads, writes and copies of data go through the cipher while metadata is read from the host storage itself.
 * It has no holes: a hole in the file decrypts to noise, as it does for qemu, and no in-kernel copy.
 */
public final class EncryptedStorage implements Storage {
    private final Storage host;
    private final SectorCrypt crypt;

    public EncryptedStorage(Storage host, SectorCrypt crypt) {
        this.host = host;
        this.crypt = crypt;
    }

    public Storage host() {
        return host;
    }

    @Override
    public String name() {
        return host.name();
    }

    @Override
    public Path path() {
        return host.path();
    }

    @Override
    public long size() throws IOException {
        return host.size();
    }

    @Override
    public boolean isReadOnly() {
        return host.isReadOnly();
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) throws IOException {
        long size = host.size();
        int n = (int) Math.max(0, Math.min(dst.remaining(), size - pos));
        if (n == 0) {
            return 0;
        }
        ByteBuffer part = dst.slice(dst.position(), n);
        crypt.read(pos, part, this::readHost);
        dst.position(dst.position() + n);
        return n;
    }

    /** Ciphertext, zeros past the end of the file. */
    private void readHost(long pos, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        int got = host.readAt(pos, dst);
        for (int i = got; i < want; i++) {
            dst.put((byte) 0);
        }
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        crypt.write(pos, src, this::readHost, host::write);
    }

    @Override
    public void setSize(long size) throws IOException {
        host.setSize(size);
    }

    @Override
    public void flush() throws IOException {
        host.flush();
    }

    @Override
    public void punchHole(long pos, long len) throws IOException {
        host.punchHole(pos, len);
    }

    @Override
    public void allocate(long pos, long len) throws IOException {
        host.allocate(pos, len);
    }

    @Override
    public HostRun run(long pos) throws IOException {
        return new HostRun(true, Math.max(0, host.size() - pos));
    }

    @Override
    public boolean isBlockDevice() {
        return host.isBlockDevice();
    }

    @Override
    public long allocatedBytes() throws IOException {
        return host.allocatedBytes();
    }

    @Override
    public void lock(ImageLock lock) throws IOException {
        host.lock(lock);
    }

    /** Closes the cipher only: the host storage belongs to whoever opened it. */
    @Override
    public void close() {
        crypt.cipher().close();
    }
}
