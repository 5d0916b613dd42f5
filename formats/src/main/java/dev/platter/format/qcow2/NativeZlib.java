package dev.platter.format.qcow2;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.lang.ref.Cleaner;

/**
 * The system zlib through JNA, for what {@link java.util.zip.Deflater} cannot do: raw deflate with a 4 KiB window
 * ({@code windowBits = -12}), exactly as qemu compresses, so that qemu can inflate the result and the output has
 * qemu's size. Linux on 64-bit x86 and ARM only (the z_stream layout below is LP64); elsewhere, or when libz does
 * not load, {@link #available()} is false and callers fall back to a pure-Java encoder.
 */
final class NativeZlib {
    static final int Z_OK = 0;
    static final int Z_STREAM_END = 1;
    static final int Z_FINISH = 4;
    static final int Z_DEFLATED = 8;
    static final int Z_DEFAULT_COMPRESSION = -1;
    static final int Z_DEFAULT_STRATEGY = 0;
    /** sizeof(z_stream) and its field offsets on LP64 Linux. */
    static final int STREAM_SIZE = 112;
    private static final int NEXT_IN = 0;
    private static final int AVAIL_IN = 8;
    private static final int NEXT_OUT = 24;
    private static final int AVAIL_OUT = 32;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final boolean AVAILABLE = load();
    private static String version;

    private NativeZlib() {
    }

    private static boolean load() {
        String arch = System.getProperty("os.arch", "");
        if (Boolean.getBoolean("platter.zlib.pure-java") || !System.getProperty("os.name", "").equals("Linux")
                || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return false;
        }
        // "z" finds libz.so (the development link); a system with only the runtime package has libz.so.1.
        for (String name : new String[] {"z", "libz.so.1"}) {
            try {
                Native.register(NativeZlib.class, com.sun.jna.NativeLibrary.getInstance(name));
                version = zlibVersion();
                if (version != null && version.startsWith("1.")) {
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

    static native String zlibVersion();

    static native int deflateInit2_(Pointer strm, int level, int method, int windowBits, int memLevel, int strategy,
                                    String version, int streamSize);

    static native int deflate(Pointer strm, int flush);

    static native int deflateReset(Pointer strm);

    static native int deflateEnd(Pointer strm);

    /** One deflate stream with its native buffers, reused cluster after cluster by one thread. */
    static final class Stream {
        private final Memory strm = new Memory(STREAM_SIZE);
        private final Memory in;
        private final Memory out;
        private final int clusterSize;

        Stream(int clusterSize) {
            this.clusterSize = clusterSize;
            this.in = new Memory(clusterSize);
            this.out = new Memory(clusterSize);
            strm.clear();
            int rc = deflateInit2_(strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY, version,
                    STREAM_SIZE);
            if (rc != Z_OK) {
                throw new IllegalStateException("deflateInit2 failed: " + rc);
            }
            Memory s = strm;
            CLEANER.register(this, () -> deflateEnd(s));
        }

        /**
         * Compresses {@code len} bytes of {@code src} (a full cluster, zero-padded by the caller) into at most
         * {@code clusterSize - 1} bytes; returns the length, or -1 when that is not enough.
         */
        int compress(byte[] src, int len, byte[] dst) {
            in.write(0, src, 0, len);
            strm.setPointer(NEXT_IN, in);
            strm.setInt(AVAIL_IN, len);
            strm.setPointer(NEXT_OUT, out);
            strm.setInt(AVAIL_OUT, clusterSize - 1);
            int rc = deflate(strm, Z_FINISH);
            int produced = clusterSize - 1 - strm.getInt(AVAIL_OUT);
            deflateReset(strm);
            if (rc != Z_STREAM_END) {
                return -1;
            }
            out.read(0, dst, 0, produced);
            return produced;
        }
    }
}
