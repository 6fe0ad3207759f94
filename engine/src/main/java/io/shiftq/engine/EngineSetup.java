package io.shiftq.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine the one way shiftq runs it: offline (the native library comes from
 * the pytorch-native-cpu jar, never from the network) and with thread counts set on purpose.
 *
 * <p>Defaults were measured here on 2 cores: 1 inter-op thread (LeNet in DJL ran 3-10x slower with
 * 2 intra + 2 inter-op threads than with 1 + 1) and 2 intra-op threads for the convolutional nets
 * (the VGG-style net ran 1.6x faster in PyTorch with 2 intra-op threads than with 1). Override with
 * the system properties or environment variables {@code SHIFTQ_INTRA_OP_THREADS} and
 * {@code SHIFTQ_INTER_OP_THREADS}.
 */
public final class EngineSetup {
    private static volatile boolean started;

    private EngineSetup() {}

    /** Configures and loads the engine once per JVM; later calls return at once. */
    public static synchronized void start() {
        if (started) {
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.default_engine", "PyTorch");
        System.setProperty("ai.djl.pytorch.num_interop_threads", setting("SHIFTQ_INTER_OP_THREADS", "1"));
        System.setProperty(
                "ai.djl.pytorch.num_threads",
                setting(
                        "SHIFTQ_INTRA_OP_THREADS",
                        String.valueOf(Math.min(2, Runtime.getRuntime().availableProcessors()))));
        // Disable the TorchScript graph optimizer: shiftq runs eager ops, and it only adds warm-up.
        System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
        Engine.getEngine("PyTorch");
        started = true;
    }

    /**
     * Turns PyTorch's gradient mode off on the calling thread. Grad mode is per thread and on by
     * default in a new native thread (a Quarkus worker, say); DJL's GradientCollector restores the
     * mode it found, so without this, in-place optimizer updates fail ("a leaf Variable that
     * requires grad is being used in an in-place operation") and evaluation builds useless graphs.
     */
    public static void noGradOnThisThread() {
        start();
        JniUtils.setGradMode(false);
    }

    /** Whether PyTorch records operations for autograd on the calling thread (inside a gradient collector). */
    public static boolean recordsGradients() {
        return JniUtils.isGradMode();
    }

    private static String setting(String name, String fallback) {
        String v = System.getProperty(name, System.getenv(name));
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
