package io.shiftq.engine.deploy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.shiftq.engine.data.ImageSet;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** Runs an exported QDQ model in ONNX Runtime, for tests that compare it with the engine. */
public final class OnnxRuntimeRun {
    private OnnxRuntimeRun() {}

    /** Logits of every image, row-major [images, classes]. */
    public static float[] logits(Path model, ImageSet test) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model.toString(), o);
                    OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(test.pixels()), new long[] {
                        test.size(), test.channels(), test.height(), test.width()
                    });
                    OrtSession.Result r = s.run(Map.of("input", x))) {
                float[][] v = (float[][]) r.get(0).getValue();
                float[] flat = new float[v.length * v[0].length];
                for (int i = 0; i < v.length; i++) {
                    System.arraycopy(v[i], 0, flat, i * v[0].length, v[0].length);
                }
                return flat;
            }
        }
    }

    /** Top-1 accuracy in percent of the model on the images. */
    public static double accuracy(Path model, ImageSet test) throws Exception {
        float[] logits = logits(model, test);
        int classes = logits.length / test.size();
        int correct = 0;
        for (int k = 0; k < test.size(); k++) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                best = logits[k * classes + j] > logits[k * classes + best] ? j : best;
            }
            correct += best == test.labels()[k] ? 1 : 0;
        }
        return 100.0 * correct / test.size();
    }
}
