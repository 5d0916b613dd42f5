package dev.platter.operation;

import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.ReferenceResolver;

import java.nio.file.Path;

/**
 * What {@code dd} copies: {@code count} blocks of {@code blockSize} bytes from the start of the input, minus the
 * first {@code skip} blocks (qemu-img's arithmetic: count is measured from the start of the input, not from the
 * skipped offset), into a new image.
 *
 * @param input        the input image
 * @param inputName    its name as typed
 * @param inputFormat  its format, or null to probe
 * @param output       the output image (created, replacing any file)
 * @param outputName   its name as typed
 * @param outputFormat the output format (default raw)
 * @param blockSize    {@code bs=}, 1 .. 2^31-1 (default 512)
 * @param count        {@code count=} in blocks, or -1 for the whole input
 * @param skip         {@code skip=} in blocks
 * @param resolver     gate for the files the input refers to (null: the default)
 * @param forceShare   {@code -U}: open the input sharing everything with other users (qemu's locks)
 * @param inputKeys    the passphrases of the input's encrypted layers (null: none)
 */
public record DdOptions(Path input, String inputName, String inputFormat, Path output, String outputName,
                        String outputFormat, long blockSize, long count, long skip, ReferenceResolver resolver,
                        boolean forceShare, ImageKeys inputKeys) {

    public static final long DEFAULT_BLOCK_SIZE = 512;

    public DdOptions {
        inputKeys = inputKeys == null ? ImageKeys.none() : inputKeys;
    }

    public DdOptions(Path input, String inputName, String inputFormat, Path output, String outputName,
                     String outputFormat, long blockSize, long count, long skip, ReferenceResolver resolver,
                     boolean forceShare) {
        this(input, inputName, inputFormat, output, outputName, outputFormat, blockSize, count, skip, resolver,
                forceShare, null);
    }
}
