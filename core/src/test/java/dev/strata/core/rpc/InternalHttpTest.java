package dev.strata.core.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.metrics.Health;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The internal HTTP API over real loopback HTTP: errors, failover, retries only when safe, health, metrics. */
class InternalHttpTest {
    private final List<InternalServer> servers = new ArrayList<>();

    private InternalServer server(String service, Health h) throws IOException {
        InternalServer s = new InternalServer(service, new InetSocketAddress("127.0.0.1", 0), 4, h);
        servers.add(s);
        return s;
    }

    @AfterEach
    void close() {
        servers.forEach(InternalServer::close);
    }

    private static String url(InternalServer s) {
        return "http://127.0.0.1:" + s.port();
    }

    /** A port nothing listens on. */
    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private static InternalClient client(List<String> urls) {
        return new InternalClient("test-service", urls, Duration.ofSeconds(5), Duration.ofSeconds(20));
    }

    record Echo(String text, long n) {}

    @Test
    void resultsAndServiceErrorsCrossTheWireUnchanged() throws Exception {
        InternalServer s = server("t", new Health());
        s.op("echo", a -> new Echo(a.path("text").asText(), a.path("n").asLong()))
                .op("range", a -> { throw OciError.BLOB_UPLOAD_RANGE_INVALID.exception("chunk starts at 5 but the upload has 3 bytes"); })
                .op("nothing", a -> null);
        InternalClient c = client(List.of(url(s)));
        assertEquals(new Echo("hi", 7), c.call("echo", Map.of("text", "hi", "n", 7), Echo.class, true));
        assertEquals(null, c.call("nothing", Map.of(), Echo.class, true));
        OciException e = assertThrows(OciException.class, () -> c.callRaw("range", Map.of(), true));
        assertEquals(OciError.BLOB_UPLOAD_RANGE_INVALID, e.error(), "416 and its OCI constant survive the hop");
        assertEquals("chunk starts at 5 but the upload has 3 bytes", e.detail());
        OciException unknown = assertThrows(OciException.class, () -> c.callRaw("no.such.op", Map.of(), true));
        assertEquals(OciError.UNSUPPORTED, unknown.error());
    }

    @Test
    void aRefusedConnectionMovesToTheNextInstanceEvenForNonIdempotentCommands() throws Exception {
        InternalServer s = server("t", new Health());
        AtomicInteger calls = new AtomicInteger();
        s.op("start", a -> calls.incrementAndGet());
        InternalClient c = client(List.of(deadUrl(), url(s)));
        for (int i = 0; i < 4; i++) assertEquals(i + 1, c.call("start", Map.of(), Integer.class, false));
        assertEquals(4, calls.get(), "each command applied exactly once");
    }

    @Test
    void a503IsRetriedElsewhereOnlyWhenTheOperationIsIdempotent() throws Exception {
        AtomicInteger failing = new AtomicInteger();
        AtomicInteger healthy = new AtomicInteger();
        InternalServer bad = server("bad", new Health());
        bad.op("op", a -> {
            failing.incrementAndGet();
            throw OciError.UNAVAILABLE.exception("event log unavailable");
        });
        InternalServer good = server("good", new Health());
        good.op("op", a -> healthy.incrementAndGet());
        // idempotent: whichever instance the round-robin starts at, the call ends on the healthy one
        InternalClient both = client(List.of(url(bad), url(good)));
        for (int i = 0; i < 4; i++) both.callRaw("op", Map.of(), true);
        assertEquals(4, healthy.get());
        // not idempotent: a 503 may have applied, so it is reported, not retried
        InternalClient onlyBad = client(List.of(url(bad), url(good)));
        int before = failing.get();
        int errors = 0;
        for (int i = 0; i < 4; i++) {
            try {
                onlyBad.callRaw("op", Map.of(), false);
            } catch (OciException e) {
                assertEquals(OciError.UNAVAILABLE, e.error());
                assertTrue(e.getMessage().contains("not retried"), e.getMessage());
                errors++;
            }
        }
        assertEquals(errors, failing.get() - before, "each failed command reached the failing instance once");
        assertTrue(errors >= 1 && errors <= 4);
    }

    @Test
    void withEveryInstanceDownACallFailsWithUnavailableNotAHang() throws Exception {
        InternalClient c = new InternalClient("upload-service", List.of(deadUrl(), deadUrl()), Duration.ofSeconds(5), Duration.ofMinutes(5));
        OciException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(OciException.class, () -> c.callRaw("uploads.session", Map.of("uploadId", "x"), true)));
        assertEquals(OciError.UNAVAILABLE, e.error());
        assertEquals(503, e.error().status());
        assertTrue(e.getMessage().contains("upload-service"), e.getMessage());
    }

    @Test
    void aSlowInstanceTimesOutWithinTheDeadline() throws Exception {
        InternalServer s = server("slow", new Health());
        s.op("slow", a -> {
            Thread.sleep(60_000);
            return null;
        });
        InternalClient c = new InternalClient("slow-service", List.of(url(s)), Duration.ofSeconds(1), Duration.ofSeconds(3));
        OciException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(OciException.class, () -> c.callRaw("slow", Map.of(), true)));
        assertEquals(OciError.UNAVAILABLE, e.error());
    }

    @Test
    void beforeOpRunsBeforeEveryOperation() throws Exception {
        InternalServer s = server("t", new Health());
        AtomicInteger hook = new AtomicInteger();
        s.beforeOp(hook::incrementAndGet).op("read", a -> hook.get());
        InternalClient c = client(List.of(url(s)));
        assertEquals(1, c.call("read", Map.of(), Integer.class, true));
        assertEquals(2, c.call("read", Map.of(), Integer.class, true));
    }

    @Test
    void healthzIsLivenessAndReadyzReportsFailingChecks() throws Exception {
        AtomicReference<String> why = new AtomicReference<>("projection uploads stopped");
        InternalServer s = server("upload-service", new Health().check("projection", why::get));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(url(s) + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode());
        HttpResponse<String> notReady = http.send(HttpRequest.newBuilder(URI.create(url(s) + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, notReady.statusCode());
        assertTrue(notReady.body().contains("projection uploads stopped"), notReady.body());
        why.set(null);
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(url(s) + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
    }

    @Test
    void oversizedAndMalformedRequestsAre400AndTheServerKeepsServing() throws Exception {
        InternalServer s = server("t", new Health());
        s.op("echo", a -> a);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(url(s) + InternalServer.PREFIX + "echo"))
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("\"errors\""), bad.body());
        HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create(url(s) + InternalServer.PREFIX + "echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[InternalServer.MAX_BODY + 10])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, big.statusCode());
        assertEquals(Map.of("a", 1), client(List.of(url(s))).call("echo", Map.of("a", 1), Map.class, true));
    }

    @Test
    void metricsCountEachOperationByStatusWithItsBytesAndUnknownPathsShareOneRoute() throws Exception {
        InternalServer s = server("upload-service", new Health());
        s.op("uploads.echo", a -> a).op("uploads.fail", a -> { throw OciError.BLOB_UNKNOWN.exception("no such blob"); });
        InternalClient c = client(List.of(url(s)));
        c.callRaw("uploads.echo", Map.of("text", "0123456789"), true);
        c.callRaw("uploads.echo", Map.of("text", "0123456789"), true);
        assertThrows(OciException.class, () -> c.callRaw("uploads.fail", Map.of(), true));
        for (int i = 0; i < 3; i++) assertThrows(OciException.class, () -> c.callRaw("no.such" + System.nanoTime(), Map.of(), true));
        HttpResponse<String> m = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(s) + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), m.headers().toString());
        String text = m.body();
        assertTrue(text.contains("strata_http_requests_total{server=\"upload-service\",route=\"uploads.echo\",method=\"POST\",status=\"200\"} 2\n"), text);
        assertTrue(text.contains("strata_http_requests_total{server=\"upload-service\",route=\"uploads.fail\",method=\"POST\",status=\"404\"} 1\n"), text);
        assertTrue(text.contains("strata_http_requests_total{server=\"upload-service\",route=\"unknown_op\",method=\"POST\",status=\"404\"} 3\n"), text);
        // {"text":"0123456789"} is 21 bytes, twice in; the echo sends the same back
        assertTrue(text.contains("strata_http_received_bytes_total{server=\"upload-service\",route=\"uploads.echo\"} 42\n"), text);
        assertTrue(text.contains("strata_http_sent_bytes_total{server=\"upload-service\",route=\"uploads.echo\"} 42\n"), text);
        assertTrue(!text.contains("no.such"), "client-chosen paths never become series:\n" + text);
    }
}
