package dev.strata.storage;

import java.time.Duration;

/**
 * The online scrub's settings, validated on construction.
 *
 * @param interval       pause between scrub passes over every committed blob; zero turns the online
 *                       scrub off ({@code --scrub-interval}, seconds; default 24 h with
 *                       {@code --storage nodes}, off for one RocksDB or a RADOS pool)
 * @param bytesPerSecond read-rate limit of a pass, so a scrub never crowds out pulls
 *                       ({@code --scrub-rate}, bytes per second; default 32 MiB/s; 0 unlimited)
 */
public record ScrubConfig(Duration interval, long bytesPerSecond) {
    public static final long DEFAULT_RATE = 32L << 20;

    public ScrubConfig {
        if (interval == null || interval.isNegative()) throw new IllegalArgumentException("--scrub-interval must be >= 0");
        if (bytesPerSecond < 0) throw new IllegalArgumentException("--scrub-rate must be >= 0");
    }

    /** Off. */
    public static ScrubConfig off() {
        return new ScrubConfig(Duration.ZERO, DEFAULT_RATE);
    }

    /** Daily at 32 MiB/s: the default when chunks are replicated over storage nodes. */
    public static ScrubConfig daily() {
        return new ScrubConfig(Duration.ofHours(24), DEFAULT_RATE);
    }

    public boolean enabled() {
        return !interval.isZero();
    }
}
