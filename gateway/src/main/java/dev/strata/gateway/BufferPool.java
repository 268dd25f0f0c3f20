package dev.strata.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * A pool of at most {@code max} reusable buffers, made on demand. {@link #tryTake()} answers at
 * once; {@link #take} waits, first come first served, until a buffer is given back or the wait is
 * over (then it completes with null and the caller decides: fail, or do without). Thread-safe;
 * a waiter is completed on the Vert.x context it waited on.
 */
final class BufferPool<T> {
    private final Supplier<T> factory;
    private final int max;
    private final ArrayDeque<T> free = new ArrayDeque<>();
    private final ArrayDeque<Waiter<T>> waiters = new ArrayDeque<>();
    private int allocated;

    private static final class Waiter<T> {
        final Context context;
        final Promise<T> promise = Promise.promise();
        long timer = -1;

        Waiter(Context context) {
            this.context = context;
        }
    }

    BufferPool(int max, Supplier<T> factory) {
        if (max < 1) throw new IllegalArgumentException("max " + max);
        this.max = max;
        this.factory = factory;
    }

    /** A free buffer, a new one while fewer than {@code max} exist, or null. */
    synchronized T tryTake() {
        T b = free.poll();
        if (b != null) return b;
        if (allocated >= max) return null;
        allocated++;
        return factory.get();
    }

    /** A buffer as soon as one is free, or null after {@code waitMillis}. Call on a Vert.x context. */
    Future<T> take(Vertx vertx, long waitMillis) {
        Waiter<T> w;
        synchronized (this) {
            T b = tryTake();
            if (b != null) return Future.succeededFuture(b);
            w = new Waiter<>(vertx.getOrCreateContext());
            waiters.add(w);
        }
        Waiter<T> waiter = w;
        // the timer and the hand-over both run on the waiter's context, after this method returns
        waiter.timer = vertx.setTimer(Math.max(1, waitMillis), id -> {
            boolean removed;
            synchronized (this) {
                removed = waiters.remove(waiter);
            }
            if (removed) waiter.promise.tryComplete(null);
        });
        return waiter.promise.future();
    }

    /** Gives back a buffer that nothing reads or writes any more (each taken buffer exactly once). */
    void give(T b) {
        if (b == null) return;
        Waiter<T> w;
        synchronized (this) {
            w = waiters.poll();
            if (w == null) {
                free.push(b);
                return;
            }
        }
        Waiter<T> waiter = w;
        waiter.context.runOnContext(v -> {
            waiter.context.owner().cancelTimer(waiter.timer);
            waiter.promise.complete(b);
        });
    }

    /** Buffers in existence, free or in use; never more than {@link #max()}. */
    synchronized int allocated() {
        return allocated;
    }

    synchronized int free() {
        return free.size();
    }

    int max() {
        return max;
    }
}
