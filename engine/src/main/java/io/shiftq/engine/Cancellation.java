package io.shiftq.engine;

import java.util.function.Supplier;

/**
 * Whether the job the current thread computes has been cancelled. A service runs a job inside {@link #during}; every
 * batch the engine reads ({@code data.Batches}) calls {@link #checkCurrent}, so training, evaluation, calibration and
 * bias correction all stop within one batch of a cancel, and the engine knows nothing of where the cancel came from.
 *
 * <p>Why a thread-bound scope rather than a parameter: the batch loops sit four calls below the engine's public
 * methods (engine step, training loop, evaluation, batches), and every one of those signatures is used by tools and
 * tests that never cancel; the scope reaches all loops through one check and leaves them unchanged.
 */
@FunctionalInterface
public interface Cancellation {

    /** Never cancelled: what a thread outside {@link #during} sees. */
    Cancellation NONE = () -> false;

    /** True once the job should stop; called once per batch, so it must be cheap. */
    boolean cancelled();

    /** Throws {@link JobCancelledException} once cancelled. */
    default void check() {
        if (cancelled()) {
            throw new JobCancelledException();
        }
    }

    /**
     * Runs work on this thread with this cancellation in force (nested scopes restore the outer one).
     *
     * @throws JobCancelledException when the work reached a batch after the cancel
     */
    static <T> T during(Cancellation cancellation, Supplier<T> work) {
        Cancellation outer = Scope.CURRENT.get();
        Scope.CURRENT.set(cancellation);
        try {
            return work.get();
        } finally {
            Scope.CURRENT.set(outer);
        }
    }

    /** The cancellation in force on this thread, to hand to worker threads that run part of the job. */
    static Cancellation current() {
        return Scope.CURRENT.get();
    }

    /** Checks the cancellation in force on this thread; a no-op outside {@link #during}. */
    static void checkCurrent() {
        Scope.CURRENT.get().check();
    }

    /** Holder of the per-thread cancellation (interfaces cannot have private static fields). */
    final class Scope {
        private static final ThreadLocal<Cancellation> CURRENT = ThreadLocal.withInitial(() -> NONE);

        private Scope() {}
    }
}
