package io.shiftq.engine.train;

/**
 * Learning rate along PyTorch's schedule curves: StepLR (lr * gamma^floor(epoch / step_size)),
 * CosineAnnealingLR (eta_min + (lr - eta_min)(1 + cos(pi epoch / T_max)) / 2) or constant.
 * Stepped once per epoch as PyTorch's schedulers are by default, or per batch at the fractional
 * epoch, which lets a cosine anneal within the single QAT epoch a short fine-tune usually gets.
 *
 * @param type StepLR, CosineAnnealingLR or None
 * @param baseLr learning rate at epoch 0
 * @param stepSize StepLR period in epochs
 * @param gamma StepLR factor
 * @param tMax cosine period in epochs
 * @param etaMin cosine floor
 * @param perBatch true to move the rate at every batch rather than once per epoch
 */
public record LearningRateSchedule(
        String type, double baseLr, int stepSize, double gamma, int tMax, double etaMin, boolean perBatch) {

    /** Learning rate during the given epoch (0-based), as the per-epoch schedule sets it. */
    public double at(int epoch) {
        return along(epoch);
    }

    /** Learning rate for batch k (0-based) of the given epoch of the given number of batches. */
    public double at(int epoch, int k, int batches) {
        return perBatch ? along(epoch + (double) k / Math.max(1, batches)) : along(epoch);
    }

    private double along(double epoch) {
        return switch (type) {
            case "StepLR" -> baseLr * Math.pow(gamma, Math.floor(epoch / Math.max(1, stepSize)));
            case "CosineAnnealingLR" ->
                etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / Math.max(1, tMax))) / 2;
            case "None" -> baseLr;
            default ->
                throw new IllegalArgumentException(
                        "training.scheduler.type: '" + type + "' is not one of StepLR, CosineAnnealingLR, None");
        };
    }

    /** A constant learning rate. */
    public static LearningRateSchedule constant(double lr) {
        return new LearningRateSchedule("None", lr, 1, 1, 1, 0, false);
    }
}
