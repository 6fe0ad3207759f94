package io.shiftq.engine.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.Cancellation;
import java.util.Random;

/** Cuts an {@link ImageSet} into batches of DJL arrays, in order or shuffled by a seed. */
public final class Batches {
    private final ImageSet set;
    private final int batchSize;
    private final int[] order;

    private Batches(ImageSet set, int batchSize, int[] order) {
        this.set = set;
        this.batchSize = batchSize;
        this.order = order;
    }

    /** Batches in file order, at most maxBatches of them (0 = all). */
    public static Batches inOrder(ImageSet set, int batchSize, int maxBatches) {
        int n = maxBatches <= 0 ? set.size() : Math.min(set.size(), maxBatches * batchSize);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return new Batches(set, batchSize, order);
    }

    /** All images in a random order drawn from the seed (Fisher-Yates). */
    public static Batches shuffled(ImageSet set, int batchSize, long seed) {
        Batches b = inOrder(set, batchSize, 0);
        Random rnd = new Random(seed);
        for (int i = b.order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = b.order[i];
            b.order[i] = b.order[j];
            b.order[j] = t;
        }
        return b;
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
        Cancellation.checkCurrent();
        int[] idx = indices(k);
        return manager.create(set.gather(idx), new Shape(idx.length, set.channels(), set.height(), set.width()));
    }

    /** Labels of batch k as int32 [n]. */
    public NDArray labels(NDManager manager, int k) {
        return manager.create(set.labelsAt(indices(k)));
    }
}
