package io.shiftq.engine.quant;

/** No exponent choice satisfies a hardware target's limit at a layer; the message names both. */
public final class TargetInfeasibleException extends IllegalArgumentException {
    private final String layer;
    private final String limit;

    /**
     * @param profile the target profile's name
     * @param layer the layer no exponent fits
     * @param limit the limit that cannot be met, as the config names it (e.g. {@code accumulator_bits})
     * @param why what was tried, in numbers
     */
    public TargetInfeasibleException(String profile, String layer, String limit, String why) {
        super("target " + profile + ": layer " + layer + " cannot meet target.limits." + limit + ": " + why);
        this.layer = layer;
        this.limit = limit;
    }

    /** The layer no exponent fits. */
    public String layer() {
        return layer;
    }

    /** The limit's config key. */
    public String limit() {
        return limit;
    }
}
