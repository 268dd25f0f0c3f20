package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class BaseApiTest {
    private final Api api = TestRegistry.api();

    @Test
    void versionCheckAnswers200WithApiVersionHeader() {
        HttpResponse<byte[]> r = api.get("/v2/");
        assertEquals(200, r.statusCode());
        assertEquals("registry/2.0", header(r, "Docker-Distribution-API-Version"));
        assertEquals("{}", new String(r.body()));
    }

    @Test
    void unknownEndpointIs404WithSpecErrorBody() {
        assertError(api.get("/v2/foo/bar"), 404, "UNSUPPORTED");
        assertError(api.get("/nothing-here"), 404, "UNSUPPORTED");
    }

    @Test
    void unsupportedMethodIs405() {
        assertError(api.send("POST", "/v2/", new byte[0]), 405, "UNSUPPORTED");
        assertError(api.send("PATCH", "/v2/x/manifests/latest", new byte[] {1}), 405, "UNSUPPORTED");
    }
}
