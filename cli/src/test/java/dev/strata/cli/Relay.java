package dev.strata.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A plain HTTP relay on loopback between one service process and another's internal API, for tests:
 * it forwards every request and its answer unchanged, except that the answer of one call can be
 * held back on demand ({@link #holdAnswer}), as a slow network or a paused process would. So a test
 * can stop a service between its check of something and what it does with the answer.
 */
public final class Relay implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "relay");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<Hold> armed = new AtomicReference<>();
    private volatile String target;

    public Relay() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(workers);
        server.createContext("/", this::relay);
        server.start();
    }

    /** The base URL to give the calling process. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Where requests go (a base URL http://HOST:PORT); set before the first request. */
    public void target(String baseUrl) {
        this.target = baseUrl;
    }

    /** One held answer: the next call whose path ends with the operation's name. */
    public static final class Hold {
        private final String op;
        private final CountDownLatch answered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold(String op) {
            this.op = op;
        }

        /** Whether the target has answered the held call (its answer waits here) within {@code timeout}. */
        public boolean awaitHeld(Duration timeout) throws InterruptedException {
            return answered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Lets the held answer go to the caller. */
        public void release() {
            released.countDown();
        }
    }

    /** Holds the answer to the next call of internal operation {@code op} until {@link Hold#release}. */
    public Hold holdAnswer(String op) {
        Hold h = new Hold(op);
        if (!armed.compareAndSet(null, h)) throw new IllegalStateException("a hold is armed already");
        return h;
    }

    private void relay(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = x.getRequestBody().readAllBytes();
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(target + x.getRequestURI()))
                    .timeout(Duration.ofSeconds(60))
                    .method(x.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            String type = x.getRequestHeaders().getFirst("Content-Type");
            if (type != null) req.header("Content-Type", type);
            HttpResponse<byte[]> answer;
            try {
                answer = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            Hold h = armed.get();
            if (h != null && x.getRequestURI().getPath().endsWith("/" + h.op) && armed.compareAndSet(h, null)) {
                h.answered.countDown();
                try {
                    h.released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            answer.headers().firstValue("Content-Type").ifPresent(t -> x.getResponseHeaders().set("Content-Type", t));
            x.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            x.getResponseBody().write(answer.body());
        }
    }

    @Override
    public void close() {
        Hold h = armed.getAndSet(null);
        if (h != null) h.release();
        server.stop(0);
        workers.shutdownNow();
    }
}
