package io.shiftq.engine.data;

import java.util.Random;

/**
 * A small learnable data set for fast tests: each class is a fixed random 28x28 pattern plus noise,
 * so a model can learn it in one epoch. Not for accuracy claims.
 */
public final class SyntheticData {
    private SyntheticData() {}

    /** Builds train and test sets of the given sizes, deterministic for a seed. */
    public static DataSplits create(int trainSize, int testSize, int numClasses, long seed) {
        Random rnd = new Random(seed);
        int per = 28 * 28;
        float[][] prototypes = new float[numClasses][per];
        for (float[] p : prototypes) {
            for (int i = 0; i < per; i++) {
                p[i] = rnd.nextFloat() < 0.3f ? 0.8f : 0.1f;
            }
        }
        return new DataSplits(
                "Synthetic", sample(trainSize, prototypes, rnd), sample(testSize, prototypes, rnd), numClasses);
    }

    private static ImageSet sample(int n, float[][] prototypes, Random rnd) {
        int per = prototypes[0].length;
        float[] pixels = new float[n * per];
        int[] labels = new int[n];
        for (int k = 0; k < n; k++) {
            labels[k] = rnd.nextInt(prototypes.length);
            for (int i = 0; i < per; i++) {
                float v = prototypes[labels[k]][i] + (float) rnd.nextGaussian() * 0.15f;
                pixels[k * per + i] = Math.max(0f, Math.min(1f, v));
            }
        }
        return new ImageSet(pixels, labels, 1, 28, 28);
    }
}
