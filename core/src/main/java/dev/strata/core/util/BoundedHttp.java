package dev.strata.core.util;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A JDK {@link HttpClient} exchange bounded as a whole. {@link HttpRequest#timeout} covers only the
 * wait for the response headers: a body that stops arriving, or an exchange the client loses track
 * of (seen here under load: worker threads parked in {@code HttpClient.send} for minutes with no
 * connection open), would block the caller forever. This waits at most {@code bound} for the
 * complete response and cancels the exchange after that.
 */
public final class BoundedHttp {
    private BoundedHttp() {}

    /** The response, or an {@link IOException} (an {@link HttpTimeoutException} once {@code bound} has passed). */
    public static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler, Duration bound)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<T>> f = client.sendAsync(request, handler);
        try {
            return f.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new HttpTimeoutException(request.method() + " " + request.uri() + ": no complete response within " + bound.toMillis() + " ms");
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            throw new IOException(c);
        }
    }
}
