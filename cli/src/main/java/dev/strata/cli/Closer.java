package dev.strata.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a wiring has opened, closed in reverse order. A part that fails to close is logged and the
 * rest are still closed. Closing twice closes nothing more.
 */
final class Closer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Closer.class);
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    /** Registers {@code c} to be closed before everything registered earlier; returns it. */
    synchronized <T extends AutoCloseable> T push(T c) {
        open.push(c);
        return c;
    }

    @Override
    public synchronized void close() {
        while (!open.isEmpty()) {
            AutoCloseable c = open.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
