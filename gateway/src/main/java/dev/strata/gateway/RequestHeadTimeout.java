package dev.strata.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a connection that does not deliver a complete request head (request line and headers)
 * within a time limit of opening, or of its previous response: the slowloris defence. While a
 * request is in progress its connection is only subject to the idle timeout. Each connection's
 * state is touched on its own event loop only.
 */
final class RequestHeadTimeout {
    private final Vertx vertx;
    private final long millis;
    private final ConcurrentHashMap<HttpConnection, State> states = new ConcurrentHashMap<>();

    RequestHeadTimeout(Vertx vertx, int seconds) {
        this.vertx = vertx;
        this.millis = seconds * 1000L;
    }

    void connected(HttpConnection conn) {
        State s = new State(conn);
        states.put(conn, s);
        conn.closeHandler(v -> {
            states.remove(conn);
            s.cancel();
        });
        s.arm();
    }

    /** A request head arrived: stops the clock until the returned (idempotent) callback says the response is over. */
    Runnable requestStarted(HttpServerRequest req) {
        State s = states.get(req.connection());
        if (s == null) return () -> { };
        s.active++;
        s.cancel();
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true) && --s.active == 0) s.arm();
        };
    }

    private final class State {
        private final HttpConnection conn;
        private int active;
        private long timer = -1;

        State(HttpConnection conn) {
            this.conn = conn;
        }

        void arm() {
            cancel();
            timer = vertx.setTimer(millis, id -> {
                timer = -1;
                if (active == 0) conn.close();
            });
        }

        void cancel() {
            if (timer >= 0) vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
