package dev.platter.format.dmg;

/**
 * One chunk of a DMG's block table (a "mish" block's 40-byte entry): sectors of the disk and the bytes in the
 * file that hold them.
 *
 * @param type   the entry type ({@link #ZERO}, {@link #RAW}, {@link #IGNORE}, {@link #ZLIB}, {@link #BZIP2},
 *               {@link #ADC}, {@link #LZFSE})
 * @param sector the first sector of the disk it covers
 * @param count  how many sectors
 * @param offset where its bytes start in the file
 * @param length how many bytes it has there
 */
record DmgChunk(int type, long sector, long count, long offset, long length) {
    static final int ZERO = 0;
    static final int RAW = 1;
    static final int IGNORE = 2;
    static final int ADC = 0x80000004;
    static final int ZLIB = 0x80000005;
    static final int BZIP2 = 0x80000006;
    static final int LZFSE = 0x80000007;

    /** Types qemu keeps in its table (with its bzip2 and lzfse modules), and ADC, which Platter refuses by name. */
    static boolean kept(int type) {
        return type == ZERO || type == RAW || type == IGNORE || type == ZLIB || type == BZIP2 || type == ADC
                || type == LZFSE;
    }

    boolean readsAsZero() {
        return type == ZERO || type == IGNORE;
    }

    long end() {
        return sector + count;
    }
}
