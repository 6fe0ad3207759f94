package io.shiftq.schema.report;

/**
 * Parameter storage before and after quantization.
 *
 * @param float32Bytes 4 bytes per parameter
 * @param quantizedBytes the sum over tensors of elements * bitwidth / 8
 * @param compression float32Bytes / quantizedBytes
 */
public record ModelSize(long float32Bytes, long quantizedBytes, double compression) {

    /** Sizes with the compression worked out. */
    public static ModelSize of(long float32Bytes, long quantizedBytes) {
        return new ModelSize(
                float32Bytes, quantizedBytes, quantizedBytes == 0 ? 0.0 : (double) float32Bytes / quantizedBytes);
    }
}
