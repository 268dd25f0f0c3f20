package dev.strata.core.metrics;

/**
 * The paths every Strata HTTP server answers for operators, and what they mean. Servers mount
 * them with one {@link Metrics} and one {@link Health} per process; the Kubernetes manifests'
 * probes are checked against these constants.
 */
public final class Monitoring {
    /** Liveness: 200 while the server answers. */
    public static final String HEALTHZ = "/healthz";
    /** Readiness: 200 when every {@link Health} check passes, else 503 with the reasons (JSON). */
    public static final String READYZ = "/readyz";
    /** The {@link Metrics} in the Prometheus text format. */
    public static final String METRICS = "/metrics";

    private Monitoring() {}

    /** True for the three paths above. */
    public static boolean isMonitoringPath(String path) {
        return path.equals(HEALTHZ) || path.equals(READYZ) || path.equals(METRICS);
    }
}
