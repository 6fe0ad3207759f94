package io.shiftq.schema.report;

/**
 * The integer executor (shift-only, reading only the exported files) against the fake-quant
 * evaluation of the same model on the same test images.
 *
 * @param images test images compared
 * @param integerAccuracy top-1 accuracy of the integer executor, percent
 * @param fakeQuantAccuracy top-1 accuracy of the fake-quant evaluation, percent
 * @param predictionMismatches images the two classify differently
 * @param logitMismatches images with at least one differing output code
 * @param rounding requantization rounding of the integer path, e.g. {@code half_up}
 */
public record IntegerCheck(int images, double integerAccuracy, double fakeQuantAccuracy, int predictionMismatches,
        int logitMismatches, String rounding) {
}
