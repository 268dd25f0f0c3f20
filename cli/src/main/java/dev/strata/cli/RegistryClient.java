package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.util.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin commands' HTTP client for a running registry ({@code strata gc|quota|tag}). With auth
 * on, it follows the Docker token flow: a 401 with {@code WWW-Authenticate: Bearer realm,service,scope}
 * makes it ask the realm for a token with the user's credentials (HTTP Basic), then retry with
 * {@code Authorization: Bearer}. Passwords (or robot secrets) come from standard input or an
 * environment variable, never from the command line.
 */
final class RegistryClient {
    /** The options every admin command takes. */
    static final String OPTIONS = """
              --registry HOST:PORT|URL   the registry (default 127.0.0.1:5000; https://HOST:PORT for TLS)
              --user NAME                log in as NAME (a user or robot account) when the registry asks for a token
              --password-stdin           read the password (or robot secret) from the first line of stdin;
                                         otherwise it comes from the environment variable STRATA_PASSWORD
              --ca-cert FILE             trust this PEM CA certificate for https (e.g. certs/ca.crt of strata cert)
            """;
    static final String PASSWORD_ENV = "STRATA_PASSWORD";
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final URI base;
    private final HttpClient http;
    private final String user;
    private final String password;
    private final Map<String, String> tokens = new HashMap<>();

    private RegistryClient(URI base, HttpClient http, String user, String password) {
        this.base = base;
        this.http = http;
        this.user = user;
        this.password = password;
    }

    /**
     * Takes the client options out of {@code args} (from index {@code from}) and builds the client;
     * the other arguments are returned in {@code rest}. IllegalArgumentException on bad options.
     */
    static RegistryClient parse(String[] args, int from, List<String> rest, InputStream stdin, Map<String, String> env) throws IOException {
        String registry = "127.0.0.1:5000";
        String user = null;
        boolean passwordStdin = false;
        Path ca = null;
        for (int i = from; i < args.length; i++) {
            switch (args[i]) {
                case "--registry" -> registry = value(args, ++i, "--registry");
                case "--user" -> user = value(args, ++i, "--user");
                case "--password-stdin" -> passwordStdin = true;
                case "--ca-cert" -> ca = Path.of(value(args, ++i, "--ca-cert"));
                default -> rest.add(args[i]);
            }
        }
        String password = null;
        if (passwordStdin) {
            if (user == null) throw new IllegalArgumentException("--password-stdin needs --user");
            password = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
            if (password == null || password.isEmpty()) throw new IllegalArgumentException("no password on standard input");
        } else if (user != null) {
            password = env.get(PASSWORD_ENV);
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("--user needs a password: --password-stdin, or the environment variable " + PASSWORD_ENV);
            }
        }
        URI base = URI.create(registry.contains("://") ? registry : "http://" + registry);
        if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null) {
            throw new IllegalArgumentException("--registry must be HOST:PORT or an http(s) URL, got " + registry);
        }
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (ca != null) b.sslContext(trusting(ca));
        return new RegistryClient(base, b.build(), user, password);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    /** An SSL context that trusts only the given PEM CA certificate(s). */
    private static javax.net.ssl.SSLContext trusting(Path ca) throws IOException {
        try (InputStream in = Files.newInputStream(ca)) {
            var ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (var cert : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + n++, cert);
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("--ca-cert " + ca + ": " + e.getMessage(), e);
        }
    }

    /** Sends {@code method pathAndQuery} (no body); on a Bearer challenge logs in and retries once. */
    HttpResponse<byte[]> send(String method, String pathAndQuery, Duration timeout) throws IOException, InterruptedException {
        URI uri = base.resolve(pathAndQuery);
        HttpResponse<byte[]> r = http.send(request(method, uri, timeout, tokens.get(key(uri, method))), HttpResponse.BodyHandlers.ofByteArray());
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        if (r.statusCode() != 401 || !challenge.regionMatches(true, 0, "Bearer ", 0, 7)) return r;
        String token = login(challenge);
        tokens.put(key(uri, method), token);
        return http.send(request(method, uri, timeout, token), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String key(URI uri, String method) {
        return method + " " + uri.getPath();
    }

    private static HttpRequest request(String method, URI uri, Duration timeout, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b.build();
    }

    /** Asks the challenge's realm for a token for its service and scope, with the user's credentials. */
    private String login(String challenge) throws IOException, InterruptedException {
        Map<String, String> p = new HashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) p.put(m.group(1), m.group(2));
        String realm = p.get("realm");
        if (realm == null) throw new IOException("the registry's challenge names no token realm");
        List<String> q = new ArrayList<>();
        if (p.containsKey("service")) q.add("service=" + enc(p.get("service")));
        if (p.containsKey("scope")) q.add("scope=" + enc(p.get("scope")));
        URI uri = URI.create(realm + (q.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + String.join("&", q)));
        if (!uri.getScheme().equals(base.getScheme()) && uri.getScheme().equals("http") && user != null) {
            throw new IOException("refusing to send credentials to a plain-http realm " + realm + " of an https registry");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = Json.MAPPER.readTree(r.body());
        if (r.statusCode() != 200) {
            throw new IOException("login " + (user == null ? "(anonymous)" : "as " + user) + " failed: " + r.statusCode() + " "
                    + body.path("errors").path(0).path("message").asText(body.path("error_description").asText()));
        }
        String token = body.path("token").asText(body.path("access_token").asText(null));
        if (token == null) throw new IOException("the token endpoint answered no token");
        return token;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The message of an error response: the OCI error's code and message. */
    static String error(HttpResponse<byte[]> r) {
        try {
            JsonNode e = Json.MAPPER.readTree(r.body()).path("errors").path(0);
            return r.statusCode() + " " + e.path("code").asText() + ": " + e.path("message").asText();
        } catch (IOException | RuntimeException x) {
            return String.valueOf(r.statusCode());
        }
    }
}
