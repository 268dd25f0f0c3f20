package dev.strata.core.spi;

/**
 * What a {@link MeteredChunkStore} has counted since it was created: plain monotonic counters, so
 * any exporter (a /metrics endpoint, a log line, a test) can read them. Latencies are totals in
 * nanoseconds; divide by the count for a mean.
 */
public interface ChunkStoreMetrics {
    /** The operations counted. */
    enum Op { PUT, READ, SIZE, DELETE, LIST, CHECK }

    /** Calls of {@code op} (failed ones included). */
    default long calls(Op op) {
        return ok(op) + errors(op);
    }

    /** Calls of {@code op} that returned. */
    long ok(Op op);

    /** Calls of {@code op} that threw. */
    long errors(Op op);

    /** Total time spent in {@code op}, nanoseconds. */
    long nanos(Op op);

    /** Longest single call of {@code op}, nanoseconds. */
    long maxNanos(Op op);

    /** Bytes stored by successful puts. */
    long bytesWritten();

    /** Bytes returned by successful reads. */
    long bytesRead();
}
