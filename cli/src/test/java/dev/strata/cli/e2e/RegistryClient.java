package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Raw OCI distribution API calls with java.net.http, for assertions independent of the CLI tools. */
final class RegistryClient {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String ACCEPT_ALL = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

    final HttpClient http;
    private final String baseUrl;

    RegistryClient(String baseUrl) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    RegistryClient(StrataProcess server) {
        this(server.baseUrl());
    }

    String baseUrl() {
        return baseUrl;
    }

    URI uri(String pathOrUrl) {
        if (pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://")) {
            return URI.create(pathOrUrl);
        }
        return URI.create(baseUrl + pathOrUrl);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return http.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("request to " + baseUrl + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    HttpResponse<byte[]> head(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    /** GET /v2/repo/manifests/ref accepting every manifest type. */
    HttpResponse<byte[]> getManifest(String repo, String reference) {
        return get("/v2/" + repo + "/manifests/" + reference, "Accept", ACCEPT_ALL);
    }

    /** GET a manifest and assert 200 and that its bytes hash to the expected digest. */
    byte[] manifestBytes(String repo, String reference, String expectedDigest) {
        HttpResponse<byte[]> r = getManifest(repo, reference);
        assertEquals(200, r.statusCode(), () -> "GET manifest " + repo + ":" + reference + " -> " + r.statusCode()
                + " " + new String(r.body()));
        assertEquals(expectedDigest, E2E.digest(r.body()),
                "sha256 of the manifest bytes served for " + repo + ":" + reference);
        r.headers().firstValue("Docker-Content-Digest").ifPresent(h ->
                assertEquals(expectedDigest, h, "Docker-Content-Digest of " + repo + ":" + reference));
        return r.body();
    }

    /** Monolithic POST ?digest= of a blob; asserts 201. */
    void pushBlob(String repo, byte[] blob) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/uploads/?digest=" + E2E.digest(blob)))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob)));
        assertEquals(201, r.statusCode(), () -> "monolithic POST of a blob: " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Pushes the config and layer blobs and an OCI image manifest for them under a tag; returns the manifest's bytes. */
    byte[] pushImage(String repo, String tag, byte[] config, byte[]... layers) {
        pushBlob(repo, config);
        StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + E2E.digest(config) + "\",\"size\":" + config.length + "},\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            pushBlob(repo, layers[i]);
            m.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"")
                    .append(E2E.digest(layers[i])).append("\",\"size\":").append(layers[i].length).append('}');
        }
        byte[] manifest = m.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<byte[]> put = send(HttpRequest.newBuilder(uri("/v2/" + repo + "/manifests/" + tag))
                .header("Content-Type", OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)));
        assertEquals(201, put.statusCode(), () -> "PUT manifest: " + new String(put.body(), java.nio.charset.StandardCharsets.UTF_8));
        return manifest;
    }

    /** GET a blob; asserts 200 and the exact bytes. */
    void assertBlobBytes(String repo, byte[] expected) {
        HttpResponse<byte[]> r = get("/v2/" + repo + "/blobs/" + E2E.digest(expected));
        assertEquals(200, r.statusCode(), () -> "GET blob " + E2E.digest(expected) + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        if (!java.util.Arrays.equals(expected, r.body())) {
            throw new AssertionError("blob " + E2E.digest(expected) + " differs from the pushed bytes (" + r.body().length + " of " + expected.length + " bytes)");
        }
    }

    int headBlob(String repo, String digest) {
        return head("/v2/" + repo + "/blobs/" + digest).statusCode();
    }

    /** Streams GET /v2/repo/blobs/digest; asserts 200 and returns {sha256 digest, length}. */
    Object[] blobDigestAndLength(String repo, String digest) {
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/" + digest))
                    .timeout(Duration.ofMinutes(5)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    byte[] body = in.readNBytes(4096);
                    throw new AssertionError("GET blob " + repo + "@" + digest + " -> " + r.statusCode() + " " + new String(body));
                }
                CountingInputStream c = new CountingInputStream(in);
                String d = E2E.digest(c);
                return new Object[] {d, c.count};
            }
        } catch (IOException e) {
            throw new IllegalStateException("GET blob " + repo + "@" + digest + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Asserts GET of the blob is 200 and its bytes hash to its digest and have the given size. */
    void assertBlob(String repo, String digest, long size) {
        Object[] dl = blobDigestAndLength(repo, digest);
        assertEquals(digest, dl[0], "sha256 of the bytes served for blob " + repo + "@" + digest);
        if (size >= 0) {
            assertEquals(size, (long) dl[1], "length of blob " + repo + "@" + digest);
        }
    }

    static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
