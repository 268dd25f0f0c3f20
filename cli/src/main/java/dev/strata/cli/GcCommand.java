package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** {@code strata gc [--dry-run] [--registry HOST:PORT]}: runs a GC pass on a running registry now. */
final class GcCommand {
    static final String USAGE = "usage: strata gc [--dry-run] [--registry HOST:PORT]\n";

    private GcCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        boolean dryRun = false;
        String registry = "127.0.0.1:5000";
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--dry-run")) dryRun = true;
            else if (args[i].equals("--registry") && i + 1 < args.length) registry = args[++i];
            else {
                err.print(USAGE);
                return 2;
            }
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/strata/v1/gc" + (dryRun ? "?dry-run=true" : "")))
                .timeout(Duration.ofMinutes(30)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = Json.MAPPER.readTree(resp.body());
        if (resp.statusCode() != 200) {
            err.println("strata gc: " + resp.statusCode() + " " + body.path("errors").path(0).path("message").asText());
            return 1;
        }
        for (JsonNode c : body.path("collected")) {
            out.printf("%s  %12d bytes  %s%n", c.path("digest").asText(), c.path("size").asLong(), c.path("reason").asText());
        }
        out.printf("%s %d blobs, %d bytes%n", dryRun ? "would collect" : "collected", body.path("blobs").asLong(), body.path("bytes").asLong());
        return 0;
    }
}
