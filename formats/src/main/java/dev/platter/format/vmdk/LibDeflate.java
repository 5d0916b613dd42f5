package dev.platter.format.vmdk;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.lang.ref.Cleaner;

/**
 * libdeflate (Eric Biggers' whole-buffer DEFLATE library, Debian's {@code libdeflate0}) through JNA, for VMDK grains:
 * zlib streams (RFC 1950) compressed about three times faster than zlib at the same level, with output no larger,
 * and decompressed about twice as fast. A grain is always one whole buffer, which is all libdeflate handles. Where
 * the library does not load ({@link #available()} false, or {@code -Dplatter.libdeflate=false}), callers use
 * {@link java.util.zip.Deflater} and {@link java.util.zip.Inflater}: the same format, only slower.
 */
final class LibDeflate {
    /** libdeflate_result: the stream decompressed in full and fit. */
    static final int SUCCESS = 0;
    static final int BAD_DATA = 1;
    static final int INSUFFICIENT_SPACE = 3;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final boolean AVAILABLE = load();

    private LibDeflate() {
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty("platter.libdeflate", "true"))
                || !System.getProperty("os.name", "").equals("Linux")) {
            return false;
        }
        for (String name : new String[] {"deflate", "libdeflate.so.0"}) {
            try {
                Native.register(LibDeflate.class, NativeLibrary.getInstance(name));
                Pointer c = libdeflate_alloc_compressor(6);
                if (c != null) {
                    libdeflate_free_compressor(c);
                    return true;
                }
            } catch (Throwable e) {
                // try the next name
            }
        }
        return false;
    }

    static boolean available() {
        return AVAILABLE;
    }

    static native Pointer libdeflate_alloc_compressor(int level);

    static native long libdeflate_zlib_compress(Pointer compressor, Pointer in, long inBytes, Pointer out,
                                                long outAvail);

    static native void libdeflate_free_compressor(Pointer compressor);

    static native Pointer libdeflate_alloc_decompressor();

    static native int libdeflate_zlib_decompress_ex(Pointer decompressor, Pointer in, long inBytes, Pointer out,
                                                    long outAvail, Pointer actualIn, Pointer actualOut);

    static native void libdeflate_free_decompressor(Pointer decompressor);

    /** One thread's compressor and native buffers, reused grain after grain. */
    static final class Compressor {
        private final Pointer compressor;
        private final Memory in;
        private final Memory out;

        Compressor(int level, int maxIn, int maxOut) {
            Pointer c = libdeflate_alloc_compressor(level);
            if (c == null) {
                throw new IllegalStateException("libdeflate_alloc_compressor(" + level + ") failed");
            }
            this.compressor = c;
            this.in = new Memory(maxIn);
            this.out = new Memory(maxOut);
            CLEANER.register(this, () -> libdeflate_free_compressor(c));
        }

        /** Compresses {@code len} bytes of {@code src} into {@code dst} at {@code at}; -1 when it does not fit. */
        int compress(byte[] src, int len, byte[] dst, int at, int room) {
            in.write(0, src, 0, len);
            long n = libdeflate_zlib_compress(compressor, in, len, out, Math.min(room, out.size()));
            if (n == 0) {
                return -1;
            }
            out.read(0, dst, at, (int) n);
            return (int) n;
        }
    }

    /** One thread's decompressor and native buffers. */
    static final class Decompressor {
        private final Pointer decompressor;
        private final Memory in;
        private final Memory out;
        private final Memory counts = new Memory(16);

        Decompressor(int maxIn, int maxOut) {
            Pointer d = libdeflate_alloc_decompressor();
            if (d == null) {
                throw new IllegalStateException("libdeflate_alloc_decompressor failed");
            }
            this.decompressor = d;
            this.in = new Memory(maxIn);
            this.out = new Memory(maxOut);
            CLEANER.register(this, () -> libdeflate_free_decompressor(d));
        }

        int maxIn() {
            return (int) in.size();
        }

        /**
         * Decompresses the zlib stream at the start of {@code src[0, len)} into {@code dst}: the bytes produced, or
         * the negated libdeflate result when it fails (bad data, or more than {@code dst} holds).
         */
        int decompress(byte[] src, int len, byte[] dst) {
            in.write(0, src, 0, len);
            int rc = libdeflate_zlib_decompress_ex(decompressor, in, len, out, dst.length, counts,
                    counts.share(8));
            if (rc != SUCCESS) {
                return -rc;
            }
            int n = (int) counts.getLong(8);
            out.read(0, dst, 0, n);
            return n;
        }
    }
}
