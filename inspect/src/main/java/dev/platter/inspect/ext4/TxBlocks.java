package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The writer's view of the filesystem's metadata blocks: what is on the device, with the changes of the open
 * transaction on top. Metadata is changed only here, in memory, until {@link Ext4Writer} commits it (through the
 * journal when there is one); file data is written straight to blocks that are free on disk (see
 * {@link #writeData}), which is safe because nothing reachable points at them before the commit.
 */
final class TxBlocks {
    private static final int CLEAN_CACHE_BLOCKS = 4096;
    private static final int GATHER_BYTES = 4 << 20;

    private final boolean stepOrdered;
    private final BlockDevice device;
    private final int blockSize;
    private final byte[] gathered = new byte[GATHER_BYTES];
    private long gatheredStart;
    private int gatheredBlocks;
    private final long blocksCount;
    private final TreeMap<Long, byte[]> dirty = new TreeMap<>();
    /** Without a journal: the step each dirty block was last changed in, and copies of earlier steps' states. */
    private final Map<Long, Integer> stepOf = new java.util.HashMap<>();
    private final java.util.List<Write> earlier = new java.util.ArrayList<>();
    private int step;
    /** Blocks changed (or forgotten) since the reader's view last caught up. */
    private final java.util.Set<Long> unseen = new java.util.HashSet<>();

    private record Write(int step, long block, byte[] bytes) {
    }

    /** The open operation's undo record: each block's state before it first touched it (ABSENT: not dirty). */
    private static final byte[] ABSENT = new byte[0];
    private Map<Long, byte[]> undo;
    private Map<Long, Integer> undoStep;
    private int earlierMark;
    private final Map<Long, byte[]> clean = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > CLEAN_CACHE_BLOCKS;
        }
    };

    TxBlocks(BlockDevice device, int blockSize, long blocksCount) {
        this(device, blockSize, blocksCount, false);
    }

    /** {@code stepOrdered}: no journal, so earlier steps' states are kept to be written in order. */
    TxBlocks(BlockDevice device, int blockSize, long blocksCount, boolean stepOrdered) {
        this.stepOrdered = stepOrdered;
        this.device = device;
        this.blockSize = blockSize;
        this.blocksCount = blocksCount;
    }

    int blockSize() {
        return blockSize;
    }

    BlockDevice device() {
        return device;
    }

    /** The block as the open transaction sees it. The array must not be changed: use {@link #modify}. */
    byte[] read(long block, String structure) throws IOException {
        byte[] b = dirty.get(block);
        if (b == null) {
            b = clean.get(block);
        }
        if (b == null) {
            b = new byte[blockSize];
            flushData();
            device.read(offset(block, structure), ByteBuffer.wrap(b));
            clean.put(block, b);
        }
        return b;
    }

    /** An operation starts: from here its changes can be undone together ({@link #rollbackOperation}). */
    void beginOperation() {
        undo = new java.util.HashMap<>();
        undoStep = new java.util.HashMap<>();
        earlierMark = earlier.size();
    }

    /** The operation failed: every block it touched goes back to what it was before it. */
    void rollbackOperation() {
        if (undo == null) {
            return;
        }
        for (Map.Entry<Long, byte[]> e : undo.entrySet()) {
            long block = e.getKey();
            clean.remove(block);
            unseen.add(block);
            if (e.getValue() == ABSENT) {
                dirty.remove(block);
                stepOf.remove(block);
            } else {
                dirty.put(block, e.getValue());
                Integer was = undoStep.get(block);
                if (was == null) {
                    stepOf.remove(block);
                } else {
                    stepOf.put(block, was);
                }
            }
        }
        while (earlier.size() > earlierMark) {
            earlier.remove(earlier.size() - 1);
        }
        undo = null;
    }

    private void remember(long block) {
        if (undo != null && !undo.containsKey(block)) {
            byte[] d = dirty.get(block);
            undo.put(block, d == null ? ABSENT : d.clone());
            undoStep.put(block, stepOf.get(block));
        }
    }

    /** The block, to be changed in place; it joins the open transaction. */
    byte[] modify(long block, String structure) throws IOException {
        remember(block);
        byte[] b = dirty.get(block);
        if (b == null) {
            b = read(block, structure).clone();
            clean.remove(block);
            dirty.put(block, b);
        } else {
            Integer was = stepOf.get(block);
            if (stepOrdered && was != null && was < step) {
                earlier.add(new Write(was, block, b.clone()));
            }
        }
        stepOf.put(block, step);
        unseen.add(block);
        return b;
    }

    /** The blocks changed since the last call, for the reader's caches to forget. */
    java.util.Set<Long> takeUnseen() {
        java.util.Set<Long> out = new java.util.HashSet<>(unseen);
        unseen.clear();
        return out;
    }

    /** A newly allocated metadata block, all zeros, in the open transaction (its old content is never read). */
    byte[] fresh(long block, String structure) throws IOException {
        offset(block, structure);
        remember(block);
        byte[] b = new byte[blockSize];
        clean.remove(block);
        dirty.put(block, b);
        stepOf.put(block, step);
        unseen.add(block);
        return b;
    }

    /** A block that stopped being metadata (freed): forgotten, and left out of the transaction. */
    void forget(long block) {
        remember(block);
        unseen.add(block);
        dirty.remove(block);
        clean.remove(block);
        stepOf.remove(block);
        earlier.removeIf(w -> w.block() == block);
    }

    /**
     * Starts the next step of the open transaction. Without a journal, a step's blocks reach the disk before the
     * next step's (see {@link #writeInStepOrder}): allocate before linking, unlink before releasing.
     */
    void nextStep() {
        step++;
    }

    /**
     * Writes the transaction in place without a journal: step by step, each step's blocks (in the state that step
     * left them) flushed before the next step's, so that a crash finds every earlier step complete.
     */
    void writeInStepOrder() throws IOException {
        flushData();
        java.util.List<Write> writes = new java.util.ArrayList<>(earlier);
        for (Map.Entry<Long, byte[]> e : dirty.entrySet()) {
            writes.add(new Write(stepOf.getOrDefault(e.getKey(), step), e.getKey(), e.getValue()));
        }
        writes.sort(java.util.Comparator.comparingInt(Write::step));
        device.flush();
        int at = writes.isEmpty() ? 0 : writes.get(0).step();
        for (Write w : writes) {
            if (w.step() != at) {
                device.flush();
                at = w.step();
            }
            device.write(offset(w.block(), "ext metadata block"), ByteBuffer.wrap(w.bytes()));
        }
        device.flush();
    }

    /**
     * Writes file data to the device, at blocks no committed metadata refers to. Consecutive writes are gathered (up
     * to {@link #GATHER_BYTES}) so that many small files become few large writes; {@link #flushData} sends them.
     */
    void writeData(long block, byte[] data, int off, int blocks) throws IOException {
        offset(block + blocks - 1, "ext data block");
        int bytes = blocks * blockSize;
        if (gatheredBlocks > 0 && block == gatheredStart + gatheredBlocks
                && (long) (gatheredBlocks + blocks) * blockSize <= GATHER_BYTES) {
            System.arraycopy(data, off, gathered, gatheredBlocks * blockSize, bytes);
            gatheredBlocks += blocks;
            return;
        }
        flushData();
        if (bytes > GATHER_BYTES / 2) {
            device.write(offset(block, "ext data block"), ByteBuffer.wrap(data, off, bytes));
            return;
        }
        System.arraycopy(data, off, gathered, 0, bytes);
        gatheredStart = block;
        gatheredBlocks = blocks;
    }

    /** Sends the gathered file data to the device (before a commit, and before anything reads the device). */
    void flushData() throws IOException {
        if (gatheredBlocks > 0) {
            int n = gatheredBlocks;
            gatheredBlocks = 0;
            device.write(gatheredStart * blockSize, ByteBuffer.wrap(gathered, 0, n * blockSize));
        }
    }

    /** The open transaction's blocks, by block number. */
    TreeMap<Long, byte[]> dirty() {
        return dirty;
    }

    /** Blocks the transaction will write (with the earlier steps' copies kept for an ordered write). */
    int dirtyCount() {
        return dirty.size() + earlier.size();
    }

    /** The transaction is on disk: its blocks become the clean state. */
    void committed() {
        for (Map.Entry<Long, byte[]> e : dirty.entrySet()) {
            clean.put(e.getKey(), e.getValue());
        }
        dirty.clear();
        stepOf.clear();
        earlier.clear();
        undo = null;
    }

    long offset(long block, String structure) throws CorruptImageException {
        if (block < 0 || block >= blocksCount) {
            throw new CorruptImageException(structure, -1,
                    "block " + block + " is outside the filesystem (" + blocksCount + " blocks)");
        }
        long off = block * blockSize;
        if (off + blockSize > device.size()) {
            throw new CorruptImageException(structure, off, "block " + block + " lies past the end of the device");
        }
        return off;
    }
}
