package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.core.oci.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;

/** A small HTTP client for the OCI API, over real HTTP. */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

    final String base;
    private final HttpClient http;
    /** Sent as Authorization on every request when not null. */
    private final String authorization;

    Api(String base) {
        this(base, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build(), null);
    }

    Api(String base, HttpClient http, String authorization) {
        this.base = base;
        this.http = http;
        this.authorization = authorization;
    }

    /** The same client sending {@code Authorization: Bearer token} (null: no Authorization). */
    Api withToken(String token) {
        return new Api(base, http, token == null ? null : "Bearer " + token);
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
                .timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) b.headers(headers);
        if (authorization != null && java.util.Arrays.stream(headers).noneMatch("Authorization"::equalsIgnoreCase)) {
            b.header("Authorization", authorization);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> get(String path, String... headers) { return send("GET", path, null, headers); }

    HttpResponse<byte[]> head(String path, String... headers) { return send("HEAD", path, null, headers); }

    HttpResponse<byte[]> delete(String path) { return send("DELETE", path, null); }

    /** Runs a GC pass ({@code POST /strata/v1/gc}, a dry run only lists) and returns its report; asserts 200. */
    JsonNode gc(boolean dryRun) {
        HttpResponse<byte[]> r = send("POST", "/strata/v1/gc" + (dryRun ? "?dry-run=true" : ""), null);
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        return json(r);
    }

    /** PUTs a manifest under {@code ref} (a tag or a digest; null: its own digest), asserting 201; returns its digest. */
    String putManifest(String repo, String ref, ObjectNode m) {
        byte[] body = bytes(m);
        String digest = Digest.sha256(body).toString();
        HttpResponse<byte[]> r = putManifest(repo, ref == null ? digest : ref, m.path("mediaType").asText(), body);
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        return digest;
    }

    /** Pushes an untagged artifact ({@code application/vnd.example.<note>}) whose subject is {@code subject}; returns its digest. */
    String pushReferrer(String repo, String subject, String note) {
        byte[] empty = "{}".getBytes();
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", OCI_MANIFEST);
        m.put("artifactType", "application/vnd.example." + note);
        m.set("config", descriptor("application/vnd.oci.empty.v1+json", pushBlob(repo, empty), 2));
        byte[] layer = random(64);
        m.putArray("layers").add(descriptor("application/octet-stream", pushBlob(repo, layer), layer.length));
        m.set("subject", descriptor(OCI_MANIFEST, subject, 100));
        return putManifest(repo, null, m);
    }

    /** The manifests a GC report lists, as "repo@digest" → reason. */
    static java.util.Map<String, String> collectedManifests(JsonNode report) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        report.path("collected").forEach(c -> {
            if (c.path("repository").isTextual()) out.put(c.path("repository").asText() + "@" + c.path("digest").asText(), c.path("reason").asText());
        });
        return out;
    }

    /** The orphan chunks a GC report lists, by id. */
    static java.util.Set<String> collectedChunks(JsonNode report) {
        java.util.Set<String> out = new java.util.HashSet<>();
        report.path("collected").forEach(c -> {
            if (c.hasNonNull("chunkId")) out.add(c.path("chunkId").asText());
        });
        return out;
    }

    /** Pushes a blob monolithically (POST ?digest=) and returns its digest. */
    String pushBlob(String repo, byte[] data) {
        String d = Digest.sha256(data).toString();
        HttpResponse<byte[]> r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, data,
                "Content-Type", "application/octet-stream");
        assertEquals(201, r.statusCode(), () -> "blob push failed: " + new String(r.body()));
        return d;
    }

    /** Pushes a manifest and returns the response. */
    HttpResponse<byte[]> putManifest(String repo, String ref, String mediaType, byte[] body) {
        return send("PUT", "/v2/" + repo + "/manifests/" + ref, body, "Content-Type", mediaType);
    }

    /** Pushes config and layers, then an OCI image manifest under {@code tag}; returns its bytes. */
    byte[] pushImage(String repo, String tag, int layers) {
        ObjectNode m = imageManifest(repo, layers, OCI_MANIFEST);
        byte[] body = bytes(m);
        HttpResponse<byte[]> r = putManifest(repo, tag, OCI_MANIFEST, body);
        assertEquals(201, r.statusCode(), () -> "manifest push failed: " + new String(r.body()));
        return body;
    }

    /** Pushes a config and random layers to the repository and returns a manifest over them. */
    ObjectNode imageManifest(String repo, int layers, String mediaType) {
        boolean docker = DOCKER_MANIFEST.equals(mediaType);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"n\":"
                + new Random().nextLong() + "}").getBytes();
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType);
        m.set("config", descriptor(docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
                pushBlob(repo, config), config.length));
        ArrayNode ls = m.putArray("layers");
        for (int i = 0; i < layers; i++) {
            byte[] layer = random(1000 + i);
            ls.add(descriptor(docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip",
                    pushBlob(repo, layer), layer.length));
        }
        return m;
    }

    static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random().nextBytes(b);
        return b;
    }

    static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + new String(r.body()), e);
        }
    }

    /** Asserts the status and the spec error code of the body. */
    static void assertError(HttpResponse<byte[]> r, int status, String code) {
        assertEquals(status, r.statusCode(), () -> "body: " + new String(r.body()));
        if (r.request().method().equals("HEAD")) return;
        JsonNode e = json(r).path("errors").path(0);
        assertEquals(code, e.path("code").asText(), () -> "body: " + new String(r.body()));
        org.junit.jupiter.api.Assertions.assertFalse(e.path("message").asText().isEmpty(), "error has a message");
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static String uniqueRepo(String prefix) {
        return prefix + "-" + Long.toHexString(new Random().nextLong() & Long.MAX_VALUE);
    }
}
