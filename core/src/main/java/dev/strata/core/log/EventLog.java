package dev.strata.core.log;

import dev.strata.core.events.Event;
import dev.strata.core.events.EventCodec;
import dev.strata.core.oci.OciError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends events to Kafka. An append returns once the broker has acknowledged the record with
 * acks=all (idempotent producer), i.e. once it is durable by Kafka's definition. Each append is
 * bounded as a whole by {@link LogConfig#timeout} (waiting for metadata, the send and its
 * acknowledgement); past it, or when the broker refuses, it fails with UNAVAILABLE and the record
 * is abandoned by the producer too (delivery.timeout.ms), so it is not appended later. While the
 * log is known to be down ({@link LogStatus}) an append fails at once.
 */
public final class EventLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private final LogConfig config;
    private final KafkaProducer<String, byte[]> producer;
    private final Duration timeout;
    private final LogStatus status;

    public EventLog(LogConfig config) {
        this.config = config;
        this.timeout = config.timeout();
        this.status = LogStatus.of(config);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, LogConfig.MAX_EVENT_BYTES);
        // one bound for the whole append: metadata (max.block), the request and its retries (delivery)
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "strata-producer");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    public LogConfig config() { return config; }

    /** Appends one event and waits for the broker's acknowledgement. UNAVAILABLE on failure. */
    public Position append(Event event) {
        ProducerRecord<String, byte[]> rec = new ProducerRecord<>(config.topic(event.topic()), null, event.key(),
                EventCodec.encode(event), List.of(
                        new RecordHeader(EventCodec.TYPE_HEADER, EventCodec.typeName(event).getBytes(StandardCharsets.UTF_8)),
                        new RecordHeader(EventCodec.VERSION_HEADER, Integer.toString(EventCodec.VERSION).getBytes(StandardCharsets.UTF_8))));
        // known down: answer at once (the readiness sampler notices the broker back)
        if (!status.worthTrying()) throw OciError.UNAVAILABLE.exception(status.unavailable());
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            var sent = producer.send(rec); // blocks at most max.block.ms for metadata
            RecordMetadata md = sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            status.reached();
            return new Position(md.topic(), md.partition(), md.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OciError.UNAVAILABLE.exception("interrupted while appending to the event log");
        } catch (TimeoutException e) {
            throw unavailable(event, new TimeoutException("no acknowledgement from Kafka within " + timeout.toMillis() + " ms"));
        } catch (ExecutionException | org.apache.kafka.common.KafkaException e) {
            throw unavailable(event, e instanceof ExecutionException ? e.getCause() : e);
        }
    }

    /**
     * UNAVAILABLE for a failed append. A broker that does not answer (a retriable error: timeout,
     * disconnection) marks the log down ({@link LogStatus}, which logs the change once); any other
     * failure is logged here, one line.
     */
    private dev.strata.core.oci.OciException unavailable(Event event, Throwable cause) {
        if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.RetriableException) status.failed(cause);
        else LOG.warn("append of {} failed: {}", EventCodec.typeName(event), LogStatus.describe(cause));
        return new dev.strata.core.oci.OciException(OciError.UNAVAILABLE, "event log unavailable: " + LogStatus.describe(cause), cause);
    }

    /**
     * Creates the three topics if they do not exist: the configured retention (default infinite: the
     * log is the source of truth), partitions and replication.
     */
    public static void ensureTopics(LogConfig config, Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> create = new ArrayList<>();
            for (Event.Topic t : Event.Topic.values()) {
                String name = config.topic(t);
                if (!existing.contains(name)) {
                    create.add(new NewTopic(name, config.partitions(), config.replicationFactor()).configs(Map.of(
                            "retention.ms", Long.toString(config.retentionMs()),
                            "retention.bytes", "-1",
                            "cleanup.policy", "delete",
                            "max.message.bytes", Integer.toString(LogConfig.MAX_EVENT_BYTES))));
                }
            }
            if (!create.isEmpty()) {
                try {
                    admin.createTopics(create).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created topics {}", create.stream().map(NewTopic::name).toList());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topics on " + config.bootstrapServers() + ": " + e, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
