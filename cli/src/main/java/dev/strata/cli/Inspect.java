package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code strata inspect NAME:REF [--history|--ls PATH|--cat PATH|--diff REF]}: a client of the
 * inspector API (/strata/v1/) of a running registry.
 */
public final class Inspect {
    static final String USAGE = """
            usage: strata inspect NAME:TAG|NAME@DIGEST [--history | --ls PATH | --cat PATH | --diff REF]
                                  [--platform OS/ARCH[/VARIANT]] [--registry HOST:PORT] [--json]
              --history   the layers: instruction, sizes, files added/changed/deleted (the default)
              --ls PATH   the merged directory listing at PATH, with the layer each entry comes from
              --cat PATH  the file's bytes, from the layer that wins, to stdout
              --diff REF  files added, removed and changed from REF (a tag or digest of NAME) to this image
              --platform  picks the image of a multi-arch index, e.g. linux/arm64
              --registry  where the registry listens (default 127.0.0.1:5000)
              --json      print the API's JSON instead of a table
            """;

    private Inspect() {}

    /** Runs the command; returns the exit code (0 ok, 1 request failed, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String image = null;
        String registry = "127.0.0.1:5000";
        String platform = null;
        String action = "history";
        String arg = null;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean hasValue = i + 1 < args.length;
            if (a.equals("-h") || a.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else if (a.equals("--history")) {
                action = "history";
            } else if ((a.equals("--ls") || a.equals("--cat") || a.equals("--diff")) && hasValue) {
                action = a.substring(2);
                arg = args[++i];
            } else if (a.equals("--platform") && hasValue) {
                platform = args[++i];
            } else if (a.equals("--registry") && hasValue) {
                registry = args[++i];
            } else if (a.equals("--json")) {
                json = true;
            } else if (!a.startsWith("-") && image == null) {
                image = a;
            } else {
                err.println("strata inspect: unknown or incomplete option '" + a + "'");
                err.print(USAGE);
                return 2;
            }
        }
        if (image == null) {
            err.print(USAGE);
            return 2;
        }
        int at = image.indexOf('@');
        int colon = image.lastIndexOf(':');
        String name;
        String ref;
        if (at > 0) {
            name = image.substring(0, at);
            ref = image.substring(at + 1);
        } else if (colon > image.lastIndexOf('/')) {
            name = image.substring(0, colon);
            ref = image.substring(colon + 1);
        } else {
            name = image;
            ref = "latest";
        }
        StringBuilder url = new StringBuilder("http://").append(registry).append("/strata/v1/repositories/").append(name)
                .append("/manifests/").append(ref).append('/');
        String query = platform == null ? "" : "platform=" + enc(platform);
        switch (action) {
            case "ls": url.append("fs"); query = join(query, "path=" + enc(arg)); break;
            case "cat": url.append("fs/file"); query = join(query, "path=" + enc(arg)); break;
            case "diff": url.append("diff"); query = join(query, "from=" + enc(arg)); break;
            default: url.append("history");
        }
        if (!query.isEmpty()) url.append('?').append(query);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofMinutes(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = r.body()) {
                if (r.statusCode() != 200) {
                    err.println("strata inspect: " + r.statusCode() + " " + errorMessage(body.readNBytes(1 << 20)));
                    return 1;
                }
                if (action.equals("cat")) {
                    body.transferTo(out);
                    out.flush();
                    return 0;
                }
                JsonNode n = Json.MAPPER.readTree(body.readNBytes(256 << 20));
                if (json) out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
                else if (action.equals("ls")) printListing(n, out);
                else if (action.equals("diff")) printDiff(n, out);
                else printHistory(n, out);
                return 0;
            }
        } catch (IOException e) {
            err.println("strata inspect: cannot reach " + registry + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static String join(String a, String b) { return a.isEmpty() ? b : a + "&" + b; }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private static String errorMessage(byte[] body) {
        try {
            JsonNode e = Json.MAPPER.readTree(body).path("errors").path(0);
            return e.path("code").asText() + ": " + e.path("message").asText();
        } catch (IOException | RuntimeException ex) {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static void printHistory(JsonNode h, PrintStream out) {
        out.println("image " + h.path("digest").asText() + (h.hasNonNull("platform") ? " (" + h.path("platform").asText() + ")" : ""));
        out.printf("%-4s %-19s %10s %12s %7s %7s %7s  %s%n", "#", "LAYER", "SIZE", "UNCOMPRESSED", "ADDED", "CHANGED", "DELETED", "CREATED BY");
        int i = 0;
        for (JsonNode s : h.path("steps")) {
            boolean empty = s.path("emptyLayer").asBoolean();
            out.printf("%-4d %-19s %10s %12s %7s %7s %7s  %s%n", i++,
                    empty ? "(empty layer)" : shortDigest(s.path("digest").asText()),
                    empty ? "" : s.path("compressedSize").asText(), empty ? "" : s.path("uncompressedSize").asText(),
                    empty ? "" : s.path("added").asText(), empty ? "" : s.path("changed").asText(), empty ? "" : s.path("deleted").asText(),
                    s.path("createdBy").asText(""));
            for (JsonNode e : s.path("errors")) out.println("     ! " + e.asText());
        }
    }

    static void printListing(JsonNode l, PrintStream out) {
        JsonNode entries = l.path("entries");
        if (entries.isEmpty() && !"dir".equals(l.path("dir").path("type").asText())) {
            out.println(line(l.path("dir")));
            return;
        }
        for (JsonNode e : entries) out.println(line(e));
        if (l.path("truncated").asBoolean()) out.println("... (truncated)");
    }

    private static String line(JsonNode e) {
        String link = e.hasNonNull("link") ? " -> " + e.path("link").asText() : "";
        return String.format("%s %5d:%-5d %12d %-19s %s%s", modeString(e.path("type").asText(), e.path("mode").asInt()),
                e.path("uid").asLong(), e.path("gid").asLong(), e.path("size").asLong(), shortDigest(e.path("layer").asText()),
                e.path("path").asText(), link);
    }

    static void printDiff(JsonNode d, PrintStream out) {
        for (JsonNode c : d.path("changes")) {
            String k = c.path("kind").asText();
            out.println((k.equals("added") ? "A " : k.equals("removed") ? "D " : "M ") + c.path("path").asText());
        }
        if (d.path("truncated").asBoolean()) out.println("... (truncated)");
        out.println(d.path("added").asInt() + " added, " + d.path("removed").asInt() + " removed, " + d.path("changed").asInt() + " changed");
    }

    static String modeString(String type, int mode) {
        char t = switchType(type);
        StringBuilder sb = new StringBuilder().append(t);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) sb.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        if ((mode & 04000) != 0) sb.setCharAt(3, sb.charAt(3) == 'x' ? 's' : 'S');
        if ((mode & 02000) != 0) sb.setCharAt(6, sb.charAt(6) == 'x' ? 's' : 'S');
        if ((mode & 01000) != 0) sb.setCharAt(9, sb.charAt(9) == 'x' ? 't' : 'T');
        return sb.toString();
    }

    private static char switchType(String type) {
        if (type.equals("dir")) return 'd';
        if (type.equals("symlink")) return 'l';
        if (type.equals("char")) return 'c';
        if (type.equals("block")) return 'b';
        if (type.equals("fifo")) return 'p';
        return '-';
    }

    private static String shortDigest(String d) {
        int colon = d.indexOf(':');
        return colon < 0 ? d : d.substring(0, Math.min(d.length(), colon + 13));
    }
}
