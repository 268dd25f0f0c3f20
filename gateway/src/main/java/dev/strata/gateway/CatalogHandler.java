package dev.strata.gateway;

import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import io.vertx.core.http.HttpMethod;
import java.util.Map;

/** GET /v2/_catalog, paginated like the tags list. */
final class CatalogHandler {
    private final Services s;

    CatalogHandler(Services s) {
        this.s = s;
    }

    void handle(ApiRequest r) {
        if (r.req().method() != HttpMethod.GET && r.req().method() != HttpMethod.HEAD) throw OciError.UNSUPPORTED.exception("the catalog is read-only");
        int n = Http.pageSize(r.req(), s.config().maxPageSize());
        String last = r.req().getParam("last");
        if (last != null && !last.isEmpty()) Names.repository(last);
        else last = null;
        String from = last;
        s.blocking(() -> s.manifests().catalog(from, n)).onSuccess(page -> {
            TagsHandler.link(r, "/v2/_catalog", page, n);
            Http.json(r.req().response(), 200, "application/json", Map.of("repositories", page.items()));
        }).onFailure(t -> Http.fail(r.req(), t));
    }
}
