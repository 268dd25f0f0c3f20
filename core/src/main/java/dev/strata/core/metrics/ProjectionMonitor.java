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
 * <p>Lag costs one list-offsets request per projection. A background thread asks every
 * {@link #PERIOD} (and once when a projection is watched); probes and scrapes read its latest
 * samples and never wait on the broker, so /readyz answers at once also while Kafka is down.
 */
public final class ProjectionMonitor implements AutoCloseable {
    /** How long the broker has to answer a lag query. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** More unapplied records than this (per projection) and the process is not ready. */
    public static final long READY_LAG = 1000;
    /** How often the lag is sampled. */
    static final Duration PERIOD = Duration.ofSeconds(1);
    private final java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "projection-monitor");
        t.setDaemon(true);
        return t;
    });

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
        sampler.scheduleWithFixedDelay(this::sampleAll, PERIOD.toMillis(), PERIOD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Exports these projections' lag and makes readiness wait for them. */
    public ProjectionMonitor watch(Projection... ps) {
        projections.addAll(List.of(ps));
        gating.addAll(List.of(ps));
        for (Projection p : ps) refresh(p);
        return this;
    }

    /** Exports these projections' lag without gating readiness (for projections allowed to lag, like the inspector's). */
    public ProjectionMonitor observe(Projection... ps) {
        projections.addAll(List.of(ps));
        for (Projection p : ps) refresh(p);
        return this;
    }

    /** One round; once the broker fails to answer one projection, the others get the same reason without waiting again. */
    private void sampleAll() {
        String error = null;
        for (Projection p : projections) {
            try {
                if (error == null) error = refresh(p).error;
                else last.put(p.name(), new Sample(clock.millis(), null, error));
            } catch (RuntimeException e) {
                last.put(p.name(), new Sample(clock.millis(), null, e.toString()));
            }
        }
    }

    /** Asks the broker for {@code p}'s lag (bounded by {@link #PROBE_TIMEOUT}) and keeps the answer. */
    private Sample refresh(Projection p) {
        Sample s;
        try {
            s = new Sample(clock.millis(), p.lag(PROBE_TIMEOUT), null);
        } catch (RuntimeException e) {
            // the message names the cause ("event log unavailable: ..."; LogStatus logs the change once)
            s = new Sample(clock.millis(), null, e instanceof dev.strata.core.oci.OciException o && o.detail() != null ? o.detail()
                    : dev.strata.core.log.LogStatus.describe(e));
        }
        last.put(p.name(), s);
        return s;
    }

    /** The latest sample of {@code p} (taken when it was watched, then every {@link #PERIOD}). */
    private Sample sample(Projection p) {
        Sample s = last.get(p.name());
        return s != null ? s : new Sample(clock.millis(), null, "projection " + p.name() + ": lag not sampled yet");
    }

    /** Stops sampling. */
    @Override
    public void close() {
        sampler.shutdownNow();
    }

    /** Null when every projection runs and is caught up, else the first reason. */
    String notReadyReason() {
        for (Projection p : gating) {
            if (!p.healthy()) {
                Throwable f = p.failure();
                return "projection " + p.name() + " stopped" + (f == null ? "" : ": " + dev.strata.core.log.LogStatus.describe(f));
            }
            Sample s = sample(p);
            if (s.error != null) return s.error;
            long total = s.lag.values().stream().mapToLong(Long::longValue).sum();
            if (total > READY_LAG) return "projection " + p.name() + " is " + total + " records behind the log";
        }
        return null;
    }
}
