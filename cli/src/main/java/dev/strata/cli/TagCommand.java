package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code strata tag history NAME:TAG} and {@code strata tag restore NAME:TAG --digest D | --at TIME}:
 * a client of the registry's /strata/v1 tag-history API.
 */
final class TagCommand {
    static final String USAGE = """
            usage: strata tag history NAME:TAG [--registry HOST:PORT]
                   strata tag restore NAME:TAG (--digest DIGEST | --at TIME) [--registry HOST:PORT]
              TIME is an ISO-8601 instant (2026-11-29T10:00:00Z); --registry defaults to 127.0.0.1:5000
            """;

    private TagCommand() {}

    /** Runs the command; returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        if (args.length < 3 || !(args[1].equals("history") || args[1].equals("restore"))) {
            err.print(USAGE);
            return 2;
        }
        String ref = args[2];
        int colon = ref.lastIndexOf(':');
        if (colon <= 0 || colon == ref.length() - 1 || ref.indexOf('/', colon) >= 0) {
            err.println("strata tag: expected NAME:TAG, got " + ref);
            return 2;
        }
        String name = ref.substring(0, colon);
        String tag = ref.substring(colon + 1);
        String registry = "127.0.0.1:5000";
        String digest = null;
        String at = null;
        for (int i = 3; i < args.length; i++) {
            if (i + 1 >= args.length) {
                err.println("strata tag: " + args[i] + " needs a value");
                return 2;
            }
            switch (args[i]) {
                case "--registry" -> registry = args[++i];
                case "--digest" -> digest = args[++i];
                case "--at" -> at = args[++i];
                default -> {
                    err.println("strata tag: unknown option " + args[i]);
                    err.print(USAGE);
                    return 2;
                }
            }
        }
        String base = "http://" + registry + "/strata/v1/repositories/" + name + "/tags/" + tag;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest req;
        if (args[1].equals("history")) {
            req = HttpRequest.newBuilder(URI.create(base + "/history")).timeout(Duration.ofSeconds(30)).GET().build();
        } else {
            if ((digest == null) == (at == null)) {
                err.println("strata tag restore: give exactly one of --digest and --at");
                return 2;
            }
            String q = digest != null ? "digest=" + enc(digest) : "at=" + enc(at);
            req = HttpRequest.newBuilder(URI.create(base + "/restore?" + q)).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
        }
        HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = Json.MAPPER.readTree(resp.body());
        if (resp.statusCode() >= 300) {
            err.println("strata tag: " + resp.statusCode() + " " + body.path("errors").path(0).path("code").asText()
                    + ": " + body.path("errors").path(0).path("message").asText());
            return 1;
        }
        if (args[1].equals("history")) {
            out.printf("%-24s  %-7s  %-71s  %s%n", "TIME", "ACTION", "DIGEST", "ACTOR");
            for (JsonNode c : body.path("history")) {
                out.printf("%-24s  %-7s  %-71s  %s%n", c.path("at").asText(), c.path("action").asText(),
                        c.hasNonNull("digest") ? c.path("digest").asText() : "-", c.path("actor").asText("-"));
            }
        } else {
            out.println(name + ":" + tag + " -> " + body.path("digest").asText());
        }
        return 0;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
