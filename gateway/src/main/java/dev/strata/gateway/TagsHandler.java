package dev.strata.gateway;

import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.Page;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET /v2/&lt;name&gt;/tags/list with n and last pagination and a Link header to the next page. */
final class TagsHandler {
    private final Services s;

    TagsHandler(Services s) {
        this.s = s;
    }

    void handle(ApiRequest r) {
        if (r.req().method() != HttpMethod.GET && r.req().method() != HttpMethod.HEAD) throw OciError.UNSUPPORTED.exception("tags are read-only");
        int n = Http.pageSize(r.req(), s.config().maxPageSize());
        String last = r.req().getParam("last");
        if (last != null && !last.isEmpty()) Names.tag(last);
        else last = null;
        String from = last;
        s.blocking(() -> s.manifests().tags(r.name(), from, n)).onSuccess(page -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", r.name());
            body.put("tags", page.items());
            link(r, "/v2/" + r.name() + "/tags/list", page, n);
            Http.json(r.req().response(), 200, "application/json", body);
        }).onFailure(t -> Http.fail(r.req(), t));
    }

    /** Sets the Link header to the next page when there is one. */
    static void link(ApiRequest r, String path, Page page, int n) {
        if (page.more() && !page.items().isEmpty()) {
            String last = page.items().get(page.items().size() - 1);
            r.req().response().putHeader("Link", "<" + path + "?n=" + n + "&last="
                    + URLEncoder.encode(last, StandardCharsets.UTF_8) + ">; rel=\"next\"");
        }
    }
}
