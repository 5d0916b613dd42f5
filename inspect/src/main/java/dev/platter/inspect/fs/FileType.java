package dev.platter.inspect.fs;

/** The kind of an inode, from the type bits of its mode. */
public enum FileType {
    REGULAR('-'),
    DIRECTORY('d'),
    SYMLINK('l'),
    CHAR_DEVICE('c'),
    BLOCK_DEVICE('b'),
    FIFO('p'),
    SOCKET('s'),
    UNKNOWN('?');

    private final char lsChar;

    FileType(char lsChar) {
        this.lsChar = lsChar;
    }

    /** The first character of ls -l's mode column. */
    public char lsChar() {
        return lsChar;
    }

    /** The type encoded in the S_IFMT bits of a POSIX mode. */
    public static FileType fromMode(int mode) {
        return switch (mode & 0xF000) {
            case 0x8000 -> REGULAR;
            case 0x4000 -> DIRECTORY;
            case 0xA000 -> SYMLINK;
            case 0x2000 -> CHAR_DEVICE;
            case 0x6000 -> BLOCK_DEVICE;
            case 0x1000 -> FIFO;
            case 0xC000 -> SOCKET;
            default -> UNKNOWN;
        };
    }
}
