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
 */
public record LogConfig(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor, long retentionMs) {
    /** Largest event accepted by producer and topics. */
    public static final int MAX_EVENT_BYTES = 16 << 20;

    public LogConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("kafka.bootstrapServers is required");
        if (topicPrefix == null || !topicPrefix.matches("[A-Za-z0-9._-]{0,100}")) {
            throw new IllegalArgumentException("kafka.topicPrefix must match [A-Za-z0-9._-]{0,100}");
        }
        if (partitions < 1 || partitions > 1024) throw new IllegalArgumentException("kafka.partitions must be 1..1024");
        if (replicationFactor < 1) throw new IllegalArgumentException("kafka.replicationFactor must be >= 1");
        if (retentionMs < -1 || retentionMs == 0) throw new IllegalArgumentException("kafka.retentionMs must be -1 (forever) or positive");
    }

    /** Topics that keep every event. */
    public LogConfig(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor) {
        this(bootstrapServers, topicPrefix, partitions, replicationFactor, -1L);
    }

    public String topic(Event.Topic t) {
        return topicPrefix + t.name().toLowerCase(java.util.Locale.ROOT);
    }
}
