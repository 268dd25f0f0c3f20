package dev.strata.core.spi;

import java.util.List;

/** Garbage collection on demand (the gc-service also runs it online). */
public interface GarbageCollector {
    /**
     * A blob or manifest a pass collected, or in a dry run would collect.
     *
     * @param unreferencedSince epoch millis since which nothing references or links it (a blob), or
     *                          since which it has had no tag (a manifest)
     * @param repository        null for a blob; the repository of a manifest deleted for retention
     */
    record Collected(String digest, long size, long unreferencedSince, String reason, String repository) {
        /** A blob. */
        public Collected(String digest, long size, long unreferencedSince, String reason) {
            this(digest, size, unreferencedSince, reason, null);
        }

        public boolean isManifest() { return repository != null; }
    }

    /** Runs one pass now; a dry run deletes nothing and lists what would go. */
    List<Collected> collect(boolean dryRun);
}
