package dev.platter.inspect.ext4;

import java.io.IOException;

/** Maps file blocks to disk blocks: an extent tree or a classic (indirect) block map. */
interface BlockMapper {
    /** Logical block numbers are 32-bit: nothing maps at or above this. */
    long LOGICAL_LIMIT = 1L << 32;

    /** The run that starts at {@code logical}: where it lives and how far the same fate continues. */
    BlockRun map(long logical) throws IOException;
}
