package dev.strata.core.log;

import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process reaches the event log, as its producer, its log-end lookups and the
 * readiness probe last saw it (one per bootstrap address, shared by every {@link EventLog} and
 * {@link Projection} of the process). It logs one line per change of state: "event log
 * unavailable: REASON" when a call first fails, "event log available again" when one first
 * succeeds after that. Read-after-write barriers use it to answer at once while the log is known
 * to be down instead of waiting for a timeout on every request.
 */
public final class LogStatus {
    private static final Logger LOG = LoggerFactory.getLogger(LogStatus.class);
    private static final Map<String, LogStatus> BY_SERVERS = new ConcurrentHashMap<>();
    /**
     * While the log is down, requests answer at once as long as some call (the readiness sampler,
     * every second or two) failed this recently; past it they try the broker again themselves.
     */
    static final long FRESH_NANOS = 5_000_000_000L;

    private final String servers;
    /** Null while the log answers, else why not. */
    private volatile String down;
    private volatile long lastFailure;

    private LogStatus(String servers) {
        this.servers = servers;
    }

    /** The status of the log at {@code config}'s bootstrap servers in this process. */
    public static LogStatus of(LogConfig config) {
        return BY_SERVERS.computeIfAbsent(config.bootstrapServers(), LogStatus::new);
    }

    /** A call to the log succeeded. */
    public void reached() {
        if (down == null) return;
        synchronized (this) {
            if (down == null) return;
            down = null;
        }
        LOG.info("event log available again (Kafka at {})", servers);
    }

    /** A call to the log failed because the broker did not answer (in time). */
    public void failed(Throwable t) {
        String reason = describe(t);
        boolean changed;
        synchronized (this) {
            changed = down == null;
            down = reason;
            lastFailure = System.nanoTime();
        }
        if (changed) LOG.warn("event log unavailable: {} (Kafka at {}); requests that need it answer 503 until it is back", reason, servers);
    }

    /** Null while the log answers, else a one-line reason ("event log unavailable: ..."). */
    public String unavailable() {
        String d = down;
        return d == null ? null : "event log unavailable: " + d;
    }

    /**
     * Whether a request should call the log now: while it answers, or when it is down but no call
     * has confirmed that for {@link #FRESH_NANOS} (no sampler running); otherwise the request answers
     * at once, and the sampler notices the broker back.
     */
    public boolean worthTrying() {
        return down == null || System.nanoTime() - lastFailure > FRESH_NANOS;
    }

    /**
     * A readable one-line reason: each exception's message, or its class name where it has none
     * (a bare timeout), with the causes after it; wrappers without news (ExecutionException) skipped.
     */
    public static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        String previous = null;
        for (Throwable c = t; c != null && b.length() < 400; c = c.getCause() == c ? null : c.getCause()) {
            if ((c instanceof ExecutionException || c instanceof CompletionException) && c.getCause() != null) continue;
            String text = c.getMessage() == null || c.getMessage().isBlank() ? c.getClass().getSimpleName() : c.getMessage();
            if (text.equals(previous) || (previous != null && previous.contains(text))) continue;
            if (b.length() > 0) b.append("; cause: ");
            b.append(text.replace('\n', ' '));
            previous = text;
        }
        return b.toString();
    }
}
