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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code strata quota set NAMESPACE SIZE | get NAMESPACE | remove NAMESPACE [--registry HOST:PORT]}. */
final class QuotaCommand {
    static final String USAGE = """
            usage: strata quota set NAMESPACE SIZE [--registry HOST:PORT]     SIZE like 50GiB, 500MB or 1048576
                   strata quota get NAMESPACE [--registry HOST:PORT]
                   strata quota remove NAMESPACE [--registry HOST:PORT]
            """;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?");

    private QuotaCommand() {}

    /** Parses 1048576, 512KiB, 50GiB, 3GB ...; IllegalArgumentException otherwise. */
    static long parseSize(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException("not a size: " + s + " (use e.g. 50GiB, 500MB or a number of bytes)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "TB" -> 1000L * 1000 * 1000 * 1000;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            default -> 1;
        };
        return Math.multiplyExact(n, factor);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        String registry = "127.0.0.1:5000";
        java.util.List<String> pos = new java.util.ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--registry") && i + 1 < args.length) registry = args[++i];
            else pos.add(args[i]);
        }
        if (pos.size() < 2 || !(pos.get(0).equals("set") && pos.size() == 3 || !pos.get(0).equals("set") && pos.size() == 2)) {
            err.print(USAGE);
            return 2;
        }
        String ns = pos.get(1);
        URI base = URI.create("http://" + registry + "/strata/v1/quotas/" + ns);
        HttpRequest.Builder b;
        switch (pos.get(0)) {
            case "set" -> {
                long bytes;
                try {
                    bytes = parseSize(pos.get(2));
                } catch (IllegalArgumentException | ArithmeticException e) {
                    err.println("strata quota: " + e.getMessage());
                    return 2;
                }
                b = HttpRequest.newBuilder(URI.create(base + "?bytes=" + bytes)).PUT(HttpRequest.BodyPublishers.noBody());
            }
            case "get" -> b = HttpRequest.newBuilder(base).GET();
            case "remove" -> b = HttpRequest.newBuilder(base).DELETE();
            default -> {
                err.print(USAGE);
                return 2;
            }
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<byte[]> resp = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = Json.MAPPER.readTree(resp.body());
        if (resp.statusCode() != 200) {
            err.println("strata quota: " + resp.statusCode() + " " + body.path("errors").path(0).path("message").asText());
            return 1;
        }
        out.printf("%s: quota %s, usage %d bytes%n", body.path("namespace").asText(),
                body.hasNonNull("quota") ? body.path("quota").asLong() + " bytes" : "none", body.path("usage").asLong());
        return 0;
    }
}
