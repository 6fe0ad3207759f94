package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One integer operator, one unit: its output shape, the quantizer its output codes are in, its integer kernel (scalar
 * and batched), its C emission, its QDQ ONNX and AIMET descriptions and its model.json/weights.npz form. Every consumer
 * (the executors, the C generator, the file formats) walks the model's ops and calls these methods, so the compiler
 * checks that a new operator answers all of them. A new operator is a record implementing this interface, its name in
 * {@code permits}, its builder and reader in {@link Operators}, and its tests.
 */
public sealed interface Op
        permits Weighted,
                Add,
                Relu,
                ClippedRelu,
                AvgPool,
                Concat,
                MaxPool,
                PassThrough,
                PaddedPool,
                Lut,
                Mul,
                ChannelGather {
    /** Layer name (PyTorch module name). */
    String name();

    /** Indices of the ops read ({@link IntegerModel#INPUT} = network input). */
    List<Integer> inputs();

    /** Op type as written to model.json. */
    String type();

    /** Output shape [C, H, W] or [F] of one sample, given the shape of each input in order. */
    int[] outputShape(List<int[]> inputShapes);

    /**
     * The quantizer the output codes are in, given the one of the first input (null for the float network input):
     * that one for ops that only move codes.
     */
    default Quantizer valueQuantizer(Quantizer input) {
        return input;
    }

    /** The quantizer this op reads the float network input with, if it can read it (conv and linear layers). */
    default Optional<Quantizer> networkInputQuantizer() {
        return Optional.empty();
    }

    /** Whether this is an activation its producer already applied to its accumulator (a fused ReLU or ReLU6). */
    default boolean fusedActivation() {
        return false;
    }

    /** The scalar kernel: this op's output codes for one sample. */
    long[] run(ScalarRun r);

    /** Sets the output range for the batched kernel and returns the bound of its partial sums (see TensorExecutor). */
    double tensorBound(TensorBounds b);

    /** Arrays the batched kernel needs on every batch, made once per run; empty for most ops. */
    default List<NDArray> tensorConstants(TensorSetup s) {
        return List.of();
    }

    /** The batched kernel: this op's output codes for a batch, held in floating point. */
    NDArray forward(TensorRun t);

    /** This op's constants and arrays in {@code shiftq_model.h}. */
    default void header(CHeaderOut h) {}

    /** This op's function and call in {@code shiftq_model.c}. */
    void source(CSourceOut c);

    /** Appends this op to the QDQ ONNX graph; returns the name of its output tensor. */
    String qdq(QdqOut g);

    /** This op's AIMET encodings. */
    default void aimet(AimetOut a) {}

    /** Writes this op's model.json fields after name, type and inputs. */
    default void describe(ObjectNode o) {}

    /** Puts this op's weights.npz arrays. */
    default void arrays(Map<String, Npz.Array> out) {}

    /** What an export does differently for this op, in words, if anything. */
    default Optional<String> exportNote() {
        return Optional.empty();
    }
}
