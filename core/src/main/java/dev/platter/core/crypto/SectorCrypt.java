package dev.platter.core.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Byte-granular reads and writes over encrypted sectors: a read covers the whole sectors it touches and decrypts
 * them; a write of part of a sector reads, decrypts, patches and re-encrypts that sector. Writes touching the same
 * sector are serialised (striped locks) so two partial writes never lose each other.
 */
public final class SectorCrypt {
    /** Reads ciphertext: fills {@code dst} from {@code pos}, zeros past the end; positions are the host's. */
    @FunctionalInterface
    public interface Reader {
        void read(long pos, ByteBuffer dst) throws IOException;
    }

    @FunctionalInterface
    public interface Writer {
        void write(long pos, ByteBuffer src) throws IOException;
    }

    private static final int MAX_RUN = 1 << 20;
    /** Runs at least this long are split over the common pool: one writer thread then encrypts on every core. */
    private static final int PARALLEL_MIN = 256 << 10;
    private static final int PIECE = 64 << 10;
    private final SectorCipher cipher;
    private final long payloadStart;
    private final long ivBase;
    private final Object[] locks = new Object[64];

    /**
     * @param payloadStart host position of the first encrypted sector (sectors are aligned to it)
     * @param ivBase       the IV sector number of that first sector
     */
    public SectorCrypt(SectorCipher cipher, long payloadStart, long ivBase) {
        this.cipher = cipher;
        this.payloadStart = payloadStart;
        this.ivBase = ivBase;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    public SectorCipher cipher() {
        return cipher;
    }

    private long iv(long hostPos) {
        return ivBase + (hostPos - payloadStart) / 512;
    }

    /** Reads plaintext into {@code dst} from host position {@code pos} (at or after the payload start). */
    public void read(long pos, ByteBuffer dst, Reader host) throws IOException {
        int s = cipher.sectorSize();
        while (dst.hasRemaining()) {
            long first = pos - Math.floorMod(pos - payloadStart, s);
            int want = (int) Math.min(dst.remaining(), MAX_RUN);
            long end = pos + want;
            long last = end + Math.floorMod(payloadStart - end, s);
            byte[] buf = new byte[(int) (last - first)];
            host.read(first, ByteBuffer.wrap(buf));
            crypt(false, iv(first), buf);
            dst.put(buf, (int) (pos - first), want);
            pos += want;
        }
    }

    /** Encrypts or decrypts whole sectors in place, long runs in parallel pieces. */
    private void crypt(boolean encrypt, long iv, byte[] buf) {
        if (buf.length < PARALLEL_MIN) {
            apply(encrypt, iv, buf, 0, buf.length);
            return;
        }
        int pieces = (buf.length + PIECE - 1) / PIECE;
        java.util.stream.IntStream.range(0, pieces).parallel().forEach(k -> {
            int off = k * PIECE;
            apply(encrypt, iv + off / 512, buf, off, Math.min(PIECE, buf.length - off));
        });
    }

    private void apply(boolean encrypt, long iv, byte[] buf, int off, int len) {
        if (encrypt) {
            cipher.encrypt(iv, buf, off, len);
        } else {
            cipher.decrypt(iv, buf, off, len);
        }
    }

    /** Encrypts and writes {@code src} at host position {@code pos}. */
    public void write(long pos, ByteBuffer src, Reader host, Writer out) throws IOException {
        int s = cipher.sectorSize();
        while (src.hasRemaining()) {
            long first = pos - Math.floorMod(pos - payloadStart, s);
            int want = (int) Math.min(src.remaining(), MAX_RUN);
            long end = pos + want;
            long last = end + Math.floorMod(payloadStart - end, s);
            byte[] buf = new byte[(int) (last - first)];
            boolean partial = first != pos || last != end;
            if (partial) {
                // The edge sectors' other bytes come from what is there; hold their locks across read and write.
                // Locks are taken in index order so that two writers never wait for each other in a circle.
                int a = (int) Math.floorMod((first - payloadStart) / s, locks.length);
                int b = (int) Math.floorMod((last - s - payloadStart) / s, locks.length);
                synchronized (locks[Math.min(a, b)]) {
                    synchronized (locks[Math.max(a, b)]) {
                        host.read(first, ByteBuffer.wrap(buf));
                        crypt(false, iv(first), buf);
                        src.get(buf, (int) (pos - first), want);
                        crypt(true, iv(first), buf);
                        out.write(first, ByteBuffer.wrap(buf));
                    }
                }
            } else {
                src.get(buf, 0, want);
                crypt(true, iv(first), buf);
                out.write(first, ByteBuffer.wrap(buf));
            }
            pos += want;
        }
    }
}
