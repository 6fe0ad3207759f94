package io.shiftq.schema.artifact;

/**
 * The names under which stages hand artifacts to each other (keys of a completion's {@code artifacts} and, with
 * their extension, file names in the job's folder of the store). Every producer and consumer uses these.
 */
public final class ArtifactNames {
    /** FP32 weights of the baseline, from calibration ({@code .npz}). */
    public static final String FP32_WEIGHTS = "fp32_weights";
    /** Activation statistics summary, from calibration ({@code .json}). */
    public static final String ACTIVATION_STATS = "activation_stats";
    /** BatchNorm-folded weights after the ptq stage ({@code .npz}). */
    public static final String FOLDED_WEIGHTS = "folded_weights";
    /** The best QAT weights, from the qat stage ({@code .npz}); the PTQ weights when QAT is skipped. */
    public static final String QAT_WEIGHTS = "qat_weights";
    /**
     * The input and output quantizers QAT learned ({@code training.thresholds: learned}), from the qat stage
     * ({@code .npz}, one [bits, signed, exponent, rule] tensor per {@code <layer>.input} / {@code .output} key).
     */
    public static final String QAT_THRESHOLDS = "qat_thresholds";
    /** Folder of the deployment files, from the final_ptq stage. */
    public static final String DEPLOY = "deploy";

    private ArtifactNames() {}

    /** The checkpoint after QAT epoch {@code epoch} (1-based). */
    public static String qatEpoch(int epoch) {
        return "qat_epoch_" + epoch;
    }
}
