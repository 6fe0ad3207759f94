package io.shiftq.engine.train;

/**
 * Learning rate per epoch, stepped once per epoch as PyTorch's schedulers are: StepLR
 * (lr * gamma^floor(epoch / step_size)), CosineAnnealingLR (eta_min + (lr - eta_min)(1 + cos(pi
 * epoch / T_max)) / 2) or constant.
 *
 * @param type StepLR, CosineAnnealingLR or None
 * @param baseLr learning rate at epoch 0
 * @param stepSize StepLR period in epochs
 * @param gamma StepLR factor
 * @param tMax cosine period in epochs
 * @param etaMin cosine floor
 */
public record LearningRateSchedule(String type, double baseLr, int stepSize, double gamma, int tMax, double etaMin) {

    /** Learning rate during the given epoch (0-based). */
    public double at(int epoch) {
        return switch (type) {
            case "StepLR" -> baseLr * Math.pow(gamma, Math.floorDiv(epoch, Math.max(1, stepSize)));
            case "CosineAnnealingLR" -> etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / Math.max(1, tMax))) / 2;
            case "None" -> baseLr;
            default -> throw new IllegalArgumentException(
                    "training.scheduler.type: '" + type + "' is not one of StepLR, CosineAnnealingLR, None");
        };
    }

    /** A constant learning rate. */
    public static LearningRateSchedule constant(double lr) {
        return new LearningRateSchedule("None", lr, 1, 1, 1, 0);
    }
}
