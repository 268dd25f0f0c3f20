package dev.strata.gateway;

import dev.strata.core.oci.Digest;
import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.ManifestService.TagChange;
import io.vertx.core.http.HttpMethod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strata's own API for the history of a tag (not part of the OCI spec):
 * {@code GET /strata/v1/repositories/<name>/tags/<tag>/history} lists every change, oldest first;
 * {@code POST .../tags/<tag>/restore?digest=D} or {@code ?at=TIME} points the tag back.
 */
final class TagHistoryHandler {
    static final int MAX_HISTORY = 10_000;
    private final Services s;

    TagHistoryHandler(Services s) {
        this.s = s;
    }

    void handle(ApiRequest r, String tag, String action) {
        Names.tag(tag);
        HttpMethod m = r.req().method();
        if (action.equals("history") && m == HttpMethod.GET) {
            int n = Http.pageSize(r.req(), MAX_HISTORY);
            s.blocking(() -> s.manifests().tagHistory(r.name(), tag, n)).onSuccess(list -> {
                List<Map<String, Object>> changes = new ArrayList<>();
                for (TagChange c : list) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("action", c.digest() == null ? "delete" : "update");
                    e.put("digest", c.digest());
                    e.put("at", Instant.ofEpochMilli(c.at()).toString());
                    e.put("actor", c.actor());
                    changes.add(e);
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", r.name());
                body.put("tag", tag);
                body.put("history", changes);
                Http.json(r.req().response(), 200, "application/json", body);
            }).onFailure(t -> Http.fail(r.req(), t));
        } else if (action.equals("restore") && m == HttpMethod.POST) {
            String d = r.req().getParam("digest");
            String at = r.req().getParam("at");
            Digest digest = d == null ? null : Digest.parse(d);
            Long when = at == null ? null : parseTime(at);
            if (digest == null && when == null) throw OciError.MANIFEST_INVALID.exception("restore needs ?digest= or ?at=");
            s.blocking(() -> s.manifests().restoreTag(r.name(), tag, digest, when, Http.actor(r.req(), r.caller()))).onSuccess(restored -> {
                r.req().response().putHeader(Http.CONTENT_DIGEST, restored.toString());
                Http.json(r.req().response(), 201, "application/json", Map.of("name", r.name(), "tag", tag, "digest", restored.toString()));
            }).onFailure(t -> Http.fail(r.req(), t));
        } else {
            throw OciError.UNSUPPORTED.exception(m + " " + action + " is not supported");
        }
        r.req().resume();
    }

    /** An ISO-8601 instant (2026-11-29T10:00:00Z) or epoch milliseconds. */
    static long parseTime(String s) {
        try {
            if (s.chars().allMatch(Character::isDigit) && s.length() <= 15) return Long.parseLong(s);
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw OciError.MANIFEST_INVALID.exception("at must be an ISO-8601 instant like 2026-11-29T10:00:00Z or epoch milliseconds");
        }
    }
}
