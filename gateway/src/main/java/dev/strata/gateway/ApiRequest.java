package dev.strata.gateway;

import dev.strata.gateway.auth.Caller;
import io.vertx.core.http.HttpServerRequest;

/**
 * A routed /v2/ request: the repository name, the path's last segment (digest, reference, upload
 * id), and the authorised caller ({@link Caller#UNRESTRICTED} when auth is off).
 */
record ApiRequest(HttpServerRequest req, String name, String tail, Caller caller) {
}
