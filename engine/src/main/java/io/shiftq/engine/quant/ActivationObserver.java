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

    private static final class Stats {
        private float min = Float.POSITIVE_INFINITY;
        private float max = Float.NEGATIVE_INFINITY;
        private float[] sample = new float[0];
        private long count;

        void add(float[] v, Random random) {
            int take = Math.min(v.length, SAMPLE_PER_BATCH);
            float[] next = Arrays.copyOf(sample, sample.length + take);
            int stride = Math.max(1, v.length / take);
            int offset = v.length > take ? random.nextInt(stride) : 0;
            for (int i = 0; i < v.length; i++) {
                min = Math.min(min, v[i]);
                max = Math.max(max, v[i]);
            }
            for (int i = 0; i < take; i++) {
                next[sample.length + i] = v[Math.min(v.length - 1, offset + i * stride)];
            }
            sample = next;
            count += v.length;
        }

        ActivationStats freeze() {
            return new ActivationStats(min, max, sample, count);
        }
    }
}
