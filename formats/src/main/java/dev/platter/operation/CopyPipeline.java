package dev.platter.operation;

import dev.platter.core.ProgressListener;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a conversion's requests on a pool of workers that read, scan and compress in parallel, with a fixed set of
 * buffers (memory stays bounded whatever the image size). Consecutive requests are handed out in batches that fill
 * one buffer (each request keeps its own boundaries, so the result is the same as request by request): a run of
 * small requests (clusters scattered in a compressed image) then costs one hand-off, not one each. Writes reach
 * the target one batch at a time in request order, as qemu-img's do: the target's layout is the same on every run,
 * and writers never contend for the target file. With out-of-order writes allowed ({@code -W}), each worker writes
 * as soon as it is ready.
 */
final class CopyPipeline {
    /** At most this many buffers, whatever {@code -m} says. */
    static final int MAX_IN_FLIGHT = 32;
    /** At most this many requests in one batch (zero runs take no buffer space). */
    static final int MAX_BATCH = 256;

    private final ChunkPlanner planner;
    private final ChunkProcessor processor;
    private final ConvertTarget target;
    private final int workers;
    private final boolean ordered;
    private final int bufferSize;
    private final Progress progress;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Prepared batches waiting for their turn to be written, by sequence number. */
    private final Map<Long, Job> ready = new HashMap<>();
    private long nextToWrite;
    private boolean writing;

    private BlockingQueue<ByteBuffer> buffers;
    private Semaphore permits;
    private int inFlight;
    private int allocated;

    /** A batch's prepared writes and the buffer they refer to. */
    private record Job(List<Chunk> chunks, List<WriteOp> ops, ByteBuffer buffer) {
    }

    CopyPipeline(ChunkPlanner planner, ChunkProcessor processor, ConvertTarget target, int workers,
                 boolean outOfOrder, int bufferSize, Progress progress) {
        this.planner = planner;
        this.processor = processor;
        this.target = target;
        this.workers = workers;
        this.ordered = !outOfOrder;
        this.bufferSize = bufferSize;
        this.progress = progress;
    }

    void run() throws IOException {
        // Enough batches in flight that one slow batch (compressed clusters) does not leave the other workers idle
        // while the cheap ones behind it wait for their turn to be written.
        inFlight = Math.min(MAX_IN_FLIGHT, Math.max(4, workers * 4));
        buffers = new ArrayBlockingQueue<>(inFlight);
        permits = new Semaphore(inFlight);
        ExecutorService pool = Executors.newFixedThreadPool(workers, new WorkerThreads());
        long seq = 0;
        try {
            List<Chunk> batch = new ArrayList<>();
            long used = 0;
            Chunk c;
            while (failure.get() == null && (c = planner.next()) != null) {
                if (processor.isNoOp(c)) {
                    continue;
                }
                int need = processor.bufferBytes(c);
                if (!batch.isEmpty() && (used + need > bufferSize || batch.size() >= MAX_BATCH)) {
                    submit(pool, seq++, batch, used > 0);
                    batch = new ArrayList<>();
                    used = 0;
                }
                batch.add(c);
                used += need;
            }
            if (!batch.isEmpty() && failure.get() == null) {
                submit(pool, seq, batch, used > 0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, new InterruptedIOException("conversion interrupted"));
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            pool.shutdown();
            try {
                while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    // Workers finish what they hold; a stuck host I/O is the host's problem to report.
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, new InterruptedIOException("conversion interrupted"));
            }
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        }
    }

    private void submit(ExecutorService pool, long seq, List<Chunk> batch, boolean needsBuffer)
            throws InterruptedException {
        permits.acquire();
        ByteBuffer buf = null;
        if (needsBuffer) {
            buf = buffers.poll();
            if (buf == null && allocated < inFlight) {
                buf = alignedBuffer(bufferSize);
                allocated++;
            } else if (buf == null) {
                buf = buffers.take();
            }
        }
        ByteBuffer myBuf = buf;
        pool.execute(() -> work(seq, batch, myBuf));
    }

    private void work(long seq, List<Chunk> batch, ByteBuffer buf) {
        List<WriteOp> ops = new ArrayList<>();
        try {
            int off = 0;
            for (Chunk c : batch) {
                if (failure.get() != null) {
                    break;
                }
                int need = processor.bufferBytes(c);
                ops.addAll(processor.process(c, need == 0 ? null : buf.slice(off, need)));
                off += need;
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        Job job = new Job(batch, ops, buf);
        if (!ordered) {
            write(job);
            release(job);
            return;
        }
        // Hand the job over; whoever holds the writer role writes every job whose turn has come.
        synchronized (ready) {
            ready.put(seq, job);
            if (writing) {
                return;
            }
            writing = true;
        }
        while (true) {
            Job next;
            synchronized (ready) {
                next = ready.remove(nextToWrite);
                if (next == null) {
                    writing = false;
                    break;
                }
                nextToWrite++;
            }
            write(next);
            release(next);
        }
    }

    private void write(Job job) {
        if (failure.get() != null) {
            return;
        }
        try {
            for (WriteOp op : job.ops()) {
                op.apply(target);
            }
            for (Chunk c : job.chunks()) {
                progress.written(c);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private void release(Job job) {
        if (job.buffer() != null) {
            buffers.offer(job.buffer());
        }
        permits.release();
    }

    /** A direct buffer whose address is page aligned, so that writes from it can bypass the page cache. */
    private static ByteBuffer alignedBuffer(int size) {
        int page = 4096;
        return ByteBuffer.allocateDirect(size + page).alignedSlice(page).slice(0, size);
    }

    /** Daemon worker threads with recognisable names. */
    private static final class WorkerThreads implements ThreadFactory {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "platter-convert-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /** Progress in bytes of requests that had to be read or written, as qemu-img counts it. */
    static final class Progress {
        private final ProgressListener listener;
        private final long total;
        private final boolean countZero;
        private long done;
        private long dataBytes;

        Progress(ProgressListener listener, long total, boolean countZero) {
            this.listener = listener;
            this.total = total;
            this.countZero = countZero;
        }

        synchronized void written(Chunk c) {
            if (c.kind() == Chunk.Kind.DATA) {
                dataBytes += c.len();
            }
            if (c.kind() == Chunk.Kind.DATA || (countZero && c.kind() == Chunk.Kind.ZERO)) {
                done += c.len();
                if (listener != ProgressListener.NONE) {
                    listener.progress(Math.min(done, total), total);
                }
            }
        }

        synchronized long dataBytes() {
            return dataBytes;
        }
    }
}
