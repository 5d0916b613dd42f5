package dev.platter.core.image;

import dev.platter.core.CorruptImageException;

/**
 * A file opened as a pinned format that does not hold it (its magic is missing): a kind of damage, worded as qemu-img
 * words it, "Could not open 'NAME': Image is not in qcow2 format".
 */
public class WrongFormatException extends CorruptImageException {
    private static final long serialVersionUID = 1L;

    /**
     * @param name   the file as messages name it
     * @param format the pinned format
     * @param header the structure whose magic is missing
     */
    public WrongFormatException(String name, String format, String header) {
        super(header, 0, "Could not open '" + name + "': Image is not in " + format + " format", true);
    }
}
