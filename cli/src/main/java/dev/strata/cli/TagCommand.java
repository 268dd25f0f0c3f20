package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code strata tag history NAME:TAG} and {@code strata tag restore NAME:TAG --digest D | --at TIME}:
 * a client of the registry's /strata/v1 tag-history API.
 */
final class TagCommand {
    static final String USAGE = """
            usage: strata tag history NAME:TAG [client options]
                   strata tag restore NAME:TAG (--digest DIGEST | --at TIME) [client options]
              TIME is an ISO-8601 instant (2026-11-29T10:00:00Z) or epoch milliseconds
            """ + RegistryClient.OPTIONS;

    private TagCommand() {}

    /** Runs the command; returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        return run(args, System.in, System.getenv(), out, err);
    }

    static int run(String[] args, java.io.InputStream in, java.util.Map<String, String> env, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
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
        java.util.List<String> rest = new java.util.ArrayList<>();
        RegistryClient client;
        try {
            client = RegistryClient.parse(args, 3, rest, in, env);
        } catch (IllegalArgumentException e) {
            err.println("strata tag: " + e.getMessage());
            return 2;
        }
        String digest = null;
        String at = null;
        for (int i = 0; i < rest.size(); i++) {
            if (i + 1 >= rest.size()) {
                err.println("strata tag: " + rest.get(i) + " needs a value");
                return 2;
            }
            switch (rest.get(i)) {
                case "--digest" -> digest = rest.get(++i);
                case "--at" -> at = rest.get(++i);
                default -> {
                    err.println("strata tag: unknown option " + rest.get(i));
                    err.print(USAGE);
                    return 2;
                }
            }
        }
        String base = "/strata/v1/repositories/" + name + "/tags/" + tag;
        HttpResponse<byte[]> resp;
        try {
            if (args[1].equals("history")) {
                resp = client.send("GET", base + "/history", Duration.ofSeconds(30));
            } else {
                if ((digest == null) == (at == null)) {
                    err.println("strata tag restore: give exactly one of --digest and --at");
                    return 2;
                }
                String q = digest != null ? "digest=" + enc(digest) : "at=" + enc(at);
                resp = client.send("POST", base + "/restore?" + q, Duration.ofSeconds(30));
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("strata tag: " + e.getMessage());
            return 1;
        }
        if (resp.statusCode() >= 300) {
            err.println("strata tag: " + RegistryClient.error(resp));
            return 1;
        }
        JsonNode body = Json.MAPPER.readTree(resp.body());
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
