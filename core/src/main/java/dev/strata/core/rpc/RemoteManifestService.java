package dev.strata.core.rpc;

import static dev.strata.core.rpc.RemoteUploadService.optText;
import static dev.strata.core.rpc.RemoteUploadService.text;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Descriptor;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.Reference;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ManifestRecord;
import dev.strata.core.spi.ManifestService;
import dev.strata.core.spi.Page;
import dev.strata.core.util.Json;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ManifestService} over the manifest-service's internal HTTP API ({@link #bind} is the server
 * side). Manifest PUTs (same bytes, same events), mounts, upload completions, tag restores and
 * reads are retried on another instance; unlink and delete are not retried once they may have
 * applied. Mounts and completions run inside the manifest-service, under its GC fence (its
 * validation window across processes): the caller only asks.
 */
public final class RemoteManifestService implements ManifestService {
    private final InternalClient client;

    public RemoteManifestService(InternalClient client) {
        this.client = client;
    }

    record Put(String repository, String reference, String contentType, byte[] body, String actor) {}

    record PutAnswer(String digest, Descriptor subject) {}

    record StoredAnswer(ManifestRecord record, byte[] bytes) {}

    private static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    record Complete(String repository, String uploadId, long offset, List<ChunkRef> chunks, String digest) {}

    @Override
    public boolean mountBlob(String repository, String from, Digest digest) {
        return client.call("manifests.mountBlob", args("repository", repository, "from", from, "digest", digest.toString()),
                Boolean.class, true);
    }

    @Override
    public BlobRecord completeUpload(String repository, String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest) {
        return client.call("manifests.completeUpload", new Complete(repository, uploadId, offset, lastChunks, digest.toString()),
                BlobRecord.class, true);
    }

    @Override
    public void unlinkBlob(String repository, Digest digest) {
        client.callRaw("manifests.unlinkBlob", args("repository", repository, "digest", digest.toString()), false);
    }

    @Override
    public boolean isBlobLinked(String repository, Digest digest) {
        return client.call("manifests.isBlobLinked", args("repository", repository, "digest", digest.toString()), Boolean.class, true);
    }

    @Override
    public PutResult putManifest(String repository, Reference reference, String contentType, byte[] body, String actor) {
        PutAnswer a = client.call("manifests.putManifest", new Put(repository, reference.toString(), contentType, body, actor),
                PutAnswer.class, true);
        return new PutResult(Digest.parse(a.digest()), a.subject());
    }

    @Override
    public Stored getManifest(String repository, Reference reference) {
        StoredAnswer a = client.call("manifests.getManifest", args("repository", repository, "reference", reference.toString()),
                StoredAnswer.class, true);
        return new Stored(a.record(), a.bytes());
    }

    @Override
    public Optional<ManifestRecord> statManifest(String repository, Reference reference) {
        return Optional.ofNullable(client.call("manifests.statManifest", args("repository", repository, "reference", reference.toString()),
                ManifestRecord.class, true));
    }

    @Override
    public void delete(String repository, Reference reference, String actor) {
        client.callRaw("manifests.delete", args("repository", repository, "reference", reference.toString(), "actor", actor), false);
    }

    @Override
    public List<TagChange> tagHistory(String repository, String tag, int limit) {
        return Arrays.asList(client.call("manifests.tagHistory", args("repository", repository, "tag", tag, "limit", limit),
                TagChange[].class, true));
    }

    @Override
    public Digest restoreTag(String repository, String tag, Digest digest, Long at, String actor) {
        return Digest.parse(client.call("manifests.restoreTag", args("repository", repository, "tag", tag,
                "digest", digest == null ? null : digest.toString(), "at", at, "actor", actor), String.class, true));
    }

    @Override
    public Page tags(String repository, String last, int n) {
        return client.call("manifests.tags", args("repository", repository, "last", last, "n", n), Page.class, true);
    }

    @Override
    public Page catalog(String last, int n) {
        return client.call("manifests.catalog", args("last", last, "n", n), Page.class, true);
    }

    @Override
    public List<Descriptor> referrers(String repository, Digest subject, String artifactType) {
        return Arrays.asList(client.call("manifests.referrers", args("repository", repository, "subject", subject.toString(),
                "artifactType", artifactType), Descriptor[].class, true));
    }

    /**
     * Retention across processes: the manifest-service deletes the manifest (with its referrers when
     * it is configured to) under the repository's lock if the gc-service, asked back from there
     * ({@link RemoteGc#manifestStillDue}), still finds it due. Not retried once it may have applied.
     *
     * @return the digests deleted, the manifest's first; empty when it was kept
     */
    public List<String> removeIfDue(String repository, String digest) {
        return Arrays.asList(client.call("manifests.removeIfDue", args("repository", repository, "digest", digest), String[].class, false));
    }

    /** The manifest-service side of retention: deletes a manifest if still due (see {@link #removeIfDue}). */
    @FunctionalInterface
    public interface Retention {
        List<String> removeIfDue(String repository, String digest);
    }

    /** Serves {@link #removeIfDue} (a manifest-service that knows the gc-service). */
    public static void bindRetention(InternalServer server, Retention retention) {
        server.op("manifests.removeIfDue", a -> retention.removeIfDue(dev.strata.core.oci.Names.repository(text(a, "repository")), Digest.parse(text(a, "digest")).toString()));
    }

    /** Serves {@code manifests} as the operations this client calls. */
    public static void bind(InternalServer server, ManifestService manifests) {
        server.op("manifests.mountBlob", a -> manifests.mountBlob(text(a, "repository"), text(a, "from"), Digest.parse(text(a, "digest"))))
                .op("manifests.completeUpload", a -> {
                    Complete c = Json.MAPPER.treeToValue(a, Complete.class);
                    return manifests.completeUpload(c.repository(), c.uploadId(), c.offset(), c.chunks(), Digest.parse(c.digest()));
                }).op("manifests.unlinkBlob", a -> {
                    manifests.unlinkBlob(text(a, "repository"), Digest.parse(text(a, "digest")));
                    return null;
                }).read("manifests.isBlobLinked", a -> manifests.isBlobLinked(text(a, "repository"), Digest.parse(text(a, "digest"))))
                .op("manifests.putManifest", a -> {
                    Put p = Json.MAPPER.treeToValue(a, Put.class);
                    PutResult r = manifests.putManifest(p.repository(), Reference.parse(p.reference()), p.contentType(), p.body(), p.actor());
                    return new PutAnswer(r.digest().toString(), r.subject());
                })
                .read("manifests.getManifest", a -> {
                    Stored s = manifests.getManifest(text(a, "repository"), Reference.parse(text(a, "reference")));
                    return new StoredAnswer(s.record(), s.bytes());
                })
                .read("manifests.statManifest", a -> manifests.statManifest(text(a, "repository"), Reference.parse(text(a, "reference"))).orElse(null))
                .op("manifests.delete", a -> {
                    manifests.delete(text(a, "repository"), Reference.parse(text(a, "reference")), optText(a, "actor"));
                    return null;
                })
                .read("manifests.tagHistory", a -> manifests.tagHistory(text(a, "repository"), text(a, "tag"), a.path("limit").asInt(100)))
                .op("manifests.restoreTag", a -> {
                    String d = optText(a, "digest");
                    return manifests.restoreTag(text(a, "repository"), text(a, "tag"), d == null ? null : Digest.parse(d),
                            a.hasNonNull("at") ? a.get("at").asLong() : null, optText(a, "actor")).toString();
                })
                .read("manifests.tags", a -> manifests.tags(text(a, "repository"), optText(a, "last"), a.path("n").asInt(100)))
                .read("manifests.catalog", a -> manifests.catalog(optText(a, "last"), a.path("n").asInt(100)))
                .read("manifests.referrers", a -> manifests.referrers(text(a, "repository"), Digest.parse(text(a, "subject")),
                        optText(a, "artifactType")));
    }
}
