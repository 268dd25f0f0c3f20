package dev.strata.gateway;

import dev.strata.core.oci.Digest;
import dev.strata.core.oci.MediaTypes;
import dev.strata.core.oci.OciError;
import io.vertx.core.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;: an image index of the manifests whose subject is the digest,
 * optionally filtered by ?artifactType= (then OCI-Filters-Applied says so). Never 404 for a valid
 * digest: an unknown subject or repository has an empty list.
 */
final class ReferrersHandler {
    private final Services s;

    ReferrersHandler(Services s) {
        this.s = s;
    }

    void handle(ApiRequest r) {
        if (r.req().method() != HttpMethod.GET && r.req().method() != HttpMethod.HEAD) throw OciError.UNSUPPORTED.exception("referrers are read-only");
        Digest subject = Digest.parse(r.tail());
        String artifactType = r.req().getParam("artifactType");
        if (artifactType != null && (artifactType.isEmpty() || artifactType.length() > 255)) artifactType = null;
        String filter = artifactType;
        s.blocking(() -> s.manifests().referrers(r.name(), subject, filter)).onSuccess(list -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("schemaVersion", 2);
            body.put("mediaType", MediaTypes.OCI_INDEX);
            body.put("manifests", list);
            if (filter != null) r.req().response().putHeader("OCI-Filters-Applied", "artifactType");
            Http.json(r.req().response(), 200, MediaTypes.OCI_INDEX, body);
        }).onFailure(t -> Http.fail(r.req(), t));
    }
}
