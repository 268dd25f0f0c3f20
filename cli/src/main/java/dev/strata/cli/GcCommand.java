package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code strata gc [--dry-run] [client options]}: runs a GC pass on a running registry now. */
final class GcCommand {
    static final String USAGE = "usage: strata gc [--dry-run] [--registry HOST:PORT|URL] [--user NAME [--password-stdin]] [--ca-cert FILE]\n"
            + RegistryClient.OPTIONS;

    private GcCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        return run(args, System.in, System.getenv(), out, err);
    }

    static int run(String[] args, InputStream in, Map<String, String> env, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        List<String> rest = new ArrayList<>();
        RegistryClient client;
        try {
            client = RegistryClient.parse(args, 1, rest, in, env);
        } catch (IllegalArgumentException e) {
            err.println("strata gc: " + e.getMessage());
            return 2;
        }
        boolean dryRun = rest.remove("--dry-run");
        if (!rest.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        HttpResponse<byte[]> resp;
        try {
            resp = client.send("POST", "/strata/v1/gc" + (dryRun ? "?dry-run=true" : ""), Duration.ofMinutes(30));
        } catch (IOException e) {
            err.println("strata gc: " + e.getMessage());
            return 1;
        }
        if (resp.statusCode() != 200) {
            err.println("strata gc: " + RegistryClient.error(resp));
            return 1;
        }
        JsonNode body = Json.MAPPER.readTree(resp.body());
        for (JsonNode c : body.path("collected")) {
            String what = c.hasNonNull("chunkId") ? "chunk " + c.path("chunkId").asText()
                    : c.path("repository").isTextual() ? "manifest " + c.path("repository").asText() + "@" + c.path("digest").asText()
                    : "blob " + c.path("digest").asText();
            out.printf("%s  %12d bytes  %s%n", what, c.path("size").asLong(), c.path("reason").asText());
        }
        out.printf("%s %d manifests, %d blobs, %d orphan chunks, %d bytes%n", dryRun ? "would collect" : "collected",
                body.path("manifests").asLong(), body.path("blobs").asLong(), body.path("orphanChunks").asLong(), body.path("bytes").asLong());
        return 0;
    }
}
