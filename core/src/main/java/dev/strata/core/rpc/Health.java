package dev.strata.core.rpc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Liveness and readiness of one process, in one reusable place: {@code /healthz} answers 200 while
 * the process runs; {@code /readyz} answers 200 only when every named check passes (a check returns
 * null when fine, or why it is not). Checks must be quick and bounded (they run on each probe).
 */
public final class Health {
    private final String service;
    private final Map<String, Supplier<String>> checks = new LinkedHashMap<>();

    public Health(String service) {
        this.service = service;
    }

    public String service() { return service; }

    /** Adds a readiness check: returns null when ready, else a one-line reason. */
    public synchronized Health check(String name, Supplier<String> check) {
        checks.put(name, check);
        return this;
    }

    /** The failing checks by name (empty when ready). A check that throws fails with its message. */
    public Map<String, String> failures() {
        Map<String, Supplier<String>> copy;
        synchronized (this) {
            copy = new LinkedHashMap<>(checks);
        }
        Map<String, String> out = new LinkedHashMap<>();
        copy.forEach((name, c) -> {
            String why;
            try {
                why = c.get();
            } catch (RuntimeException e) {
                why = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            if (why != null) out.put(name, why);
        });
        return out;
    }
}
