package dev.platter.core;

import java.io.IOException;

/**
 * Untrusted bytes are not what the format allows: names the structure, where it sits, and what was expected.
 */
public class CorruptImageException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final long offset;

    /**
     * @param structure the on-disk structure, e.g. "qcow2 L2 table" or "ext4 inode 1234"
     * @param offset    byte offset of the structure in its host file or device, or -1 if not applicable
     * @param problem   what is wrong and what was expected
     */
    public CorruptImageException(String structure, long offset, String problem) {
        super(format(structure, offset, problem));
        this.structure = structure;
        this.offset = offset;
    }

    public CorruptImageException(String structure, long offset, String problem, Throwable cause) {
        this(structure, offset, problem);
        initCause(cause);
    }

    /** For subclasses that word their message themselves (qemu-img's words, where tests pin them). */
    protected CorruptImageException(String structure, long offset, String message, boolean asWorded) {
        super(message);
        this.structure = structure;
        this.offset = offset;
    }

    public String structure() {
        return structure;
    }

    public long offset() {
        return offset;
    }

    private static String format(String structure, long offset, String problem) {
        return offset >= 0
                ? "corrupt " + structure + " at offset " + offset + " (0x" + Long.toHexString(offset) + "): " + problem
                : "corrupt " + structure + ": " + problem;
    }
}
