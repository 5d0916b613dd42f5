package dev.platter.operation;

import dev.platter.core.ProgressListener;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a conversion's requests on a pool of workers that read, scan and compress in parallel, with a fixed set of
 * buffers (memory stays bounded whatever the image size). Writes reach the target one at a time in request order,
 * as qemu-img's do: the target's layout is the same on every run, and writers never contend for the target file.
 * With out-of-order writes allowed ({@code -W}), each worker writes as soon as it is ready.
 */
final class CopyPipeline {
    private final ChunkPlanner planner;
    private final ChunkProcessor processor;
    private final ConvertTarget target;
    private final int workers;
    private final boolean ordered;
    private final int bufferSize;
    private final Progress progress;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Prepared writes waiting for their turn, by sequence number. */
    private final Map<Long, Job> ready = new HashMap<>();
    private long nextToWrite;
    private boolean writing;

    /** A request's prepared writes and the buffer they refer to. */
    private record Job(Chunk chunk, List<WriteOp> ops, ByteBuffer buffer) {
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
        int inFlight = Math.max(2, workers * 2);
        BlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(inFlight);
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(inFlight);
        ExecutorService pool = Executors.newFixedThreadPool(workers, new WorkerThreads());
        int allocated = 0;
        long seq = 0;
        try {
            Chunk c;
            while (failure.get() == null && (c = planner.next()) != null) {
                if (processor.isNoOp(c)) {
                    progress.skipped(c);
                    continue;
                }
                permits.acquire();
                ByteBuffer buf = null;
                if (ChunkProcessor.needsBuffer(c)) {
                    buf = buffers.poll();
                    if (buf == null && allocated < inFlight) {
                        buf = ByteBuffer.allocateDirect(bufferSize);
                        allocated++;
                    } else if (buf == null) {
                        buf = buffers.take();
                    }
                }
                long mySeq = seq++;
                Chunk chunk = c;
                ByteBuffer myBuf = buf;
                pool.execute(() -> work(mySeq, chunk, myBuf, buffers, permits));
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

    private void work(long seq, Chunk chunk, ByteBuffer buf, BlockingQueue<ByteBuffer> buffers,
                      java.util.concurrent.Semaphore permits) {
        List<WriteOp> ops = List.of();
        try {
            if (failure.get() == null) {
                ops = processor.process(chunk, buf);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        Job job = new Job(chunk, ops, buf);
        if (!ordered) {
            write(job);
            release(job, buffers, permits);
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
            release(next, buffers, permits);
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
            progress.written(job.chunk());
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private static void release(Job job, BlockingQueue<ByteBuffer> buffers, java.util.concurrent.Semaphore permits) {
        if (job.buffer() != null) {
            buffers.offer(job.buffer());
        }
        permits.release();
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

        void skipped(Chunk c) {
            // Requests that need no write count neither as work nor as done, as in qemu-img.
        }

        synchronized long dataBytes() {
            return dataBytes;
        }
    }
}
