package dev.strata.core.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Readiness checks of one process, answered by {@code GET /readyz}. Liveness ({@code /healthz}) is
 * the server answering at all: a process whose projections are behind or whose Kafka is away is
 * alive but not ready, and restarting it would not help.
 *
 * <p>Each check returns null when ready, or a one-line reason. Checks run at each probe and must
 * bound their own time (a probe has a timeout of its own).
 */
public final class Health {
    private final Map<String, Supplier<String>> checks = new LinkedHashMap<>();

    /** The outcome of one probe: ready when every check passed; reasons by check name. */
    public record Readiness(boolean ready, Map<String, String> checks) {
        /** A small JSON body: {"status":"ready"|"not ready","checks":{"name":"ok"|reason}}. */
        public String json() {
            StringBuilder b = new StringBuilder("{\"status\":\"").append(ready ? "ready" : "not ready").append("\",\"checks\":{");
            boolean first = true;
            for (var e : checks.entrySet()) {
                if (!first) b.append(',');
                first = false;
                b.append('"').append(jsonEscape(e.getKey())).append("\":\"").append(jsonEscape(e.getValue())).append('"');
            }
            return b.append("}}").toString();
        }
    }

    /** Adds (or replaces) a named check. */
    public synchronized Health check(String name, Supplier<String> check) {
        checks.put(name, check);
        return this;
    }

    /** Runs every check; a check that throws counts as not ready with the exception as reason. */
    public Readiness readiness() {
        Map<String, Supplier<String>> cs;
        synchronized (this) {
            cs = new LinkedHashMap<>(checks);
        }
        Map<String, String> out = new LinkedHashMap<>();
        boolean ready = true;
        for (var e : cs.entrySet()) {
            String reason;
            try {
                reason = e.getValue().get();
            } catch (RuntimeException ex) {
                reason = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            }
            if (reason != null) ready = false;
            out.put(e.getKey(), reason == null ? "ok" : reason);
        }
        return new Readiness(ready, out);
    }

    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
