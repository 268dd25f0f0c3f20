package dev.strata.cli.api;

import static dev.strata.cli.api.RawHttp.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.gateway.GatewayLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's limits against hostile clients, on a node of its own with small limits: request
 * head timeout 1 s, idle timeout 2 s, 2 uploads in flight per client, 0.2 requests/s with a burst
 * of 20, upload sessions live 3 s. Each test speaks from its own loopback address (127.0.0.x), which counts as its own client.
 */
class LimitsApiTest {
    private static SingleNode node;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "limits-registry-");
        GatewayLimits limits = GatewayLimits.defaults().withRequestHeadSeconds(1).withMaxUploadsPerClient(2).withRate(0.2, 20)
                .withUploadSessionSeconds(3);
        node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir.toAbsolutePath(), 1).withLimits(limits, 2));
        api = new Api("http://127.0.0.1:" + node.port());
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    private static String upload(String client) {
        try (RawHttp c = new RawHttp(node.port(), client)) {
            String r = c.send("POST /v2/limits/up/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").readResponse();
            assertEquals(202, status(r), r);
            int at = r.indexOf("Location: ") + 10;
            return r.substring(at, r.indexOf("\r\n", at));
        }
    }

    @Test
    void slowlorisHeadersAreCutOff() throws InterruptedException {
        try (RawHttp c = new RawHttp(node.port(), "127.0.0.4")) {
            c.send("GET /v2/ HTTP/1.1\r\nHost: x\r\n");
            // one header line every 300 ms: never idle, never a complete head, 30 s in all
            boolean cut = false;
            for (int i = 0; i < 100 && !cut; i++) {
                Thread.sleep(300);
                try {
                    c.send("X-Slow-" + i + ": y\r\n");
                } catch (java.io.UncheckedIOException e) {
                    cut = true;
                }
            }
            assertTrue(cut, "a request head dribbled over 30 s was still being read");
        }
        try (RawHttp c = new RawHttp(node.port(), "127.0.0.4")) {
            // a connection that never sends anything is closed too
            assertEquals("", c.readToClose());
        }
        assertEquals(200, api.get("/v2/").statusCode());
    }

    @Test
    void aStalledBodyIsCutOffAndTheUploadIsUnchanged() {
        String loc = upload("127.0.0.5");
        try (RawHttp c = new RawHttp(node.port(), "127.0.0.5")) {
            c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n").send(Api.random(1000));
            c.readToClose(); // the idle timeout closes it; readToClose fails if it never does
        }
        var st = api.get(loc);
        assertEquals(204, st.statusCode());
        assertEquals("0-0", Api.header(st, "Range"));
        byte[] data = Api.random(300);
        assertEquals(201, api.send("PUT", loc + "?digest=" + Digest.sha256(data), data).statusCode());
    }

    @Test
    void anUploadSessionPastItsLifetimeIsGone() throws InterruptedException {
        String loc = upload("127.0.0.6");
        try (RawHttp c = new RawHttp(node.port(), "127.0.0.6")) {
            String r = c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").readResponse();
            assertEquals(202, status(r), r);
        }
        Thread.sleep(3500);
        try (RawHttp c = new RawHttp(node.port(), "127.0.0.6")) {
            String r = c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ndef").readResponse();
            assertEquals(404, status(r), r);
            assertTrue(r.contains("BLOB_UPLOAD_UNKNOWN") && r.contains("expired"), r);
        }
        try (RawHttp c = new RawHttp(node.port(), "127.0.0.6")) {
            String r = c.send("GET " + loc + " HTTP/1.1\r\nHost: x\r\n\r\n").readResponse();
            assertEquals(404, status(r), "cancelled, not only refused: " + r);
        }
    }

    @Test
    void uploadsInFlightPerClientAreCapped() {
        String client = "127.0.0.3";
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                String loc = upload(client);
                RawHttp c = new RawHttp(node.port(), client);
                open.add(c);
                c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n").send(Api.random(100));
            }
            String loc = upload(client);
            // the two bodies above may still be on their way to the gateway: retry until it has counted them
            String third = "";
            for (int attempt = 0; attempt < 100; attempt++) {
                try (RawHttp c = new RawHttp(node.port(), client)) {
                    third = c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").readResponse();
                }
                if (status(third) == 429) break;
            }
            assertEquals(429, status(third), third);
            assertTrue(third.contains("TOOMANYREQUESTS"), third);
            assertTrue(third.contains("Retry-After: "), third);
            // another client is not affected
            byte[] data = Api.random(100);
            assertEquals(201, api.send("POST", "/v2/limits/other/blobs/uploads/?digest=" + Digest.sha256(data), data).statusCode());
        } finally {
            open.forEach(RawHttp::close);
        }
        // once those connections are gone, the client may upload again
        String after = "";
        for (int attempt = 0; attempt < 100; attempt++) {
            String loc = upload(client);
            try (RawHttp c = new RawHttp(node.port(), client)) {
                after = c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").readResponse();
            }
            if (status(after) == 202) break;
        }
        assertEquals(202, status(after), after);
    }

    @Test
    void requestRateIsLimitedPerClientWith429AndRetryAfter() {
        String limited = null;
        for (int i = 0; i < 60 && limited == null; i++) {
            try (RawHttp c = new RawHttp(node.port(), "127.0.0.2")) {
                String r = c.send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").readResponse();
                if (status(r) == 429) limited = r;
                else assertEquals(200, status(r), r);
            }
        }
        assertTrue(limited != null, "60 requests at once from one client were all served despite 0.2/s, burst 20");
        assertTrue(limited.contains("TOOMANYREQUESTS"), limited);
        assertTrue(limited.matches("(?s).*Retry-After: [1-9][0-9]*\r\n.*"), limited);
        // another client is not affected
        assertEquals(200, api.get("/v2/").statusCode());
    }
}
