package io.shiftq.engine.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.Cancellation;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Cuts an {@link ImageSource} into batches of DJL arrays, in order or shuffled by a seed. A source that decodes files
 * ({@link ImageSource#prefetch()}) has its next batches decoded on worker threads while the caller works on this one;
 * batches are read in increasing k, as every loop of the engine reads them.
 */
public final class Batches {
    private final ImageSource set;
    private final int batchSize;
    private final int[] order;
    private final long augmentSeed;
    private final Map<Integer, Future<float[]>> pending = new HashMap<>();

    private Batches(ImageSource set, int batchSize, int[] order, long augmentSeed) {
        this.set = set;
        this.batchSize = batchSize;
        this.order = order;
        this.augmentSeed = augmentSeed;
    }

    /** Batches in file order, at most maxBatches of them (0 = all). */
    public static Batches inOrder(ImageSource set, int batchSize, int maxBatches) {
        int n = maxBatches <= 0 ? set.size() : Math.min(set.size(), maxBatches * batchSize);
        return new Batches(set, batchSize, identity(n), 0);
    }

    /**
     * All images in a random order drawn from the seed (Fisher-Yates); the seed also draws the random training
     * transforms of a source that has them.
     */
    public static Batches shuffled(ImageSource set, int batchSize, long seed) {
        int[] order = identity(set.size());
        Random rnd = new Random(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new Batches(set, batchSize, order, seed);
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Number of batches (the last may be short). */
    public int count() {
        return (order.length + batchSize - 1) / batchSize;
    }

    /** Number of images covered. */
    public int images() {
        return order.length;
    }

    /** Indices of batch k into the image set. */
    public int[] indices(int k) {
        int from = k * batchSize;
        int to = Math.min(order.length, from + batchSize);
        int[] idx = new int[to - from];
        System.arraycopy(order, from, idx, 0, idx.length);
        return idx;
    }

    /**
     * Images of batch k as [n, C, H, W]. Every batch loop of the engine reads its images here, so this is where a
     * cancelled job stops ({@link Cancellation}).
     */
    public NDArray images(NDManager manager, int k) {
        int[] idx = indices(k);
        return manager.create(pixels(k), new Shape(idx.length, set.channels(), set.height(), set.width()));
    }

    /** Pixels of batch k, packed [n, C, H, W]: decoded ahead by the source's workers when it has them. */
    public float[] pixels(int k) {
        Cancellation.checkCurrent();
        BatchPrefetch prefetch = set.prefetch();
        if (prefetch == null) {
            return set.gather(indices(k), augmentSeed);
        }
        for (int ahead = k; ahead < Math.min(count(), k + prefetch.ahead() + 1); ahead++) {
            int[] idx = indices(ahead);
            pending.computeIfAbsent(ahead, a -> prefetch.executor().submit(() -> set.gather(idx, augmentSeed)));
        }
        Future<float[]> batch = pending.remove(k);
        try {
            return batch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while batch " + k + " was decoded", e);
        } catch (ExecutionException e) {
            // The worker's own exception names the file and data.path; rethrow it as it is.
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new DataException("batch " + k + ": " + e.getCause(), e.getCause());
        }
    }

    /** Labels of batch k as int32 [n]. */
    public NDArray labels(NDManager manager, int k) {
        return manager.create(set.labelsAt(indices(k)));
    }
}
