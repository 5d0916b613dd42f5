package dev.platter.operation;

/**
 * The outcome of {@code compare}.
 *
 * @param outcome      what was found
 * @param offset       the offset of a content or status mismatch, else -1
 * @param sizeMismatch the images have different sizes and their common part is equal: qemu-img then warns
 *                     before telling whether the longer image's tail reads as zeros
 */
public record CompareResult(Outcome outcome, long offset, boolean sizeMismatch) {

    public enum Outcome {
        IDENTICAL,
        CONTENT_MISMATCH,
        /** Strict mode: the sizes differ. */
        STRICT_SIZE_MISMATCH,
        /** Strict mode: the allocation status differs at {@code offset}. */
        STRICT_STATUS_MISMATCH
    }

    public boolean identical() {
        return outcome == Outcome.IDENTICAL;
    }

    /** qemu-img's exit status for this outcome: 0 identical, 1 different. */
    public int exitCode() {
        return identical() ? 0 : 1;
    }

    /** qemu-img's stdout lines for this outcome. */
    public String message() {
        String warning = sizeMismatch ? "Warning: Image size mismatch!\n" : "";
        return warning + switch (outcome) {
            case IDENTICAL -> "Images are identical.\n";
            case CONTENT_MISMATCH -> "Content mismatch at offset " + offset + "!\n";
            case STRICT_SIZE_MISMATCH -> "Strict mode: Image size mismatch!\n";
            case STRICT_STATUS_MISMATCH -> "Strict mode: Offset " + offset + " block status mismatch!\n";
        };
    }
}
