package dev.platter.inspect.xfs;

import java.io.IOException;

/** The extents of one fork (extents or btree format), by file block. */
interface ExtentMap {

    /** The extent containing {@code fileBlock}, or else the first one after it; null when there is none. */
    BmbtRecord find(long fileBlock) throws IOException;

    /** The extent with the highest file offset, or null for an empty fork. */
    BmbtRecord last() throws IOException;
}
