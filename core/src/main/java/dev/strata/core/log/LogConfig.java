package dev.strata.core.log;

import dev.strata.core.events.Event;

/**
 * Where the event log lives.
 *
 * @param bootstrapServers  Kafka bootstrap servers, host:port[,host:port]
 * @param topicPrefix       prefix of the three topic names (uploads, blobs, repositories)
 * @param partitions        partitions of each topic when Strata creates it
 * @param replicationFactor replication factor of each topic when Strata creates it
 * @param retentionMs       retention.ms of each topic when Strata creates it; -1 (the default) keeps
 *                          every event, as the log is the source of truth
 * @param timeout           the bound of every wait of a request on the log (an append with its
 *                          acknowledgement, a log-end lookup, awaiting the projection): past it the
 *                          request answers 503 UNAVAILABLE (kafka.timeout; default {@link #DEFAULT_TIMEOUT})
 */
public record LogConfig(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor, long retentionMs,
                        java.time.Duration timeout) {
    /** Largest event accepted by producer and topics. */
    public static final int MAX_EVENT_BYTES = 16 << 20;
    /** How long a request waits on the event log by default before it answers 503. */
    public static final java.time.Duration DEFAULT_TIMEOUT = java.time.Duration.ofSeconds(5);

    public LogConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("kafka.bootstrapServers is required");
        if (topicPrefix == null || !topicPrefix.matches("[A-Za-z0-9._-]{0,100}")) {
            throw new IllegalArgumentException("kafka.topicPrefix must match [A-Za-z0-9._-]{0,100}");
        }
        if (partitions < 1 || partitions > 1024) throw new IllegalArgumentException("kafka.partitions must be 1..1024");
        if (replicationFactor < 1) throw new IllegalArgumentException("kafka.replicationFactor must be >= 1");
        if (retentionMs < -1 || retentionMs == 0) throw new IllegalArgumentException("kafka.retentionMs must be -1 (forever) or positive");
        if (timeout == null) timeout = DEFAULT_TIMEOUT;
        if (timeout.toMillis() < 500 || timeout.compareTo(java.time.Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("kafka.timeout must be between 500ms and 5m, got " + timeout.toMillis() + " ms");
        }
    }

    /** The default {@link #timeout}. */
    public LogConfig(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor, long retentionMs) {
        this(bootstrapServers, topicPrefix, partitions, replicationFactor, retentionMs, DEFAULT_TIMEOUT);
    }

    /** Topics that keep every event. */
    public LogConfig(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor) {
        this(bootstrapServers, topicPrefix, partitions, replicationFactor, -1L, DEFAULT_TIMEOUT);
    }

    public String topic(Event.Topic t) {
        return topicPrefix + t.name().toLowerCase(java.util.Locale.ROOT);
    }
}
