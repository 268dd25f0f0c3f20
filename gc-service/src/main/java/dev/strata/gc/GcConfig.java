package dev.strata.gc;

import dev.strata.core.spi.Namespaces;
import java.time.Duration;

/**
 * Garbage-collection, retention and quota-namespace settings, validated on construction.
 *
 * @param grace             how long a blob must stay unreferenced (no manifest refers to it, and no
 *                          push or mount has linked it) before it is collected (default 1 h)
 * @param interval          pause between online passes; zero turns the online pass off (default 5 min)
 * @param maxDeletesPerPass blobs (and, separately, manifests) deleted at most per pass: the rate limit (default 1000)
 * @param uploadExpiry      an upload session idle this long is cancelled and its chunks deleted (default 24 h)
 * @param untaggedRetention an untagged manifest (no tag, no index and no present subject holds it) is
 *                          collected this long after it lost its last tag or was pushed; null keeps
 *                          untagged manifests forever (the default)
 * @param timeMachine       a manifest a tag pointed at within this window is kept, so that
 *                          {@code strata tag restore --at} works anywhere inside it (default 14 days;
 *                          it only matters when {@code untaggedRetention} is set)
 * @param deleteReferrers   deleting a manifest (by a client or by retention) also deletes the manifests
 *                          whose subject it is, recursively (default true)
 * @param namespaces        which namespace a repository counts against for quotas (default: first path component)
 * @param orphanGrace       an upload chunk that no committed blob and no live upload session holds is
 *                          collected once it is older than this (its id carries its write time). A
 *                          request body still streaming holds its chunks by a lease the gateway renews
 *                          every {@code uploadHold} (60 s), so this must stay well above that interval:
 *                          default the larger of {@code grace} and 15 min
 */
public record GcConfig(Duration grace, Duration interval, int maxDeletesPerPass, Duration uploadExpiry,
                       Duration untaggedRetention, Duration timeMachine, boolean deleteReferrers, Namespaces namespaces,
                       Duration orphanGrace) {
    public static final Duration DEFAULT_TIME_MACHINE = Duration.ofDays(14);
    /** Minimum age of a collectable orphan chunk unless set explicitly. */
    public static final Duration MIN_ORPHAN_GRACE = Duration.ofMinutes(15);

    public GcConfig {
        if (grace == null || grace.isNegative()) throw new IllegalArgumentException("gc grace must be >= 0");
        if (interval == null || interval.isNegative()) throw new IllegalArgumentException("gc interval must be >= 0");
        if (maxDeletesPerPass < 1) throw new IllegalArgumentException("gc max deletes per pass must be >= 1");
        if (uploadExpiry == null || uploadExpiry.isNegative() || uploadExpiry.isZero()) {
            throw new IllegalArgumentException("upload expiry must be positive");
        }
        if (untaggedRetention != null && untaggedRetention.isNegative()) throw new IllegalArgumentException("untagged retention must be >= 0");
        if (timeMachine == null || timeMachine.isNegative()) throw new IllegalArgumentException("time machine window must be >= 0");
        if (namespaces == null) namespaces = Namespaces.firstComponent();
        if (orphanGrace == null) orphanGrace = grace.compareTo(MIN_ORPHAN_GRACE) > 0 ? grace : MIN_ORPHAN_GRACE;
        if (orphanGrace.isNegative()) throw new IllegalArgumentException("orphan chunk grace must be >= 0");
    }

    /** The orphan grace derived from {@code grace} (null: the larger of it and 15 min). */
    public GcConfig(Duration grace, Duration interval, int maxDeletesPerPass, Duration uploadExpiry,
                    Duration untaggedRetention, Duration timeMachine, boolean deleteReferrers, Namespaces namespaces) {
        this(grace, interval, maxDeletesPerPass, uploadExpiry, untaggedRetention, timeMachine, deleteReferrers, namespaces, null);
    }

    /** Untagged manifests kept forever, a 14-day time machine, referrers deleted with their subject. */
    public GcConfig(Duration grace, Duration interval, int maxDeletesPerPass, Duration uploadExpiry) {
        this(grace, interval, maxDeletesPerPass, uploadExpiry, null, DEFAULT_TIME_MACHINE, true, Namespaces.firstComponent());
    }

    public static GcConfig defaults() {
        return new GcConfig(Duration.ofHours(1), Duration.ofMinutes(5), 1000, Duration.ofHours(24));
    }

    public GcConfig withGrace(Duration g, Duration i) {
        return new GcConfig(g, i, maxDeletesPerPass, uploadExpiry, untaggedRetention, timeMachine, deleteReferrers, namespaces);
    }

    public GcConfig withOrphanGrace(Duration o) {
        return new GcConfig(grace, interval, maxDeletesPerPass, uploadExpiry, untaggedRetention, timeMachine, deleteReferrers, namespaces, o);
    }

    public GcConfig withRetention(Duration untagged, Duration window) {
        return new GcConfig(grace, interval, maxDeletesPerPass, uploadExpiry, untagged, window, deleteReferrers, namespaces, orphanGrace);
    }

    public GcConfig withDeleteReferrers(boolean on) {
        return new GcConfig(grace, interval, maxDeletesPerPass, uploadExpiry, untaggedRetention, timeMachine, on, namespaces, orphanGrace);
    }

    public GcConfig withNamespaces(Namespaces ns) {
        return new GcConfig(grace, interval, maxDeletesPerPass, uploadExpiry, untaggedRetention, timeMachine, deleteReferrers, ns, orphanGrace);
    }
}
