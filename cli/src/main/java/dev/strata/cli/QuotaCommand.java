package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code strata quota set NAMESPACE SIZE | get NAMESPACE | remove NAMESPACE [client options]}. */
final class QuotaCommand {
    static final String USAGE = """
            usage: strata quota set NAMESPACE SIZE [client options]     SIZE like 50GiB, 500MB or 1048576
                   strata quota get NAMESPACE [client options]
                   strata quota remove NAMESPACE [client options]
            """ + RegistryClient.OPTIONS;
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
        return run(args, System.in, System.getenv(), out, err);
    }

    static int run(String[] args, java.io.InputStream in, java.util.Map<String, String> env, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        java.util.List<String> pos = new java.util.ArrayList<>();
        RegistryClient client;
        try {
            client = RegistryClient.parse(args, 1, pos, in, env);
        } catch (IllegalArgumentException e) {
            err.println("strata quota: " + e.getMessage());
            return 2;
        }
        if (pos.size() < 2 || !(pos.get(0).equals("set") && pos.size() == 3 || !pos.get(0).equals("set") && pos.size() == 2)) {
            err.print(USAGE);
            return 2;
        }
        String path = "/strata/v1/quotas/" + pos.get(1);
        String method;
        switch (pos.get(0)) {
            case "set" -> {
                long bytes;
                try {
                    bytes = parseSize(pos.get(2));
                } catch (IllegalArgumentException | ArithmeticException e) {
                    err.println("strata quota: " + e.getMessage());
                    return 2;
                }
                method = "PUT";
                path += "?bytes=" + bytes;
            }
            case "get" -> method = "GET";
            case "remove" -> method = "DELETE";
            default -> {
                err.print(USAGE);
                return 2;
            }
        }
        HttpResponse<byte[]> resp;
        try {
            resp = client.send(method, path, Duration.ofSeconds(30));
        } catch (IOException | IllegalArgumentException e) {
            err.println("strata quota: " + e.getMessage());
            return 1;
        }
        if (resp.statusCode() != 200) {
            err.println("strata quota: " + RegistryClient.error(resp));
            return 1;
        }
        JsonNode body = Json.MAPPER.readTree(resp.body());
        out.printf("%s: quota %s, usage %d bytes%n", body.path("namespace").asText(),
                body.hasNonNull("quota") ? body.path("quota").asLong() + " bytes" : "none", body.path("usage").asLong());
        return 0;
    }
}
