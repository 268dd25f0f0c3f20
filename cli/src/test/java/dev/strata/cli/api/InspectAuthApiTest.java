package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.gateway.auth.Users;
import dev.strata.inspector.TarBuilder;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With token auth, the inspector API answers exactly whom a manifest pull answers. */
class InspectAuthApiTest {
    static final String AUTH = """
            service: strata-test
            issuer: strata-test-issuer
            tokenSeconds: 120
            users: users.txt
            keys: keys
            rules:
              - repositories: "team/**"
                grant:
                  alice: [pull, push]
                  bob: [pull]
            """;

    @Test
    void sameAccessAsPulls() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "inspect-auth-").toAbsolutePath();
        Files.writeString(dir.resolve("auth.yaml"), AUTH);
        for (String u : List.of("alice", "bob", "carol")) Users.set(dir.resolve("users.txt"), u, u + "-password", false);
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir.resolve("data"), 1).withAuth(dir.resolve("auth.yaml")))) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            String repo = "team/app";
            String alice = "Bearer " + token(api, "alice", "repository:" + repo + ":pull,push");
            byte[] layer = new TarBuilder().file("etc/motd", "hi").gzip();
            byte[] cfg = "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
            ObjectNode m = Api.JSON.createObjectNode();
            m.put("schemaVersion", 2);
            m.put("mediaType", Api.OCI_MANIFEST);
            m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", push(api, repo, cfg, alice), cfg.length));
            m.putArray("layers").add(Api.descriptor(InspectApiTest.LAYER_GZIP, push(api, repo, layer, alice), layer.length));
            HttpResponse<byte[]> put = api.send("PUT", "/v2/" + repo + "/manifests/v1", Api.bytes(m), "Content-Type", Api.OCI_MANIFEST,
                    "Authorization", alice);
            assertEquals(201, put.statusCode(), () -> new String(put.body()));

            String bob = "Bearer " + token(api, "bob", "repository:" + repo + ":pull");
            String carol = "Bearer " + token(api, "carol", "repository:" + repo + ":pull");
            String inspect = "/strata/v1/repositories/" + repo + "/manifests/v1/fs/file?path=/etc/motd";
            for (String auth : new String[] {null, bob, carol, alice}) {
                HttpResponse<byte[]> pull = get(api, "/v2/" + repo + "/manifests/v1", auth);
                HttpResponse<byte[]> look = get(api, inspect, auth);
                assertEquals(pull.statusCode(), look.statusCode(), () -> "caller " + auth + ": " + new String(look.body()));
                if (pull.statusCode() == 200) assertEquals("hi", new String(look.body(), StandardCharsets.UTF_8));
                else assertEquals(Api.json(pull).path("errors").path(0).path("code"), Api.json(look).path("errors").path(0).path("code"));
            }
            assertEquals(200, get(api, inspect, bob).statusCode(), "bob may pull, so he may look inside");
            assertEquals(401, get(api, inspect, null).statusCode(), "anonymous may not");
        }
    }

    private static HttpResponse<byte[]> get(Api api, String path, String auth) {
        return auth == null ? api.get(path) : api.get(path, "Authorization", auth);
    }

    private static String push(Api api, String repo, byte[] data, String auth) {
        String d = Digest.sha256(data).toString();
        HttpResponse<byte[]> r = api.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, data, "Content-Type", "application/octet-stream",
                "Authorization", auth);
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        return d;
    }

    private static String token(Api api, String user, String scope) {
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + user + "-password").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = api.get("/token?service=strata-test&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8),
                "Authorization", basic);
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        return Api.json(r).path("token").asText();
    }
}
