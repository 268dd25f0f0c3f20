package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListingApiTest {
    private final Api api = TestRegistry.api();

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void tagsAreListedInLexicalOrderWithPagination() {
        String repo = Api.uniqueRepo("listing/tags");
        byte[] body = api.pushImage(repo, "b", 1);
        for (String t : new String[] {"a", "C", "a-1", "z", "a_2"}) {
            assertEquals(201, api.putManifest(repo, t, Api.OCI_MANIFEST, body).statusCode());
        }
        List<String> all = List.of("C", "a", "a-1", "a_2", "b", "z");
        HttpResponse<byte[]> r = api.get("/v2/" + repo + "/tags/list");
        assertEquals(200, r.statusCode());
        assertEquals(repo, Api.json(r).path("name").asText());
        assertEquals(all, strings(Api.json(r).path("tags")));
        assertNull(header(r, "Link"));

        r = api.get("/v2/" + repo + "/tags/list?n=2");
        assertEquals(List.of("C", "a"), strings(Api.json(r).path("tags")));
        assertEquals("</v2/" + repo + "/tags/list?n=2&last=a>; rel=\"next\"", header(r, "Link"));

        r = api.get("/v2/" + repo + "/tags/list?n=2&last=a");
        assertEquals(List.of("a-1", "a_2"), strings(Api.json(r).path("tags")));
        r = api.get("/v2/" + repo + "/tags/list?n=10&last=b");
        assertEquals(List.of("z"), strings(Api.json(r).path("tags")));
        assertNull(header(r, "Link"));

        r = api.get("/v2/" + repo + "/tags/list?n=0");
        assertEquals(200, r.statusCode());
        assertEquals(0, Api.json(r).path("tags").size());

        // following Link headers visits every tag once
        List<String> walked = new ArrayList<>();
        String next = "/v2/" + repo + "/tags/list?n=4";
        while (next != null) {
            HttpResponse<byte[]> page = api.get(next);
            walked.addAll(strings(Api.json(page).path("tags")));
            String link = header(page, "Link");
            next = link == null ? null : link.substring(1, link.indexOf('>'));
        }
        assertEquals(all, walked);
    }

    @Test
    void tagsOfUnknownRepositoryIsNameUnknown() {
        assertError(api.get("/v2/" + Api.uniqueRepo("listing/none") + "/tags/list"), 404, "NAME_UNKNOWN");
    }

    @Test
    void invalidPageSizes() {
        String repo = Api.uniqueRepo("listing/n");
        api.pushImage(repo, "x", 1);
        assertError(api.get("/v2/" + repo + "/tags/list?n=-1"), 400, "PAGINATION_NUMBER_INVALID");
        assertError(api.get("/v2/" + repo + "/tags/list?n=abc"), 400, "PAGINATION_NUMBER_INVALID");
        assertError(api.get("/v2/_catalog?n=99999999999999"), 400, "PAGINATION_NUMBER_INVALID");
    }

    @Test
    void catalogIsPaginatedInLexicalOrder() {
        String prefix = Api.uniqueRepo("listing/catalog");
        List<String> repos = List.of(prefix + "/a", prefix + "/b", prefix + "/c");
        for (String r : repos) api.pushBlob(r, Api.random(10));
        List<String> seen = new ArrayList<>();
        String next = "/v2/_catalog?n=2";
        int pages = 0;
        while (next != null && pages++ < 10_000) {
            HttpResponse<byte[]> page = api.get(next);
            assertEquals(200, page.statusCode());
            List<String> names = strings(Api.json(page).path("repositories"));
            assertTrue(names.size() <= 2);
            seen.addAll(names);
            String link = header(page, "Link");
            next = link == null ? null : link.substring(1, link.indexOf('>'));
        }
        List<String> sorted = new ArrayList<>(seen);
        sorted.sort(String::compareTo);
        assertEquals(sorted, seen, "lexical order across pages");
        assertTrue(seen.containsAll(repos));
        HttpResponse<byte[]> r = api.get("/v2/_catalog?n=1&last=" + prefix + "/a");
        assertEquals(List.of(prefix + "/b"), strings(Api.json(r).path("repositories")));
    }
}
