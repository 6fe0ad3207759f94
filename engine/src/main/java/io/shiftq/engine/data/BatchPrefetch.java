package io.shiftq.engine.data;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker threads that decode a source's batches ahead of the training or evaluation loop, as PyTorch's
 * {@code DataLoader(num_workers, prefetch_factor)}: each worker builds whole batches, and at most
 * {@code workers * prefetch} batches are decoded ahead of the one being read, so memory holds that many batches
 * whatever the size of the folder.
 *
 * @param executor the pool: daemon threads that end after a minute idle, so a finished job leaves none behind
 * @param workers number of threads
 * @param prefetch batches each worker works ahead
 */
public record BatchPrefetch(ThreadPoolExecutor executor, int workers, int prefetch) {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final long IDLE_SECONDS = 60;

    /** A pool of the given number of workers. */
    public static BatchPrefetch of(int workers, int prefetch) {
        if (workers < 1 || prefetch < 1) {
            throw new IllegalArgumentException(
                    "data.workers and data.prefetch must be at least 1, got " + workers + " and " + prefetch);
        }
        int pool = POOLS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "shiftq-data-" + pool + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                workers, workers, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
        executor.allowCoreThreadTimeOut(true);
        return new BatchPrefetch(executor, workers, prefetch);
    }

    /** How many batches may be decoded ahead of the one being read. */
    public int ahead() {
        return workers * prefetch;
    }
}
