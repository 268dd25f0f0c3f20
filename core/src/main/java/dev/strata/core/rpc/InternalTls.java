package dev.strata.core.rpc;

import dev.strata.core.util.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS of the internal hops (service APIs and storage nodes), from PEM files. YAML block {@code tls}:
 *
 * <pre>
 * tls:
 *   cert: node.crt   # this process's server certificate chain (leaf first); with key, its servers speak HTTPS
 *   key: node.key    # the certificate's private key (EC, PKCS#8 or SEC1)
 *   ca: ca.crt       # CA certificate(s) this process trusts when it calls https:// URLs
 * </pre>
 *
 * Contract: {@code cert} and {@code key} go together; an {@code https://} URL in a process's node or
 * service lists requires {@code ca} (no silent fallback to the JDK's public roots: internal
 * certificates come from a private CA). Clients verify the server's host name against the
 * certificate (the JDK HttpClient does so for https). Files are read once, at startup.
 */
public record InternalTls(Path cert, Path key, Path ca) {
    public InternalTls {
        if ((cert == null) != (key == null)) throw new IllegalArgumentException("tls.cert and tls.key go together");
        for (Path p : new Path[] {cert, key, ca}) {
            if (p != null && !Files.isReadable(p)) throw new IllegalArgumentException("tls file not readable: " + p);
        }
        if (cert != null) serverContext(cert, key); // validates the files now, not at the first request
        if (ca != null) clientContext(ca);
    }

    /** Whether this process serves HTTPS. */
    public boolean serves() {
        return cert != null;
    }

    /** The server's SSLContext, or null for plain HTTP. */
    public SSLContext server() {
        return cert == null ? null : serverContext(cert, key);
    }

    /** The clients' SSLContext (trusting {@code ca}), or null when no CA is configured. */
    public SSLContext client() {
        return ca == null ? null : clientContext(ca);
    }

    /** Checks that an https:// URL has a CA to verify it with. */
    public static void checkUrl(String key, String url, InternalTls tls) {
        if (url != null && url.startsWith("https://") && (tls == null || tls.ca() == null)) {
            throw new IllegalArgumentException(key + ": " + url + " is https but tls.ca is not set");
        }
    }

    /** An HTTP server on {@code addr}, HTTPS when {@code ssl} is not null (not started). */
    public static com.sun.net.httpserver.HttpServer bind(java.net.InetSocketAddress addr, int backlog, SSLContext ssl) throws java.io.IOException {
        if (ssl == null) return com.sun.net.httpserver.HttpServer.create(addr, backlog);
        com.sun.net.httpserver.HttpsServer s = com.sun.net.httpserver.HttpsServer.create(addr, backlog);
        s.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ssl));
        return s;
    }

    /** An HTTP/1.1 client builder trusting {@code ssl}'s CA when not null (host names verified by the JDK). */
    public static java.net.http.HttpClient.Builder client(SSLContext ssl) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1);
        return ssl == null ? b : b.sslContext(ssl);
    }

    /** Checks a base URL: http://HOST:PORT, or https://HOST:PORT when {@code ssl} (the clients' context) is set. */
    public static java.net.URI checkBase(String what, String url, SSLContext ssl) {
        java.net.URI u = java.net.URI.create(url);
        boolean https = "https".equals(u.getScheme());
        if (!(https || "http".equals(u.getScheme())) || u.getHost() == null || u.getPort() < 0) {
            throw new IllegalArgumentException(what + " URL must be http(s)://HOST:PORT, got " + url);
        }
        if (https && ssl == null) throw new IllegalArgumentException(what + " URL " + url + " is https but no tls.ca is configured");
        return u;
    }

    static SSLContext serverContext(Path cert, Path key) {
        try {
            List<X509Certificate> chain = Pem.readCertificates(cert);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", Pem.readKey(key).getPrivate(), new char[0], chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), null, new SecureRandom());
            return c;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot use tls.cert " + cert + " with tls.key " + key + ": " + e.getMessage(), e);
        }
    }

    static SSLContext clientContext(Path ca) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (X509Certificate c : Pem.readCertificates(ca)) ts.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, tmf.getTrustManagers(), new SecureRandom());
            return c;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot use tls.ca " + ca + ": " + e.getMessage(), e);
        }
    }
}
