package dev.strata.gateway;

import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import io.vertx.core.http.HttpMethod;
import dev.strata.gateway.auth.Scope;
import java.util.List;
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
            List<String> visible = page.items();
            if (s.authority() != null) {
                // only what the caller may pull; a page may come out shorter than n, the Link still leads on
                String who = r.caller().subject();
                visible = visible.stream().filter(repo -> s.authority().permits(who, repo, Scope.PULL)).toList();
            }
            Http.json(r.req().response(), 200, "application/json", Map.of("repositories", visible));
        }).onFailure(t -> Http.fail(r.req(), t));
    }
}
