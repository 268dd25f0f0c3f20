package dev.strata.core.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** A few process gauges every Strata process exports: heap, threads, uptime. */
public final class JvmMetrics {
    private JvmMetrics() {}

    public static void register(Metrics metrics) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        metrics.gauge("strata_jvm_heap_used_bytes", "JVM heap in use", () -> memory.getHeapMemoryUsage().getUsed());
        metrics.gauge("strata_jvm_heap_max_bytes", "JVM heap limit (-Xmx)", () -> memory.getHeapMemoryUsage().getMax());
        metrics.gauge("strata_jvm_threads", "Live JVM threads", () -> ManagementFactory.getThreadMXBean().getThreadCount());
        metrics.gauge("strata_process_uptime_seconds", "Seconds since the process started",
                () -> ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
    }
}
