package dev.strata.core.log;

import dev.strata.core.events.Event;
import dev.strata.core.spi.KvStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Rebuilds a projection from offset 0 into a fresh store, up to given offsets, with the same
 * apply function as the live projection. With the live store's own offsets as the target, the
 * result must equal the live store byte for byte: {@link #checksum} proves it.
 */
public final class Replay {
    /** Called about once a second and at the end. */
    @FunctionalInterface
    public interface Progress {
        void report(long applied, long total, double eventsPerSecond);
    }

    private Replay() {}

    /**
     * Applies every record of the topics' partitions below {@code targets} (next offset per
     * partition, as {@link Projection#storedOffsets} reads them; a partition absent from targets
     * is not replayed, since the live projection applied nothing of it) into {@code into}. Null
     * targets replay everything up to the partitions' current ends. Returns only once every target
     * is reached: a log that ends short of a target (or starts after 0), a gap in a partition's
     * offsets (a record the consumer skipped), a record it cannot read (corrupt, undecodable) or no
     * record for {@code timeout} is an exception, never a partial replay.
     *
     * @return the number of events applied
     */
    public static long run(LogConfig config, List<Event.Topic> topics, Map<TopicPartition, Long> targets, KvStore into,
                           Projection.Handler handler, Duration timeout, Progress progress) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, LogConfig.MAX_EVENT_BYTES);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "strata-replay");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (Event.Topic t : topics) {
                for (PartitionInfo pi : c.partitionsFor(config.topic(t), timeout)) tps.add(new TopicPartition(pi.topic(), pi.partition()));
            }
            Map<TopicPartition, Long> end = c.endOffsets(tps, timeout);
            if (targets != null) {
                // a log shorter than what the live projection applied cannot rebuild it: an error, not a shorter replay
                java.util.Set<String> names = new java.util.HashSet<>();
                for (Event.Topic t : topics) names.add(config.topic(t));
                for (Map.Entry<TopicPartition, Long> t : targets.entrySet()) {
                    Long e = end.get(t.getKey());
                    if (names.contains(t.getKey().topic()) && t.getValue() > 0 && (e == null || e < t.getValue())) {
                        throw new IllegalStateException("the log of " + t.getKey() + (e == null ? " does not exist" : " ends at offset " + e)
                                + ", but the live projection applied it up to offset " + t.getValue() + ": events are missing from the log");
                    }
                }
            }
            Map<TopicPartition, Long> goal = new java.util.HashMap<>();
            long total = 0;
            for (TopicPartition tp : tps) {
                long g = targets == null ? end.get(tp) : targets.getOrDefault(tp, 0L);
                if (g > 0) goal.put(tp, g);
                total += g;
            }
            c.assign(new ArrayList<>(goal.keySet()));
            c.seekToBeginning(goal.keySet());
            // the offset each partition's next record must have: a record the consumer cannot read may be skipped silently
            Map<TopicPartition, Long> next = new java.util.HashMap<>(c.beginningOffsets(goal.keySet(), timeout));
            for (Map.Entry<TopicPartition, Long> b : next.entrySet()) {
                if (targets != null && b.getValue() > 0) {
                    throw new IllegalStateException("the log of " + b.getKey() + " starts at offset " + b.getValue()
                            + " (the events before it are deleted): the projection cannot be rebuilt from it");
                }
            }
            long applied = 0;
            long started = System.nanoTime();
            long lastReport = started;
            PendingWrites pending = new PendingWrites(into);
            long lastRecord = started;
            while (!goal.isEmpty()) {
                var records = c.poll(Duration.ofMillis(200));
                long polled = System.nanoTime();
                if (!records.isEmpty()) lastRecord = polled;
                else if (polled - lastRecord > timeout.toNanos()) {
                    throw new IllegalStateException("no event from the log for " + timeout.toSeconds() + " s with " + (total - applied)
                            + " still to replay (up to offsets " + goal + ")");
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long g = goal.get(tp);
                    if (g == null || r.offset() >= g) continue;
                    if (r.offset() != next.get(tp)) {
                        throw new IllegalStateException("the log of " + tp + " has no readable event at offset " + next.get(tp)
                                + " (the next one read is " + r.offset() + "): events are missing or damaged there");
                    }
                    next.put(tp, r.offset() + 1);
                    Projection.stageRecord(r, pending, handler);
                    pending.flushIfLarge();
                    applied++;
                    if (r.offset() + 1 >= g) {
                        goal.remove(tp);
                        c.pause(List.of(tp));
                    }
                }
                pending.flush(); // one write per poll, like the live projection
                long now = System.nanoTime();
                if (now - lastReport > 1_000_000_000L) {
                    progress.report(applied, total, applied / ((now - started) / 1e9));
                    lastReport = now;
                }
            }
            progress.report(applied, total, applied / Math.max(1e-9, (System.nanoTime() - started) / 1e9));
            return applied;
        }
    }

    /** SHA-256 over every key and value of the store, in key order. Equal stores have equal checksums. */
    public static String checksum(KvStore store) {
        MessageDigest md = dev.strata.core.oci.Digest.newSha256();
        store.scan("", null, (k, v) -> {
            byte[] kb = k.getBytes(StandardCharsets.UTF_8);
            md.update(java.nio.ByteBuffer.allocate(8).putInt(kb.length).putInt(v.length).array());
            md.update(kb);
            md.update(v);
            return true;
        });
        return HexFormat.of().formatHex(md.digest());
    }
}
