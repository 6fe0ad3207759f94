package io.shiftq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.Batches;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.ActivationSink;
import io.shiftq.engine.quant.QuantPlan;

/** Top-1 accuracy and calibration passes over an image set. */
public final class Evaluation {
    private Evaluation() {}

    /** Top-1 accuracy in percent over the first maxBatches batches (0 = all). */
    public static double accuracy(LoadedNetwork model, ImageSource set, QuantPlan plan, int batchSize, int maxBatches) {
        int[] predicted = predictions(model, set, plan, batchSize, maxBatches);
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            correct += predicted[i] == set.labels()[i] ? 1 : 0;
        }
        return predicted.length == 0 ? 0 : 100.0 * correct / predicted.length;
    }

    /** The predicted class of each image in order, over the first maxBatches batches (0 = all). */
    public static int[] predictions(
            LoadedNetwork model, ImageSource set, QuantPlan plan, int batchSize, int maxBatches) {
        EngineSetup.noGradOnThisThread();
        Batches batches = Batches.inOrder(set, batchSize, maxBatches);
        int[] out = new int[batches.images()];
        NDManager manager = NDManager.newBaseManager();
        try (manager) {
            for (int k = 0; k < batches.count(); k++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray logits = model.forward(batches.images(manager, k), plan, null, false);
                    long[] arg = logits.argMax(1).toLongArray();
                    for (int i = 0; i < arg.length; i++) {
                        out[k * batchSize + i] = (int) arg[i];
                    }
                }
            }
        }
        return out;
    }

    /** Runs calibration batches (in order) through the model so the observer sees every activation. */
    public static void calibrate(
            LoadedNetwork model, ImageSource set, QuantPlan plan, int batchSize, int batches, ActivationSink observer) {
        EngineSetup.noGradOnThisThread();
        Batches b = Batches.inOrder(set, batchSize, batches);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int k = 0; k < b.count(); k++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    model.forward(b.images(manager, k), plan, observer, false);
                }
            }
        }
    }
}
