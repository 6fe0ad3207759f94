package io.shiftq.engine.quant;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Collects activation statistics over calibration batches: the exact min and max of every observed
 * tensor and a bounded sample of its values, which the mse and percentile rules search over.
 */
public final class ActivationObserver implements ActivationSink {
    /** Values kept per batch and tensor; enough for the percentile tails at 99.99. */
    private static final int SAMPLE_PER_BATCH = 32_768;

    private final Map<String, Stats> stats = new LinkedHashMap<>();
    private final Random random = new Random(17);

    /** Records one tensor under a key such as {@code features.0.input}. */
    @Override
    public void observe(String key, NDArray x) {
        float[] v = x.toFloatArray();
        Stats s = stats.computeIfAbsent(key, k -> new Stats());
        s.add(v, random);
    }

    /** Statistics of every key, in first-seen order. */
    public Map<String, ActivationStats> snapshot() {
        Map<String, ActivationStats> out = new LinkedHashMap<>();
        stats.forEach((k, s) -> out.put(k, s.freeze()));
        return out;
    }

    /**
     * One key's running min, max and sample. The sample grows in a buffer whose capacity doubles, so adding a
     * batch copies the kept values O(1) times on average: copying the whole sample on every batch (as an earlier
     * version did) made calibration quadratic in the number of batches, and profiled as most of its Java time.
     */
    private static final class Stats {
        private float min = Float.POSITIVE_INFINITY;
        private float max = Float.NEGATIVE_INFINITY;
        private float[] sample = new float[0];
        private int size;
        private long count;

        void add(float[] v, Random random) {
            int take = Math.min(v.length, SAMPLE_PER_BATCH);
            reserve(take);
            int stride = Math.max(1, v.length / take);
            int offset = v.length > take ? random.nextInt(stride) : 0;
            for (int i = 0; i < v.length; i++) {
                min = Math.min(min, v[i]);
                max = Math.max(max, v[i]);
            }
            for (int i = 0; i < take; i++) {
                sample[size + i] = v[Math.min(v.length - 1, offset + i * stride)];
            }
            size += take;
            count += v.length;
        }

        private void reserve(int more) {
            int needed = Math.addExact(size, more);
            if (needed > sample.length) {
                sample = Arrays.copyOf(
                        sample, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * sample.length)));
            }
        }

        ActivationStats freeze() {
            return new ActivationStats(min, max, Arrays.copyOf(sample, size), count);
        }
    }
}
