package dev.strata.core.rpc;

import static dev.strata.core.rpc.RemoteUploadService.optText;
import static dev.strata.core.rpc.RemoteUploadService.text;

import dev.strata.core.oci.Digest;
import dev.strata.core.spi.GarbageCollector;
import dev.strata.core.spi.Namespaces;
import dev.strata.core.spi.Quotas;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link GarbageCollector} and {@link Quotas} over the gc-service's internal HTTP API ({@link #bind} is the server side). */
public final class RemoteGc implements GarbageCollector, Quotas {
    private final InternalClient client;

    public RemoteGc(InternalClient client) {
        this.client = client;
    }

    @Override
    public List<Collected> collect(boolean dryRun) {
        return Arrays.asList(client.call("gc.collect", Map.of("dryRun", dryRun), Collected[].class, true));
    }

    @Override
    public Namespaces namespaces() {
        return new Namespaces(Arrays.asList(client.call("quotas.namespaces", Map.of(), String[].class, true)));
    }

    @Override
    public Quota quota(String namespace) {
        return client.call("quotas.quota", Map.of("namespace", namespace), Quota.class, true);
    }

    @Override
    public void set(String namespace, long bytes, String actor) {
        Map<String, Object> a = new HashMap<>(Map.of("namespace", namespace, "bytes", bytes));
        if (actor != null) a.put("actor", actor);
        client.callRaw("quotas.set", a, true);
    }

    @Override
    public void check(String repository, Map<Digest, Long> additions) {
        Map<String, Long> wire = new HashMap<>();
        additions.forEach((d, n) -> wire.put(d.toString(), n));
        client.callRaw("quotas.check", Map.of("repository", repository, "additions", wire), true);
    }

    /**
     * Whether the gc-service finds a manifest due for retention now (after catching up with the
     * log): what the manifest-service checks under the repository's lock before a retention delete.
     */
    public boolean manifestStillDue(String repository, String digest) {
        return client.call("gc.manifestStillDue", Map.of("repository", repository, "digest", digest), Boolean.class, true);
    }

    /** Serves {@link #manifestStillDue} with {@code due}. */
    public static void bindRetention(InternalServer server, java.util.function.BiPredicate<String, String> due) {
        server.op("gc.manifestStillDue", a -> due.test(dev.strata.core.oci.Names.repository(text(a, "repository")), Digest.parse(text(a, "digest")).toString()));
    }

    /** Serves {@code gc} and {@code quotas} as the operations this client calls. */
    public static void bind(InternalServer server, GarbageCollector gc, Quotas quotas) {
        server.op("gc.collect", a -> gc.collect(a.path("dryRun").asBoolean(true)))
                .op("quotas.namespaces", a -> quotas.namespaces().prefixes())
                .op("quotas.quota", a -> quotas.quota(text(a, "namespace")))
                .op("quotas.set", a -> {
                    quotas.set(text(a, "namespace"), a.path("bytes").asLong(-1), optText(a, "actor"));
                    return null;
                })
                .op("quotas.check", a -> {
                    Map<Digest, Long> additions = new HashMap<>();
                    a.path("additions").fields().forEachRemaining(e -> additions.put(Digest.parse(e.getKey()), e.getValue().asLong()));
                    quotas.check(text(a, "repository"), additions);
                    return null;
                });
    }
}
