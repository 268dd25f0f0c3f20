package dev.strata.gc;

import dev.strata.core.spi.GarbageCollector.Collected;
import dev.strata.core.spi.KvStore;
import dev.strata.core.util.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Retention of untagged manifests: the untagged retention period, the time machine (a manifest a
 * tag pointed at is kept for the window after it lost its last tag) and the delete cascade (the
 * remover deletes a manifest's referrers with it). It reads the retention state the gc projection
 * keeps ({@link GcService#HELD}, {@link GcService#UNTAGGED}, {@link GcService#PARENTS}, ...) and
 * deletes through a {@link GcService.ManifestRemover}, the manifest-service, in process or over its
 * internal API. Contract:
 * <ul>
 *   <li>{@link #due} lists what is due at a time, with the reason; it deletes nothing;</li>
 *   <li>{@link #collect} deletes only what {@link #stillDue} confirms under the repository's lock,
 *       after catching up with the log, so a tag or index pushed a moment before wins;</li>
 *   <li>without {@link GcConfig#untaggedRetention()}, nothing is ever due.</li>
 * </ul>
 */
final class Retention {
    private final KvStore store;
    private final GcConfig config;
    private final Clock clock;
    private final Runnable catchUp;
    private volatile GcService.ManifestRemover remover;

    /** @param catchUp returns once the gc projection has applied the log up to its current end */
    Retention(KvStore store, GcConfig config, Clock clock, Runnable catchUp) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.catchUp = catchUp;
    }

    /** Where deletes go (the manifest-service); until set, {@link #collect} deletes nothing. */
    void remover(GcService.ManifestRemover remover) {
        this.remover = remover;
    }

    /**
     * Why an untagged manifest is due for retention at {@code now}, or null when something keeps
     * it: a tag, an index in the repository that lists it, its subject being present, the
     * retention period, or the time-machine window of a manifest a tag once pointed at.
     */
    private String why(String id, long now) {
        Duration retention = config.untaggedRetention();
        if (retention == null || store.get(GcService.UNTAGGED + id) == null) return null;
        byte[] v = store.get(GcService.HELD + id);
        if (v == null) return null;
        GcService.Held h = Json.read(v, GcService.Held.class);
        if (h.tags() > 0 || GcService.number(store, GcService.PARENTS + id) > 0) return null;
        String repo = id.substring(0, id.indexOf('|'));
        long since = h.untaggedSince();
        String why = "untagged since " + java.time.Instant.ofEpochMilli(since);
        if (h.subject() != null) {
            if (store.get(GcService.MANIFEST + repo + "|" + h.subject()) != null) return null; // a referrer of a present subject
            long gone = GcService.number(store, GcService.MANIFEST_GONE + repo + "|" + h.subject());
            if (gone > since) {
                since = gone;
                why = "referrer of " + h.subject() + ", deleted " + java.time.Instant.ofEpochMilli(gone);
            } else {
                why += ", referrer of absent " + h.subject();
            }
        }
        long keep = retention.toMillis();
        if (h.wasTagged() && config.timeMachine().toMillis() > keep) {
            keep = config.timeMachine().toMillis();
            why += ", past the time-machine window of " + config.timeMachine();
        } else {
            why += ", past the untagged retention of " + retention;
        }
        return since + keep <= now ? why : null;
    }

    /** Manifests due for retention at {@code now}, at most {@code limit}, with the reason; none without a retention period. */
    List<Collected> due(long now, int limit) {
        List<Collected> out = new ArrayList<>();
        if (config.untaggedRetention() == null) return out;
        store.scan(GcService.UNTAGGED, null, (k, x) -> {
            String id = k.substring(GcService.UNTAGGED.length());
            String why = why(id, now);
            if (why != null) {
                byte[] h = store.get(GcService.HELD + id);
                int bar = id.indexOf('|');
                out.add(new Collected(id.substring(bar + 1), manifestSize(id), Json.read(h, GcService.Held.class).untaggedSince(), why,
                        id.substring(0, bar)));
            }
            return out.size() < limit;
        });
        return out;
    }

    private long manifestSize(String id) {
        int bar = id.indexOf('|');
        byte[] v = store.get(GcService.HOLD + config.namespaces().of(id.substring(0, bar)) + "|" + id.substring(bar + 1));
        return v == null ? 0 : Json.read(v, GcService.Holding.class).manifestSize();
    }

    /**
     * Deletes the manifests {@link #due} listed, each through the remover, which re-checks
     * {@link #stillDue} under the repository's lock and deletes the referrers with it when so
     * configured; returns what was deleted, referrers included. Nothing without a remover.
     */
    List<Collected> collect(List<Collected> due) {
        GcService.ManifestRemover remover = this.remover;
        List<Collected> out = new ArrayList<>();
        if (remover == null) return out;
        for (Collected c : due) {
            List<String> removed = remover.removeIf(c.repository(), c.digest(), () -> stillDue(c.repository(), c.digest()));
            for (String d : removed) {
                out.add(d.equals(c.digest()) ? c
                        : new Collected(d, 0, c.unreferencedSince(), "referrer of " + c.digest() + ", deleted with it", c.repository()));
            }
        }
        return out;
    }

    /** Whether the manifest is due now, once the gc projection has applied the log (the re-check under the lock). */
    boolean stillDue(String repository, String digest) {
        catchUp.run();
        return why(repository + "|" + digest, clock.millis()) != null;
    }
}
