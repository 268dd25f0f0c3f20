package dev.strata.core.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.UploadService;
import dev.strata.core.spi.UploadSession;
import dev.strata.core.util.Json;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link UploadService} over the upload-service's internal HTTP API ({@link #bind} is the server
 * side). Reads, appends (they name their expected offset), holds and commits (recognised by upload id) are
 * retried on another instance; start and cancel are not retried once they may have applied.
 */
public final class RemoteUploadService implements UploadService {
    private final InternalClient client;

    public RemoteUploadService(InternalClient client) {
        this.client = client;
    }

    record Append(String uploadId, long offset, List<ChunkRef> chunks) {}

    record Hold(String uploadId, List<String> chunkIds) {}

    record Commit(String uploadId, long offset, List<ChunkRef> chunks, String digest) {}

    @Override
    public UploadSession start(String repository) {
        return client.call("uploads.start", Map.of("repository", repository), UploadSession.class, false);
    }

    @Override
    public Optional<UploadSession> session(String uploadId) {
        if (uploadId == null) return Optional.empty();
        return Optional.ofNullable(client.call("uploads.session", Map.of("uploadId", uploadId), UploadSession.class, true));
    }

    @Override
    public UploadSession append(String uploadId, long offset, List<ChunkRef> chunks) {
        return client.call("uploads.append", new Append(uploadId, offset, chunks), UploadSession.class, true);
    }

    @Override
    public void hold(String uploadId, List<String> chunkIds) {
        client.callRaw("uploads.hold", new Hold(uploadId, chunkIds), true);
    }

    @Override
    public BlobRecord commit(String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest) {
        return client.call("uploads.commit", new Commit(uploadId, offset, lastChunks, digest.toString()), BlobRecord.class, true);
    }

    @Override
    public void cancel(String uploadId, String reason) {
        client.callRaw("uploads.cancel", Map.of("uploadId", uploadId, "reason", reason == null ? "" : reason), false);
    }

    @Override
    public List<String> expireIdle(Duration idle) {
        return Arrays.asList(client.call("uploads.expireIdle", Map.of("idleMs", idle.toMillis()), String[].class, true));
    }

    @Override
    public Optional<BlobRecord> blob(Digest digest) {
        return Optional.ofNullable(client.call("uploads.blob", Map.of("digest", digest.toString()), BlobRecord.class, true));
    }

    /** Serves {@code uploads} as the operations this client calls. */
    public static void bind(InternalServer server, UploadService uploads) {
        server.op("uploads.start", a -> uploads.start(text(a, "repository")))
                .read("uploads.session", a -> uploads.session(text(a, "uploadId")).orElse(null))
                .op("uploads.append", a -> {
                    Append c = Json.MAPPER.treeToValue(a, Append.class);
                    return uploads.append(c.uploadId(), c.offset(), c.chunks());
                })
                .op("uploads.hold", a -> {
                    Hold h = Json.MAPPER.treeToValue(a, Hold.class);
                    uploads.hold(h.uploadId(), h.chunkIds());
                    return null;
                })
                .op("uploads.commit", a -> {
                    Commit c = Json.MAPPER.treeToValue(a, Commit.class);
                    return uploads.commit(c.uploadId(), c.offset(), c.chunks(), Digest.parse(c.digest()));
                })
                .op("uploads.cancel", a -> {
                    uploads.cancel(text(a, "uploadId"), text(a, "reason"));
                    return null;
                })
                .op("uploads.expireIdle", a -> uploads.expireIdle(Duration.ofMillis(a.path("idleMs").asLong(-1))))
                .op("uploads.blob", a -> uploads.blob(Digest.parse(text(a, "digest"))).orElse(null));
    }

    /** A required text argument; IllegalArgumentException (400) when missing. */
    static String text(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("argument " + name + " is required");
        return v.asText();
    }

    /** An optional text argument. */
    static String optText(JsonNode args, String name) {
        JsonNode v = args.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }
}
