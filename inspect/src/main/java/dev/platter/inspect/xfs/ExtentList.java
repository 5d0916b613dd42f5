package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/** A fork in extents format: the records sit in the inode, sorted by file offset. */
final class ExtentList implements ExtentMap {
    private final BmbtRecord[] records;

    private ExtentList(BmbtRecord[] records) {
        this.records = records;
    }

    /** Parses {@code count} records from {@code fork}, checking that they are sorted and do not overlap. */
    static ExtentList parse(byte[] fork, long count, String what, long position) throws CorruptImageException {
        if (count < 0 || count > fork.length / BmbtRecord.SIZE) {
            throw new CorruptImageException(what, position, count + " extents do not fit in a " + fork.length
                    + "-byte fork");
        }
        BmbtRecord[] records = new BmbtRecord[(int) count];
        for (int i = 0; i < records.length; i++) {
            records[i] = BmbtRecord.parse(fork, i * BmbtRecord.SIZE);
            if (records[i].blockCount() == 0) {
                throw new CorruptImageException(what, position + (long) i * BmbtRecord.SIZE,
                        "extent " + i + " has no blocks");
            }
            if (i > 0 && records[i].startOff() < records[i - 1].endOff()) {
                throw new CorruptImageException(what, position + (long) i * BmbtRecord.SIZE,
                        "extent " + i + " at file block " + records[i].startOff() + " overlaps or precedes extent "
                                + (i - 1) + " ending at " + records[i - 1].endOff());
            }
        }
        return new ExtentList(records);
    }

    static ExtentList of(BmbtRecord... records) {
        return new ExtentList(records);
    }

    @Override
    public BmbtRecord find(long fileBlock) {
        int i = indexOf(records, 0, records.length, fileBlock);
        return i < records.length ? records[i] : null;
    }

    @Override
    public BmbtRecord last() {
        return records.length == 0 ? null : records[records.length - 1];
    }

    /** Index of the first record in {@code [from, to)} that ends after {@code fileBlock} (sorted records). */
    static int indexOf(BmbtRecord[] r, int from, int to, long fileBlock) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r[mid].endOff() <= fileBlock) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
