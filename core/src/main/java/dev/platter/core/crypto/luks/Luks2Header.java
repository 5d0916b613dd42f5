package dev.platter.core.crypto.luks;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A LUKS2 header as cryptsetup chooses it from its two copies: the primary at 0, the secondary at the primary's
 * {@code hdr_size} (or, when the primary's binary header or checksum is bad, at the first of cryptsetup's known
 * offsets where a secondary passes its checks). A copy is valid when its binary header, checksum and JSON metadata
 * are; of two valid copies the one with the higher {@code seqid} wins, the primary on a tie. A copy whose metadata
 * asks for something Platter does not support counts as valid for that choice and is refused only if chosen.
 */
public final class Luks2Header {
    final Luks2BinaryHeader binary;
    final Luks2Metadata metadata;
    final long at;

    private Luks2Header(Luks2BinaryHeader binary, Luks2Metadata metadata, long at) {
        this.binary = binary;
        this.metadata = metadata;
        this.at = at;
    }

    /** One copy read: its binary header when that passed its checks, then its metadata or why not. */
    private record Copy(long at, Luks2BinaryHeader binary, Luks2Metadata metadata, IOException failure,
                        boolean checksumOk) {
        boolean valid() {
            return checksumOk && (metadata != null || failure instanceof UnsupportedFeatureException);
        }
    }

    /** Reads and chooses the header of a device of {@code deviceSize} bytes. */
    public static Luks2Header read(LuksIo io, long deviceSize) throws IOException {
        Copy primary = readCopy(io, 0, false, deviceSize);
        Copy secondary = null;
        if (primary.checksumOk) {
            secondary = readCopy(io, primary.binary.hdrSize, true, deviceSize);
        } else {
            for (long off : Luks2BinaryHeader.SECONDARY_OFFSETS) {
                Copy c = readCopy(io, off, true, deviceSize);
                if (c.checksumOk) {
                    secondary = c;
                    break;
                }
                if (secondary == null && c.binary != null) {
                    secondary = c; // the first copy that got past its magic: its failure is worth reporting
                }
            }
        }
        Copy chosen;
        if (primary.valid() && secondary != null && secondary.valid()) {
            chosen = Long.compareUnsigned(secondary.binary.seqid, primary.binary.seqid) > 0 ? secondary : primary;
        } else if (primary.valid()) {
            chosen = primary;
        } else if (secondary != null && secondary.valid()) {
            chosen = secondary;
        } else {
            throw noValidCopy(primary, secondary);
        }
        if (chosen.metadata == null) {
            throw chosen.failure;
        }
        Luks2Header h = new Luks2Header(chosen.binary, chosen.metadata, chosen.at);
        long areas = h.areasEnd();
        if (areas > deviceSize) {
            throw Luks2BinaryHeader.corrupt(chosen.at, "the header and key slot areas (" + areas + " bytes) do not "
                    + "fit the device (" + deviceSize + " bytes)");
        }
        return h;
    }

    /**
     * Why neither copy serves: the primary's failure alone when the secondary is missing too (not LUKS2 at all) or
     * failed for the same reason (a hostile header written to both copies), else both.
     */
    private static IOException noValidCopy(Copy primary, Copy secondary) {
        if (secondary == null) {
            return primary.binary == null ? primary.failure : new CorruptImageException("LUKS2 header", -1,
                    "no valid copy: " + primary.failure.getMessage() + "; no secondary header at any of the known "
                            + "offsets");
        }
        if (problem(primary.failure).equals(problem(secondary.failure))) {
            return primary.failure;
        }
        return new CorruptImageException("LUKS2 header", -1, "no valid copy: " + primary.failure.getMessage()
                + "; secondary: " + secondary.failure.getMessage());
    }

    /** A failure's message without where it happened. */
    private static String problem(IOException e) {
        String m = String.valueOf(e.getMessage());
        int i = e instanceof CorruptImageException c && c.offset() >= 0 ? m.indexOf("): ") : -1;
        return i >= 0 ? m.substring(i + 3) : m;
    }

    private static Copy readCopy(LuksIo io, long at, boolean secondary, long deviceSize) {
        Luks2BinaryHeader bin = null;
        try {
            if (at + Luks2BinaryHeader.SIZE > deviceSize) {
                throw Luks2BinaryHeader.corrupt(at, "the device (" + deviceSize + " bytes) ends before the "
                        + (secondary ? "secondary" : "primary") + " header");
            }
            byte[] raw = read(io, at, Luks2BinaryHeader.SIZE);
            bin = Luks2BinaryHeader.parse(raw, at, secondary);
            long jsonAt = at + Luks2BinaryHeader.SIZE;
            if (jsonAt + bin.jsonAreaSize() > deviceSize) {
                throw Luks2BinaryHeader.corrupt(at, "the JSON area (" + bin.jsonAreaSize() + " bytes at " + jsonAt
                        + ") runs past the end of the device (" + deviceSize + " bytes)");
            }
            byte[] json = read(io, jsonAt, (int) bin.jsonAreaSize());
            bin.checkChecksum(raw, json, at);
            try {
                return new Copy(at, bin, Luks2Metadata.parse(json, jsonAt, bin.hdrSize), null, true);
            } catch (IOException e) {
                return new Copy(at, bin, null, e, true);
            }
        } catch (IOException e) {
            return new Copy(at, bin, null, e, false);
        }
    }

    private static byte[] read(LuksIo io, long pos, int len) throws IOException {
        byte[] b = new byte[len];
        io.read(pos, ByteBuffer.wrap(b));
        return b;
    }

    /** Where the key slot areas end: both header copies and the key slot areas. */
    public long areasEnd() {
        return 2 * binary.hdrSize + metadata.keyslotsSize;
    }

    public Luks2BinaryHeader binary() {
        return binary;
    }

    public Luks2Metadata metadata() {
        return metadata;
    }

    /** Where the copy in use lies: 0 for the primary. */
    public long offset() {
        return at;
    }

    public String uuid() {
        return binary.uuid;
    }
}
