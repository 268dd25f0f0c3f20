package dev.strata.gateway;

import io.vertx.core.http.HttpServerRequest;

/** A routed /v2/ request: the repository name and the path's last segment (digest, reference, upload id). */
record ApiRequest(HttpServerRequest req, String name, String tail) {
}
