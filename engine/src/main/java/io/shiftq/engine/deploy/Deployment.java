package io.shiftq.engine.deploy;

import io.shiftq.engine.deploy.c.CSource;
import io.shiftq.engine.deploy.format.AimetEncodings;
import io.shiftq.engine.deploy.format.ModelFiles;
import io.shiftq.engine.deploy.format.OnnxQdq;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.QuantPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment export: every file a hardware team or a tool loads, written from the final
 * final_ptq plan.
 */
public final class Deployment {
    private static final Logger LOG = LoggerFactory.getLogger(Deployment.class);

    private Deployment() {}

    /**
     * The files written.
     *
     * @param dir the directory
     * @param weightsNpz integer weights, biases and exponent/shift arrays by layer name (numpy)
     * @param modelJson graph description the integer executor needs besides the npz
     * @param header C header with the integer arrays and shift constants
     * @param cSource C reference inference ({@code shiftq_infer}) built on the header
     * @param cMain C example program running the C reference on an IDX file
     * @param aimet061 AIMET encodings, 0.6.1 dictionary shape
     * @param aimet100 AIMET encodings, 1.0.0 list shape
     * @param onnx ONNX QDQ model (opset 13)
     */
    public record Files(
            Path dir,
            Path weightsNpz,
            Path modelJson,
            Path header,
            Path cSource,
            Path cMain,
            Path aimet061,
            Path aimet100,
            Path onnx) {
        /** All the files, in the order above. */
        public List<Path> all() {
            return List.of(weightsNpz, modelJson, header, cSource, cMain, aimet061, aimet100, onnx);
        }
    }

    /**
     * Writes {@code weights.npz}, {@code model.json}, {@code shiftq_model.h}, {@code shiftq_model.c},
     * {@code shiftq_main.c}, both AIMET encodings files and {@code model_qdq.onnx} into dir (created if needed).
     *
     * @param dir output directory
     * @param folded the BatchNorm-folded network ({@code StageResults.Ptq.network()})
     * @param weights its folded weights as quantized in the final_ptq stage (the QAT weights)
     * @param plan the full plan of the final_ptq stage ({@code StageResults.FinalPtq.plan()}); a weight-only plan
     *     is refused with an {@link IllegalArgumentException} naming the missing quantizer
     * @return the paths written
     */
    public static Files export(Path dir, Network folded, StateDict weights, QuantPlan plan) throws IOException {
        return export(dir, IntegerModel.from(folded, weights, plan));
    }

    /** Writes the files of an integer model (see {@link #export(Path, Network, StateDict, QuantPlan)}). */
    public static Files export(Path dir, IntegerModel m) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        List<Path> core = ModelFiles.write(m, dir);
        List<Path> c = CSource.write(m, dir);
        Path a061 = dir.resolve(AimetEncodings.FILE_061);
        ModelFiles.MAPPER.writeValue(a061.toFile(), AimetEncodings.v061(m));
        Path a100 = dir.resolve(AimetEncodings.FILE_100);
        ModelFiles.MAPPER.writeValue(a100.toFile(), AimetEncodings.v100(m));
        Path onnx = dir.resolve(OnnxQdq.FILE);
        java.nio.file.Files.write(onnx, OnnxQdq.model(m));
        ModelFiles.exportNotes(m).forEach(note -> LOG.warn("export of {}: {}", m.network(), note));
        return new Files(dir, core.get(0), core.get(1), c.get(0), c.get(1), c.get(2), a061, a100, onnx);
    }
}
