package dev.platter.core.storage;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few Linux file calls that Java lacks: SEEK_DATA / SEEK_HOLE (holes), fallocate (preallocation and
 * hole punching), st_blocks (allocated size) and the block-device ioctls (size, logical block size, read-only
 * flag, zeroing), through JNA. Loaded on first use; everything degrades to "unknown" when the platform is not
 * Linux or JNA cannot load.
 */
final class NativeFiles {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int SEEK_END = 2;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int ENXIO = 6;
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    /** Open file description locks: owned by the descriptor, so two opens in one process exclude each other. */
    static final int F_OFD_GETLK = 36;
    static final int F_OFD_SETLK = 37;
    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    /** struct flock on Linux x86_64 and aarch64: l_type, l_whence (shorts), l_start, l_len (longs), l_pid. */
    private static final int FLOCK_SIZE = 32;
    /** Offsets in struct stat, the same on Linux x86_64 and aarch64. */
    private static final int STAT_SIZE = 144;
    private static final int ST_SIZE_OFFSET = 48;
    private static final int ST_BLOCKS_OFFSET = 64;

    /*
     * Block-device ioctls (linux/fs.h), encoded the same on x86_64 and aarch64: _IO(0x12, n), and BLKGETSIZE64 as
     * _IOR(0x12, 114, size_t).
     */
    /** int: non-zero when the device is read-only (blockdev --setro). */
    static final long BLKROGET = 0x125E;
    /** int: the logical block size, the unit of O_DIRECT requests. */
    static final long BLKSSZGET = 0x1268;
    /** u64: the size in bytes. */
    static final long BLKGETSIZE64 = 0x80081272L;
    /** u64[2] {start, length}, 512-byte aligned: zero the range, the kernel writing zeros where the device cannot. */
    static final long BLKZEROOUT = 0x127F;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;
    static final int ENOTTY = 25;
    static final int ENODEV = 19;

    private static final boolean AVAILABLE = load();

    private NativeFiles() {
    }

    private static boolean load() {
        String arch = System.getProperty("os.arch", "");
        if (!System.getProperty("os.name", "").equals("Linux")
                || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return false;
        }
        try {
            Native.register(NativeFiles.class, Platform.C_LIBRARY_NAME);
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    static boolean available() {
        return AVAILABLE;
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    static native int fallocate(int fd, int mode, long offset, long len) throws LastErrorException;

    static native int fstat(int fd, byte[] buf) throws LastErrorException;

    static native int fcntl(int fd, int cmd, byte[] flock) throws LastErrorException;

    static native int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

    /** The size of a block device (BLKGETSIZE64). */
    static long blockDeviceSize(int fd) {
        byte[] b = new byte[8];
        ioctl(fd, BLKGETSIZE64, b);
        return readLong(b, 0);
    }

    /** An int a block-device ioctl returns ({@link #BLKSSZGET}, {@link #BLKROGET}). */
    static int ioctlInt(int fd, long request) {
        byte[] b = new byte[4];
        ioctl(fd, request, b);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /** Zeroes {@code len} bytes at {@code offset} of a block device (BLKZEROOUT; both multiples of 512). */
    static void zeroOut(int fd, long offset, long len) {
        byte[] range = new byte[16];
        for (int i = 0; i < 8; i++) {
            range[i] = (byte) (offset >>> (8 * i));
            range[8 + i] = (byte) (len >>> (8 * i));
        }
        ioctl(fd, BLKZEROOUT, range);
    }

    /** Takes ({@link #F_RDLCK}) or drops ({@link #F_UNLCK}) an OFD lock on one byte; throws on a conflict. */
    static void lockByte(int fd, long offset, short type) {
        fcntl(fd, F_OFD_SETLK, flock(type, offset));
    }

    /** Whether another open file description holds a lock on the byte that an exclusive lock would conflict with. */
    static boolean byteLockedByOthers(int fd, long offset) {
        byte[] f = flock(F_WRLCK, offset);
        fcntl(fd, F_OFD_GETLK, f);
        short type = (short) ((f[0] & 0xff) | (f[1] << 8));
        return type != F_UNLCK;
    }

    private static byte[] flock(short type, long offset) {
        byte[] f = new byte[FLOCK_SIZE];
        f[0] = (byte) type;
        f[1] = (byte) (type >> 8);
        // l_whence = SEEK_SET (0); l_len = 1; l_pid = 0 as OFD locks require
        for (int i = 0; i < 8; i++) {
            f[8 + i] = (byte) (offset >>> (8 * i));
        }
        f[16] = 1;
        return f;
    }

    /** st_blocks x 512 of an open descriptor. */
    static long allocatedBytes(int fd) {
        byte[] buf = new byte[STAT_SIZE];
        fstat(fd, buf);
        return readLong(buf, ST_BLOCKS_OFFSET) * 512;
    }

    /** st_size of an open descriptor. */
    static long statSize(int fd) {
        byte[] buf = new byte[STAT_SIZE];
        fstat(fd, buf);
        return readLong(buf, ST_SIZE_OFFSET);
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
