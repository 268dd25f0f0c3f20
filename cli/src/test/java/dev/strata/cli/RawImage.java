package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.core.oci.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/** A one-layer image pushed over plain HTTP (monolithic blob uploads, then the manifest by tag), for tests of the wiring. */
record RawImage(byte[] layer, byte[] config, byte[] manifest) {

    /** Pushes a random layer of {@code layerBytes} and a config to {@code base} (".../v2/NAME/"), tagging the manifest {@code tag}; asserts each 201. */
    static RawImage push(HttpClient client, String base, int layerBytes, String tag) throws IOException, InterruptedException {
        byte[] layer = new byte[layerBytes];
        new SecureRandom().nextBytes(layer);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(layer, config)) {
            HttpResponse<byte[]> r = send(client, HttpRequest.newBuilder(URI.create(base + "blobs/uploads/?digest=" + Digest.sha256(blob)))
                    .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(blob)));
            assertEquals(201, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":" + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + Digest.sha256(layer)
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> put = send(client, HttpRequest.newBuilder(URI.create(base + "manifests/" + tag))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)));
        assertEquals(201, put.statusCode(), () -> new String(put.body(), StandardCharsets.UTF_8));
        return new RawImage(layer, config, manifest);
    }

    private static HttpResponse<byte[]> send(HttpClient client, HttpRequest.Builder b) throws IOException, InterruptedException {
        return client.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
