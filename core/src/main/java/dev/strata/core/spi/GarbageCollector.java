package dev.strata.core.spi;

import java.util.List;

/** Garbage collection on demand (the gc-service also runs it online). */
public interface GarbageCollector {
    /**
     * A blob a pass collected, or in a dry run would collect.
     *
     * @param unreferencedSince epoch millis since which nothing references or links it
     */
    record Collected(String digest, long size, long unreferencedSince, String reason) {}

    /** Runs one pass now; a dry run deletes nothing and lists what would go. */
    List<Collected> collect(boolean dryRun);
}
