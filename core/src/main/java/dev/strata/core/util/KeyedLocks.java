package dev.strata.core.util;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serialises commands per aggregate key (an upload id, a repository) inside one process, so a
 * command validates against state that no concurrent command of the same key changes before its
 * event is applied. Striped: a fixed number of locks, chosen by the key's hash.
 */
public final class KeyedLocks {
    private final ReentrantLock[] locks;

    public KeyedLocks(int stripes) {
        locks = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) locks[i] = new ReentrantLock();
    }

    public <T> T with(String key, Supplier<T> body) {
        ReentrantLock l = locks[Math.floorMod(key.hashCode(), locks.length)];
        l.lock();
        try {
            return body.get();
        } finally {
            l.unlock();
        }
    }

    public void run(String key, Runnable body) {
        with(key, () -> {
            body.run();
            return null;
        });
    }
}
