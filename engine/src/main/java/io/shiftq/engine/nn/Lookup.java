package io.shiftq.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.quant.FakeQuant;
import io.shiftq.engine.quant.LookupTables;
import io.shiftq.engine.quant.TensorQuant;

/**
 * Fake-quant of a lookup-table activation: the input's codes (as its fake quantizer gives them) index the same table
 * the integer executors and the C reference read ({@link LookupTables#of}), so the three agree by
 * construction. No gradient flows through it: QAT trains weights with activations in float.
 */
final class Lookup {
    private Lookup() {}

    static NDArray apply(PointwiseFunction f, NDArray x, TensorQuant in, TensorQuant out) {
        long[] table =
                LookupTables.of(f, in.bits(), in.signed(), in.exponent(), out.bits(), out.signed(), out.exponent());
        float[] values = new float[table.length];
        for (int k = 0; k < table.length; k++) {
            values[k] = Math.scalb((float) table[k], -out.exponent());
        }
        NDArray t = x.getManager().create(values, new Shape(values.length));
        NDArray index = FakeQuant.codes(x, in).sub(in.qmin()).toType(DataType.INT64, false);
        return t.take(index).toType(x.getDataType(), false);
    }
}
