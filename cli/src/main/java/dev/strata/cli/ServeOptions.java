package dev.strata.cli;

import dev.strata.gateway.GatewayConfig;
import dev.strata.gateway.GatewayLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** The auth, TLS and limit flags of {@code strata serve}, applied to a {@link ServeConfig}. */
final class ServeOptions {
    static final Set<String> NAMES = Set.of("--auth", "--tls-cert", "--tls-key", "--idle-timeout", "--request-head-timeout",
            "--max-uploads-per-client", "--rate-limit", "--upload-session-lifetime");

    private ServeOptions() {}

    static ServeConfig apply(ServeConfig c, Map<String, String> o) {
        GatewayLimits l = c.limits();
        int idle = c.idleTimeoutSeconds();
        if (o.containsKey("--idle-timeout")) idle = number(o, "--idle-timeout");
        if (o.containsKey("--request-head-timeout")) l = l.withRequestHeadSeconds(number(o, "--request-head-timeout"));
        if (o.containsKey("--upload-session-lifetime")) l = l.withUploadSessionSeconds(number(o, "--upload-session-lifetime"));
        if (o.containsKey("--max-uploads-per-client")) l = l.withMaxUploadsPerClient(number(o, "--max-uploads-per-client"));
        if (o.containsKey("--rate-limit")) {
            String[] parts = o.get("--rate-limit").split(":", 2);
            try {
                l = l.withRate(Double.parseDouble(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : l.burstPerClient());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--rate-limit must be PER_SECOND[:BURST], got " + o.get("--rate-limit"));
            }
        }
        c = c.withLimits(l, idle);
        if (o.containsKey("--auth")) c = c.withAuth(Path.of(o.get("--auth")).toAbsolutePath());
        if (o.containsKey("--tls-cert") || o.containsKey("--tls-key")) {
            if (o.get("--tls-cert") == null || o.get("--tls-key") == null) throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            c = c.withTls(new GatewayConfig.Tls(Path.of(o.get("--tls-cert")), Path.of(o.get("--tls-key"))));
        }
        return c;
    }

    private static int number(Map<String, String> o, String name) {
        try {
            return Integer.parseInt(o.get(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got " + o.get(name));
        }
    }
}
