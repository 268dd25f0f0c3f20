package dev.strata.core.log;

import dev.strata.core.events.Event;

/**
 * Where the event log lives.
 *
 * @param bootstrapServers  Kafka bootstrap servers, host:port[,host:port]
 * @param topicPrefix       prefix of the three topic names (uploads, blobs, repositories)
 * @param partitions        partitions of each topic when Strata creates it
 * @param replicationFactor replication factor of each topic when Strata creates it
 */
public record LogConfig(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor) {
    /** Largest event accepted by producer and topics. */
    public static final int MAX_EVENT_BYTES = 16 << 20;

    public LogConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("kafka.bootstrap-servers is required");
        if (topicPrefix == null || !topicPrefix.matches("[A-Za-z0-9._-]{0,100}")) {
            throw new IllegalArgumentException("kafka.topic-prefix must match [A-Za-z0-9._-]{0,100}");
        }
        if (partitions < 1 || partitions > 1024) throw new IllegalArgumentException("kafka.partitions must be 1..1024");
        if (replicationFactor < 1) throw new IllegalArgumentException("kafka.replication-factor must be >= 1");
    }

    public String topic(Event.Topic t) {
        return topicPrefix + t.name().toLowerCase(java.util.Locale.ROOT);
    }
}
