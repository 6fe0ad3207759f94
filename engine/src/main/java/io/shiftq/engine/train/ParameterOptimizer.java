package io.shiftq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.shiftq.schema.config.OptimizerConfig;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * AdamW, Adam and SGD with PyTorch's update rules, applied in place to DJL arrays. Written here
 * rather than taken from DJL's optimizers so that state lives outside the per-batch array scope
 * and the rules match {@code torch.optim} exactly (AdamW decays weights decoupled from the
 * gradient; Adam and SGD add weight decay to the gradient).
 */
public final class ParameterOptimizer {
    /** The optimizer families the config's {@code training.optimizer.type} names. */
    public enum Type {
        ADAMW,
        ADAM,
        SGD
    }

    private final Type type;
    private final double weightDecay;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double momentum;
    private final Map<String, NDArray[]> state = new HashMap<>();
    private int step;

    private ParameterOptimizer(Type type, double weightDecay, double beta1, double beta2, double eps, double momentum) {
        this.type = type;
        this.weightDecay = weightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.momentum = momentum;
    }

    /** The optimizer a config names, with its weight decay; betas and eps serve the Adam family, momentum SGD. */
    public static ParameterOptimizer of(OptimizerConfig config, double weightDecay) {
        return new ParameterOptimizer(
                parse(config.type()), weightDecay, config.beta1(), config.beta2(), config.eps(), config.momentum());
    }

    /** AdamW with PyTorch's defaults (betas 0.9 and 0.999, eps 1e-8) and this weight decay. */
    public static ParameterOptimizer adamW(double weightDecay) {
        return of(OptimizerConfig.defaults(), weightDecay);
    }

    /** Parses the config spelling (AdamW, Adam, SGD). */
    public static Type parse(String name) {
        try {
            return Type.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "training.optimizer.type: '" + name + "' is not one of AdamW, Adam, SGD", e);
        }
    }

    /** Counts one optimization step; call once per batch before {@link #update}. */
    public void nextStep() {
        step++;
    }

    /** Updates one parameter in place from its gradient at learning rate lr, then clears the gradient. */
    public void update(String name, NDArray w, double lr) {
        NDArray g = w.getGradient();
        switch (type) {
            case ADAMW -> adam(name, w, g, lr, true);
            case ADAM -> adam(name, w, g, lr, false);
            case SGD -> sgd(name, w, g, lr);
            default -> throw new IllegalStateException(type.name());
        }
        clearGradient(w);
    }

    /**
     * Sets w's gradient to zero with PyTorch's zero_(), never as g - g: NaN - NaN stays NaN, so one
     * non-finite step would poison every later one.
     */
    static void clearGradient(NDArray w) {
        JniUtils.zeroGrad((PtNDArray) w);
    }

    private void adam(String name, NDArray w, NDArray g, double lr, boolean decoupled) {
        NDArray[] s = state.computeIfAbsent(name, k -> keep(w.zerosLike(), w.zerosLike()));
        NDArray grad = g;
        if (decoupled) {
            w.muli(1 - lr * weightDecay);
        } else if (weightDecay != 0) {
            grad = g.add(w.mul(weightDecay));
        }
        s[0].muli(beta1).addi(grad.mul(1 - beta1));
        s[1].muli(beta2).addi(grad.square().muli(1 - beta2));
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        NDArray denom = s[1].div(c2).sqrt().addi(eps);
        w.subi(s[0].div(denom).muli(lr / c1));
    }

    /** Optimizer state outlives the per-batch array scope it is created in. */
    private static NDArray[] keep(NDArray... arrays) {
        NDScope.unregister(arrays);
        return arrays;
    }

    private void sgd(String name, NDArray w, NDArray g, double lr) {
        NDArray grad = weightDecay != 0 ? g.add(w.mul(weightDecay)) : g;
        if (momentum != 0) {
            NDArray[] s = state.get(name);
            if (s == null) {
                s = keep(grad.duplicate());
                state.put(name, s);
            } else {
                s[0].muli(momentum).addi(grad);
            }
            grad = s[0];
        }
        w.subi(grad.mul(lr));
    }
}
