package dev.strata.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A response whose body stops arriving ends the exchange with a timeout instead of blocking forever. */
class BoundedHttpTest {
    /** Accepts one connection, answers headers and part of the body, then goes silent. */
    private static Thread stallingServer(ServerSocket server, String response) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int n = in.read(buf); // the request head
                OutputStream out = s.getOutputStream();
                out.write(response.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(60_000);
            } catch (Exception e) {
                // closed by the test
            }
        }, "stalling-server");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aStalledBodyTimesOutWithinTheBound() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            stallingServer(server, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a few bytes");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // the request timeout alone would not end this exchange: the headers did arrive in time
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/x"))
                    .timeout(Duration.ofSeconds(1)).build();
            HttpTimeoutException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(HttpTimeoutException.class,
                    () -> BoundedHttp.send(http, req, HttpResponse.BodyHandlers.ofByteArray(), Duration.ofSeconds(2))));
            assertEquals(true, e.getMessage().contains("no complete response"), e.getMessage());
        }
    }

    @Test
    void aCompleteResponseIsReturned() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            stallingServer(server, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = BoundedHttp.send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/"))
                    .build(), HttpResponse.BodyHandlers.ofString(), Duration.ofSeconds(20));
            assertEquals("hello", r.body());
        }
    }
}
