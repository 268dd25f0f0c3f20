package dev.strata.gc;

import java.time.Duration;

/**
 * Garbage-collection settings, validated on construction.
 *
 * @param grace            how long a blob must stay unreferenced (no manifest refers to it, and no
 *                         push or mount has linked it) before it is collected (default 1 h)
 * @param interval         pause between online passes; zero turns the online pass off (default 5 min)
 * @param maxDeletesPerPass blobs deleted at most per pass: the rate limit (default 1000)
 * @param uploadExpiry     an upload session idle this long is cancelled and its chunks deleted (default 24 h)
 */
public record GcConfig(Duration grace, Duration interval, int maxDeletesPerPass, Duration uploadExpiry) {
    public GcConfig {
        if (grace == null || grace.isNegative()) throw new IllegalArgumentException("gc grace must be >= 0");
        if (interval == null || interval.isNegative()) throw new IllegalArgumentException("gc interval must be >= 0");
        if (maxDeletesPerPass < 1) throw new IllegalArgumentException("gc max deletes per pass must be >= 1");
        if (uploadExpiry == null || uploadExpiry.isNegative() || uploadExpiry.isZero()) {
            throw new IllegalArgumentException("upload expiry must be positive");
        }
    }

    public static GcConfig defaults() {
        return new GcConfig(Duration.ofHours(1), Duration.ofMinutes(5), 1000, Duration.ofHours(24));
    }
}
