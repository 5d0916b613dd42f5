package dev.platter.format.vmdk;

import dev.platter.core.image.SequentialImageWriter;
import dev.platter.core.image.capability.CompressedWrites;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * A stream-optimized disk written strictly front to back, for sinks that cannot seek (stdout, a pipe into an OVA):
 * the layout of VMware's "Virtual Disk Format 5.0" technote, as ovftool and VMware's exports write it. The header
 * says the grain directory is at the end (GD_AT_END); the descriptor follows; then the grains in ascending order,
 * each grain table (with its marker) after the last grain it maps; then the directory (with its marker), the footer
 * (a copy of the header with the directory's real place) and the end-of-stream marker. Tables without grains are
 * left out (their directory entry is 0).
 */
final class VmdkStreamWriter implements SequentialImageWriter, CompressedWrites {
    private static final int GRAIN_BYTES = VmdkCreator.GRAIN_SECTORS * 512;
    private static final int GTES = VmdkCreator.GTES_PER_GT;

    private final OutputStream out;
    private final long size;
    private final long capacity;
    private final boolean zeroedGrain;
    private final int[] directory;
    private final long gdSectors;
    private GrainCompressor compressor;
    /** The sector the next write starts at. */
    private long sector;
    private int[] table;
    private long tableIndex = -1;
    private long lastGrain = -1;
    private boolean finished;

    VmdkStreamWriter(OutputStream out, long size, String descriptor, VmdkCreateOptions o) throws IOException {
        this.out = out;
        this.size = size;
        this.capacity = (size + 511) / 512;
        this.zeroedGrain = o.zeroedGrain;
        long grains = (capacity + VmdkCreator.GRAIN_SECTORS - 1) / VmdkCreator.GRAIN_SECTORS;
        long tables = (grains + GTES - 1) / GTES;
        if (tables > GrainDirectory.MAX_ENTRIES) {
            throw new IllegalArgumentException("the disk is too large for one stream-optimized extent");
        }
        this.directory = new int[(int) tables];
        this.gdSectors = (tables * 4 + 511) / 512;
        this.compressor = new GrainCompressor(GRAIN_BYTES, o.compressionLevel);
        emit(header(SparseHeader.GD_AT_END).encode());
        byte[] text = descriptor.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer area = ByteBuffer.allocate((int) (VmdkCreator.DESCRIPTOR_SECTORS * 512));
        if (text.length > area.capacity()) {
            throw new IllegalArgumentException("the descriptor does not fit its 20 sectors");
        }
        emit(area.put(text).clear());
    }

    private SparseHeader header(long gdOffset) {
        int flags = SparseHeader.FLAG_NEWLINE_TEST | SparseHeader.FLAG_COMPRESSED | SparseHeader.FLAG_MARKERS
                | (zeroedGrain ? SparseHeader.FLAG_ZEROED_GRAIN : 0);
        long overHead = VmdkCreator.DESCRIPTOR_SECTOR + VmdkCreator.DESCRIPTOR_SECTORS;
        return new SparseHeader(3, flags, capacity, VmdkCreator.GRAIN_SECTORS, VmdkCreator.DESCRIPTOR_SECTOR,
                VmdkCreator.DESCRIPTOR_SECTORS, GTES, 0, gdOffset, overHead, SparseHeader.COMPRESSION_DEFLATE);
    }

    /** Writes whole sectors and counts them. */
    private void emit(ByteBuffer sectors) throws IOException {
        int n = sectors.remaining();
        if (sectors.hasArray()) {
            out.write(sectors.array(), sectors.arrayOffset() + sectors.position(), n);
        } else {
            byte[] b = new byte[n];
            sectors.duplicate().get(b);
            out.write(b);
        }
        sector += n / 512;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public CompressedWrites compression() {
        return this;
    }

    @Override
    public void write(long pos, ByteBuffer cluster) throws IOException {
        append(pos, compressor.stored(cluster, pos / 512));
    }

    @Override
    public void writeCompressedCluster(long pos, ByteBuffer compressed) throws IOException {
        GrainMarker.putLba(compressed, pos / 512);
        append(pos, compressed);
    }

    private void append(long pos, ByteBuffer record) throws IOException {
        if (finished) {
            throw new IOException("the vmdk stream is finished");
        }
        long grain = pos / GRAIN_BYTES;
        if (pos % GRAIN_BYTES != 0 || pos >= capacity * 512 || grain <= lastGrain) {
            throw new IOException("a vmdk stream takes whole grains in ascending order, once each (offset " + pos
                    + " after grain " + lastGrain + ")");
        }
        long index = grain / GTES;
        if (index != tableIndex) {
            closeTable();
            tableIndex = index;
            table = new int[GTES];
        }
        if (sector > 0xffffffffL - record.remaining() / 512) {
            throw new IOException("the vmdk stream outgrew 2 TiB, what its 32-bit grain sectors reach");
        }
        table[(int) (grain % GTES)] = (int) sector;
        emit(record.duplicate());
        lastGrain = grain;
    }

    /** The grain table of the grains just written, with its marker. */
    private void closeTable() throws IOException {
        if (table == null) {
            return;
        }
        long tableSectors = GTES * 4 / 512;
        emit(GrainMarker.metadata(GrainMarker.GRAIN_TABLE, tableSectors));
        directory[(int) tableIndex] = (int) sector;
        ByteBuffer b = ByteBuffer.allocate(GTES * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(table);
        emit(b);
        table = null;
    }

    @Override
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        closeTable();
        emit(GrainMarker.metadata(GrainMarker.GRAIN_DIRECTORY, gdSectors));
        long gdAt = sector;
        ByteBuffer gd = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
        gd.asIntBuffer().put(directory);
        emit(gd);
        emit(GrainMarker.metadata(GrainMarker.FOOTER, 1));
        emit(header(gdAt).encode());
        emit(GrainMarker.metadata(GrainMarker.END_OF_STREAM, 0));
        out.flush();
        finished = true;
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }

    // ------------------------------------------------------------------------------------------ compression

    @Override
    public int clusterSize() {
        return GRAIN_BYTES;
    }

    @Override
    public ByteBuffer compress(ByteBuffer cluster) {
        return compressor.compress(cluster, 0);
    }

    @Override
    public boolean slowOnIncompressible() {
        return true;
    }

    @Override
    public boolean compressesEverything() {
        return true;
    }

    @Override
    public void configure(Map<String, String> createOptions) {
        Integer level = VmdkCreateOptions.compressionLevel(createOptions);
        if (level != null) {
            compressor = new GrainCompressor(GRAIN_BYTES, level);
        }
    }
}
