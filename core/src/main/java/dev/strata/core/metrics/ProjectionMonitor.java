package dev.strata.core.metrics;

import dev.strata.core.log.Projection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag and readiness of a process's projections. Registers the gauge
 * {@code strata_projection_lag_records{projection,topic,partition}} and
 * {@code strata_projection_up{projection}}, and one readiness check {@code projections}: every
 * projection running, the broker answering within {@link #PROBE_TIMEOUT}, and at most
 * {@link #READY_LAG} records not yet applied per projection.
 *
 * <p>Lag costs one list-offsets request per projection; results are reused for {@link #CACHE}
 * so a scrape and a probe close together ask once.
 */
public final class ProjectionMonitor {
    /** How long the broker has to answer a lag query. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** More unapplied records than this (per projection) and the process is not ready. */
    public static final long READY_LAG = 1000;
    static final Duration CACHE = Duration.ofMillis(500);

    private final List<Projection> projections = new CopyOnWriteArrayList<>();
    /** Watched for readiness too (a subset of {@link #projections}). */
    private final List<Projection> gating = new CopyOnWriteArrayList<>();
    private final Clock clock;
    private final Map<String, Sample> last = new java.util.concurrent.ConcurrentHashMap<>();

    private record Sample(long at, Map<TopicPartition, Long> lag, String error) {}

    public ProjectionMonitor(Metrics metrics, Health health, Clock clock) {
        this.clock = clock;
        metrics.gauge("strata_projection_lag_records", "Records in the event log not yet applied by a projection (consumer lag)",
                new String[]{"projection", "topic", "partition"}, sink -> {
                    for (Projection p : projections) {
                        Sample s = sample(p);
                        if (s.lag == null) continue;
                        s.lag.forEach((tp, n) -> sink.sample(n, p.name(), tp.topic(), Integer.toString(tp.partition())));
                    }
                });
        metrics.gauge("strata_projection_up", "1 while a projection applies events, 0 once it stopped (see the log)",
                new String[]{"projection"}, sink -> {
                    for (Projection p : projections) sink.sample(p.healthy() ? 1 : 0, p.name());
                });
        health.check("projections", this::notReadyReason);
    }

    /** Exports these projections' lag and makes readiness wait for them. */
    public ProjectionMonitor watch(Projection... ps) {
        projections.addAll(List.of(ps));
        gating.addAll(List.of(ps));
        return this;
    }

    /** Exports these projections' lag without gating readiness (for projections allowed to lag, like the inspector's). */
    public ProjectionMonitor observe(Projection... ps) {
        projections.addAll(List.of(ps));
        return this;
    }

    private Sample sample(Projection p) {
        Sample s = last.get(p.name());
        long now = clock.millis();
        if (s != null && now - s.at < CACHE.toMillis()) return s;
        try {
            s = new Sample(now, p.lag(PROBE_TIMEOUT), null);
        } catch (RuntimeException e) {
            s = new Sample(now, null, "event log unreachable: " + e.getMessage());
        }
        last.put(p.name(), s);
        return s;
    }

    /** Null when every projection runs and is caught up, else the first reason. */
    String notReadyReason() {
        for (Projection p : gating) {
            if (!p.healthy()) {
                Throwable f = p.failure();
                return "projection " + p.name() + " stopped" + (f == null ? "" : ": " + f.getMessage());
            }
            Sample s = sample(p);
            if (s.error != null) return s.error;
            long total = s.lag.values().stream().mapToLong(Long::longValue).sum();
            if (total > READY_LAG) return "projection " + p.name() + " is " + total + " records behind the log";
        }
        return null;
    }
}
