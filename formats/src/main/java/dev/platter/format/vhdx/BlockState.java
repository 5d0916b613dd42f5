package dev.platter.format.vhdx;

/**
 * The state bits (0-2) of a BAT entry; bits 20-63 are the block's file offset in MiB. Sector-bitmap entries use
 * only NOT_PRESENT and PRESENT (FULLY_PRESENT's value).
 */
final class BlockState {
    static final int NOT_PRESENT = 0;
    static final int UNDEFINED = 1;
    static final int ZERO = 2;
    /** UNMAPPED in the published specification. */
    static final int UNMAPPED = 3;
    /** UNMAPPED in the v0.95 draft, which qemu still reads as such. */
    static final int UNMAPPED_V095 = 5;
    static final int FULLY_PRESENT = 6;
    static final int PARTIALLY_PRESENT = 7;
    static final long STATE_MASK = 7;
    static final long OFFSET_MASK = ~0xfffffL;

    private BlockState() {
    }

    static int of(long entry) {
        return (int) (entry & STATE_MASK);
    }

    static long offset(long entry) {
        return entry & OFFSET_MASK;
    }

    /** Whether a payload block in this state reads as zeros in a disk without a parent (qemu's list). */
    static boolean readsAsZero(int state) {
        return state == NOT_PRESENT || state == UNDEFINED || state == ZERO || state == UNMAPPED
                || state == UNMAPPED_V095;
    }

    static String name(int state) {
        return switch (state) {
            case NOT_PRESENT -> "NOT_PRESENT";
            case UNDEFINED -> "UNDEFINED";
            case ZERO -> "ZERO";
            case UNMAPPED, UNMAPPED_V095 -> "UNMAPPED";
            case FULLY_PRESENT -> "FULLY_PRESENT";
            case PARTIALLY_PRESENT -> "PARTIALLY_PRESENT";
            default -> "reserved state " + state;
        };
    }
}
