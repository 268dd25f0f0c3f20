package dev.strata.core.log;

import dev.strata.core.events.Event;
import dev.strata.core.events.EventCodec;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.spi.KvStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projection of event-log topics into a {@link KvStore}. One thread consumes every partition of
 * its topics and applies the records of each poll, together with the offsets they reflect, in one
 * atomic batch (one store write per poll, not per event; a poll staging more than 16 MiB is written
 * in several batches, each holding whole events and their offsets); on restart it resumes from the stored offsets. Writers call {@link #await} with the position of
 * their own append, so an acknowledged write is visible to the next read.
 *
 * <p>An event the handler cannot apply (unknown type, handler failure) stops the projection
 * loudly: it is logged, and every later {@link #await} fails with UNAVAILABLE.
 */
public final class Projection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Projection.class);
    private static final String OFFSET_PREFIX = "~offset/";

    /** Applies one event to the store: reads from {@code store} and writes only into {@code batch}. */
    @FunctionalInterface
    public interface Handler {
        void apply(Event event, KvStore store, KvStore.Batch batch);
    }

    private final String name;
    private final LogConfig config;
    private final List<Event.Topic> topics;
    private final KvStore store;
    private final Handler handler;
    private final java.util.function.Consumer<Event> onApplied;
    private final Map<TopicPartition, Long> applied = new ConcurrentHashMap<>();
    private final Object monitor = new Object();
    private final Thread thread;
    private final PendingWrites pending;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile Map<TopicPartition, Long> startEnd = Map.of();
    private org.apache.kafka.clients.admin.Admin admin;
    private final LogStatus status;

    public Projection(String name, LogConfig config, List<Event.Topic> topics, KvStore store, Handler handler) {
        this(name, config, topics, store, handler, e -> { });
    }

    /**
     * @param onApplied called on the projection thread after each event's batch is written, before
     *                  waiters are woken: the place to invalidate in-memory caches of the store
     */
    public Projection(String name, LogConfig config, List<Event.Topic> topics, KvStore store, Handler handler,
                      java.util.function.Consumer<Event> onApplied) {
        this.onApplied = onApplied;
        this.name = name;
        this.config = config;
        this.topics = List.copyOf(topics);
        this.store = store;
        this.handler = handler;
        this.pending = new PendingWrites(store);
        this.status = LogStatus.of(config);
        this.thread = new Thread(this::run, "projection-" + name);
        this.thread.setDaemon(true);
    }

    public String name() { return name; }

    /** Assigns every partition of the topics, seeks to the stored offsets and starts applying. */
    public Projection start(Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, LogConfig.MAX_EVENT_BYTES);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "strata-projection-" + name);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = new ArrayList<>();
        for (Event.Topic t : topics) {
            List<PartitionInfo> parts = c.partitionsFor(config.topic(t), timeout);
            if (parts == null || parts.isEmpty()) throw new IllegalStateException("topic " + config.topic(t) + " has no partitions");
            for (PartitionInfo pi : parts) tps.add(new TopicPartition(pi.topic(), pi.partition()));
        }
        c.assign(tps);
        for (TopicPartition tp : tps) {
            long next = storedOffset(tp);
            applied.put(tp, next);
            c.seek(tp, next);
        }
        startEnd = new HashMap<>(c.endOffsets(tps, timeout));
        consumer = c;
        thread.start();
        LOG.info("projection {} resumed at {}; log end {}", name, applied, startEnd);
        return this;
    }

    /** Blocks until every record that existed when {@link #start} ran has been applied. */
    public void awaitCaughtUp(Duration timeout) {
        for (var e : startEnd.entrySet()) await(new Position(e.getKey().topic(), e.getKey().partition(), e.getValue() - 1), timeout);
    }

    /**
     * Appends an event this projection consumes and waits until it is applied: the write path of
     * every command (the answer is given only once a read would see the change).
     */
    public Position appendAndAwait(EventLog log, Event event, Duration timeout) {
        Position p = log.append(event);
        await(p, bounded(timeout));
        return p;
    }

    /** A request waits on the log at most {@link LogConfig#timeout}. */
    private Duration bounded(Duration timeout) {
        return timeout.compareTo(config.timeout()) < 0 ? timeout : config.timeout();
    }

    /** Blocks until the record at {@code pos} (and all before it in its partition) is applied. */
    public void await(Position pos, Duration timeout) {
        if (pos.offset() < 0) return;
        TopicPartition tp = new TopicPartition(pos.topic(), pos.partition());
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (true) {
                if (failure != null) throw new OciException(OciError.UNAVAILABLE, "projection " + name + " stopped: " + LogStatus.describe(failure), failure);
                Long a = applied.get(tp);
                if (a != null && a > pos.offset()) return;
                if (!running) throw OciError.UNAVAILABLE.exception("projection " + name + " is shut down");
                long left = deadline - System.nanoTime();
                if (left <= 0) throw OciError.UNAVAILABLE.exception("projection " + name + " did not apply " + pos + " in time");
                try {
                    monitor.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw OciError.UNAVAILABLE.exception("interrupted");
                }
            }
        }
    }

    /**
     * The current end of every partition this projection consumes. Await {@code end - 1} to have
     * applied all of it. One list-offsets request through a shared admin client, bounded by
     * {@code timeout} and {@link LogConfig#timeout}; UNAVAILABLE ("event log unavailable: ...") when
     * the broker does not answer in time. The outcome updates the process's {@link LogStatus}.
     */
    public Map<TopicPartition, Long> endOffsets(Duration timeout) {
        org.apache.kafka.clients.admin.Admin a = admin();
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> req = new HashMap<>();
        for (TopicPartition tp : applied.keySet()) req.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest());
        Duration t = bounded(timeout);
        try {
            var res = a.listOffsets(req, new org.apache.kafka.clients.admin.ListOffsetsOptions(org.apache.kafka.common.IsolationLevel.READ_COMMITTED)
                            .timeoutMs((int) t.toMillis()))
                    .all().get(t.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            status.reached();
            Map<TopicPartition, Long> out = new HashMap<>();
            res.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OciError.UNAVAILABLE.exception("interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e instanceof java.util.concurrent.TimeoutException
                    ? new java.util.concurrent.TimeoutException("no answer from Kafka within " + t.toMillis() + " ms") : e.getCause();
            status.failed(cause);
            throw new OciException(OciError.UNAVAILABLE, "event log unavailable: " + LogStatus.describe(cause), cause);
        }
    }

    /**
     * Waits until this projection has applied everything in the log as of now (reads after writes):
     * the barrier of commands. While the log is known to be down ({@link LogStatus}) it answers
     * UNAVAILABLE at once (the readiness sampler notices the broker back); else the
     * lookup and the wait are bounded by {@link LogConfig#timeout}.
     */
    public void awaitLogEnd(Duration timeout) {
        if (!status.worthTrying()) throw OciError.UNAVAILABLE.exception(status.unavailable());
        long deadline = System.nanoTime() + bounded(timeout).toNanos();
        awaitAll(endOffsets(timeout), deadline);
    }

    /** Awaits every partition's {@code end - 1} until {@code deadline} (nanoTime): one bound for the lookup and the wait. */
    private void awaitAll(Map<TopicPartition, Long> end, long deadline) {
        for (var e : end.entrySet()) {
            await(new Position(e.getKey().topic(), e.getKey().partition(), e.getValue() - 1),
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    /**
     * The barrier of reads the projection can answer while the log is down: as {@link #awaitLogEnd},
     * but when the log end cannot be read (the broker is down or does not answer within the bound)
     * it returns, and the read is served from what this projection has applied. Such a read misses
     * at most the writes other instances had acknowledged that this one had not fetched yet when it
     * lost the log; no write is acknowledged through an instance that cannot reach the log.
     */
    public void awaitLogEndOrServeApplied(Duration timeout) {
        if (status.unavailable() != null) return;
        long deadline = System.nanoTime() + bounded(timeout).toNanos();
        Map<TopicPartition, Long> end;
        try {
            end = endOffsets(timeout);
        } catch (OciException e) {
            if (status.unavailable() != null) return; // the log is down: serve what is applied
            throw e;
        }
        awaitAll(end, deadline);
    }

    private synchronized org.apache.kafka.clients.admin.Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            p.put(org.apache.kafka.clients.admin.AdminClientConfig.CLIENT_ID_CONFIG, "strata-offsets-" + name);
            p.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.timeout().toMillis());
            p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.timeout().toMillis());
            admin = org.apache.kafka.clients.admin.Admin.create(p);
        }
        return admin;
    }

    /** Offsets applied so far: next offset to apply, per partition. */
    public Map<TopicPartition, Long> appliedOffsets() { return Map.copyOf(applied); }

    public boolean healthy() { return failure == null && running; }

    /** Why the projection stopped (null while it runs or after a clean close). */
    public Throwable failure() { return failure; }

    /**
     * Records in the log not yet applied, per partition: the consumer lag. Asks the broker for the
     * end offsets (bounded by {@code timeout}); UNAVAILABLE when it does not answer.
     */
    public Map<TopicPartition, Long> lag(Duration timeout) {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (var e : endOffsets(timeout).entrySet()) {
            Long a = applied.get(e.getKey());
            out.put(e.getKey(), Math.max(0, e.getValue() - (a == null ? 0 : a)));
        }
        return out;
    }

    private long storedOffset(TopicPartition tp) {
        byte[] v = store.get(offsetKey(tp));
        return v == null ? 0L : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    /**
     * Decodes one record and stages its effect, with the offset it reflects, in {@code pending}.
     * The one definition of "apply", shared by live projections and {@link Replay}; the caller
     * flushes {@code pending} once per poll, so a poll's events and offsets land in one atomic write.
     */
    static Event stageRecord(ConsumerRecord<String, byte[]> r, PendingWrites pending, Handler handler) {
        Event e = EventCodec.decode(header(r, EventCodec.TYPE_HEADER), Integer.parseInt(orZero(header(r, EventCodec.VERSION_HEADER))), r.value());
        KvStore.Batch batch = new KvStore.Batch();
        handler.apply(e, pending, batch);
        batch.put(offsetKey(new TopicPartition(r.topic(), r.partition())), Long.toString(r.offset() + 1).getBytes(StandardCharsets.US_ASCII));
        pending.write(batch);
        return e;
    }

    /** The offsets a store reflects: topic-partition to next offset to apply. */
    public static Map<TopicPartition, Long> storedOffsets(KvStore store) {
        Map<TopicPartition, Long> out = new HashMap<>();
        store.scan(OFFSET_PREFIX, null, (k, v) -> {
            String tp = k.substring(OFFSET_PREFIX.length());
            int slash = tp.lastIndexOf('/');
            out.put(new TopicPartition(tp.substring(0, slash), Integer.parseInt(tp.substring(slash + 1))),
                    Long.parseLong(new String(v, StandardCharsets.US_ASCII)));
            return true;
        });
        return out;
    }

    private static String offsetKey(TopicPartition tp) {
        return OFFSET_PREFIX + tp.topic() + "/" + tp.partition();
    }

    private void run() {
        KafkaConsumer<String, byte[]> c = consumer;
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
                if (records.isEmpty()) continue;
                // the whole poll in one write: state and offsets together, as one atomic batch
                List<Event> events = new ArrayList<>(records.count());
                Map<TopicPartition, Long> reached = new HashMap<>();
                try {
                    for (ConsumerRecord<String, byte[]> r : records) {
                        events.add(stageRecord(r, pending, handler));
                        reached.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                        pending.flushIfLarge(); // a poll of big events (layer indexes) goes in several writes
                    }
                } finally {
                    // on a failure, what applied before the bad event is still written
                    pending.flush();
                    for (Event e : events) onApplied.accept(e);
                    applied.putAll(reached);
                    synchronized (monitor) {
                        monitor.notifyAll();
                    }
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (Throwable t) {
            failure = t;
            LOG.error("projection {} STOPPED: cannot apply event: {}", name, t.toString(), t);
        } finally {
            running = false;
            synchronized (monitor) {
                monitor.notifyAll();
            }
            try {
                c.close(Duration.ofSeconds(2));
            } catch (RuntimeException ignored) {
                // closing
            }
        }
    }

    private static String orZero(String s) { return s == null ? "0" : s; }

    private static String header(ConsumerRecord<String, byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (admin != null) admin.close(Duration.ofSeconds(2));
            admin = null;
        }
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) c.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
