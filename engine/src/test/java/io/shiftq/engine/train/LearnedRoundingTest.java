package io.shiftq.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.data.Batches;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.quant.Pow2;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ptq.rounding: learned} (AdaRound) on LeNet5 with synthetic data, per-channel 4-bit weights: every weight
 * handed on is a code of the weight rule's grid, the codes differ from nearest rounding, the first layer reproduces
 * its FP32 output better than nearest rounding does, and the exported integer model agrees with fake-quant.
 */
class LearnedRoundingTest {

    @TempDir
    Path dir;

    @Test
    void learnedCodesStayOnTheGridReconstructBetterAndPassTheIntegerCheck() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, batch_size: 32, train_limit: 256, test_limit: 64}
                baseline: {epochs: 0}
                training: {epochs: 0}
                ptq: {calibration_batches: 2, rounding: learned, rounding_iterations: 100}
                quantization: {weight: {bitwidth: 4, per_channel: true}}
                """);
        PipelineRun.Outcome out =
                new PipelineRun(new QuantizationEngine()).run("adaround", c, TrainingListener.NONE, dir);
        BatchNormFolding.Folded fp32 = BatchNormFolding.fold(out.workload().network(), out.baselineWeights());
        StateDict learned = out.ptq().weights();
        int changed = 0;
        for (Layer layer : fp32.network().quantizedLayers()) {
            TensorQuant q = out.ptq().plan().get(layer.name()).weight();
            HeapTensor w = learned.get(layer.name() + ".weight");
            HeapTensor reference = fp32.weights().get(layer.name() + ".weight");
            int perChannel = w.size() / w.channels();
            for (int k = 0; k < w.size(); k++) {
                int e = q.exponentOf(k / perChannel);
                double code = Math.scalb((double) w.data()[k], e);
                assertThat(code).as("%s[%d] is a code", layer.name(), k).isEqualTo(Math.rint(code));
                assertThat((long) code).isBetween(q.qmin(), q.qmax());
                changed += code != Pow2.code(reference.data()[k], e, q.bits(), q.signed()) ? 1 : 0;
            }
        }
        assertThat(changed).as("codes rounded the other way than nearest").isPositive();

        Layer first = fp32.network().quantizedLayers().get(0);
        assertThat(firstLayerError(out, fp32, learned.get(first.name() + ".weight"), first))
                .isLessThan(firstLayerError(out, fp32, nearest(fp32.weights(), first, out), first));

        assertThat(out.deployed().check().predictionMismatches()).isZero();
        assertThat(out.deployed().check().logitMismatches()).isZero();
    }

    private static HeapTensor nearest(StateDict fp32, Layer layer, PipelineRun.Outcome out) {
        HeapTensor w = fp32.get(layer.name() + ".weight");
        TensorQuant q = out.ptq().plan().get(layer.name()).weight();
        int perChannel = w.size() / w.channels();
        float[] data = new float[w.size()];
        for (int k = 0; k < data.length; k++) {
            data[k] = (float) Pow2.fakeQuant(w.data()[k], q.exponentOf(k / perChannel), q.bits(), q.signed());
        }
        return new HeapTensor(w.shape(), data);
    }

    /** Squared error of the layer's output against FP32 on the first calibration batch. */
    private static double firstLayerError(
            PipelineRun.Outcome out, BatchNormFolding.Folded fp32, HeapTensor weight, Layer layer) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x =
                    Batches.inOrder(out.workload().data().calibration(), 32, 1).images(m, 0);
            HeapTensor w = fp32.weights().get(layer.name() + ".weight");
            HeapTensor b = fp32.weights().get(layer.name() + ".bias");
            NDArray bias = b == null ? null : m.create(b.data(), new Shape(b.shape()));
            NDArray target = LoadedNetwork.weighted(layer, x, m.create(w.data(), new Shape(w.shape())), bias);
            NDArray y = LoadedNetwork.weighted(layer, x, m.create(weight.data(), new Shape(weight.shape())), bias);
            return y.sub(target).square().sum().getFloat();
        }
    }
}
