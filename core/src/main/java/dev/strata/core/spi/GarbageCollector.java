package dev.strata.core.spi;

import java.util.List;

/** Garbage collection on demand (the gc-service also runs it online). */
public interface GarbageCollector {
    /**
     * A blob, manifest or orphan chunk a pass collected, or in a dry run would collect.
     *
     * @param digest            the blob's or manifest's digest; null for an orphan chunk
     * @param unreferencedSince epoch millis since which nothing references or links it (a blob), since
     *                          which it has had no tag (a manifest), or when it was written (an orphan chunk)
     * @param repository        null for a blob; the repository of a manifest deleted for retention
     * @param chunkId           the orphan chunk's id (a chunk written, never committed to a blob nor
     *                          held by a live upload); null otherwise
     */
    record Collected(String digest, long size, long unreferencedSince, String reason, String repository, String chunkId) {
        /** A blob. */
        public Collected(String digest, long size, long unreferencedSince, String reason) {
            this(digest, size, unreferencedSince, reason, null, null);
        }

        /** A blob (repository null) or a manifest. */
        public Collected(String digest, long size, long unreferencedSince, String reason, String repository) {
            this(digest, size, unreferencedSince, reason, repository, null);
        }

        /** An orphan chunk. */
        public static Collected orphanChunk(String chunkId, long size, long writtenAt, String reason) {
            return new Collected(null, size, writtenAt, reason, null, chunkId);
        }

        public boolean isManifest() { return repository != null; }

        public boolean isOrphanChunk() { return chunkId != null; }
    }

    /** Runs one pass now; a dry run deletes nothing and lists what would go. */
    List<Collected> collect(boolean dryRun);
}
