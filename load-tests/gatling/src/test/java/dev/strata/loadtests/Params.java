package dev.strata.loadtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulation parameters, from system properties ({@code -Dname=value}) with defaults. Every value
 * is checked at start-up: a typo fails the run before any request is sent.
 */
final class Params {
    /** Registry base URL, e.g. http://127.0.0.1:5000 (no trailing slash). */
    final String baseUrl = text("baseUrl", "http://127.0.0.1:5000").replaceAll("/+$", "");
    /** Concurrent virtual users per scenario. */
    final int users = integer("users", 4, 1, 10_000);
    /** How long each scenario keeps its users busy. */
    final Duration duration = Duration.ofSeconds(integer("duration", 30, 1, 86_400));
    /** Layer sizes in MiB the push scenarios cycle through (1..128). */
    final List<Integer> layerMiB = sizes(text("layerMiB", "1,8,32,128"));
    /** Layers per pushed image. */
    final int layers = integer("layers", 2, 1, 64);
    /** PATCH size of the chunked push in MiB (at least the registry's OCI-Chunk-Min-Length). */
    final int chunkMiB = integer("chunkMiB", 4, 1, 64);
    /** Credentials for token auth (empty: anonymous). */
    final String username = text("username", "");
    final String password = text("password", "");
    /** Repository prefix, unique per run so that runs do not see each other's blobs. */
    final String prefix = text("repoPrefix", "gatling/r" + Long.toString(System.currentTimeMillis(), 36));
    /** Assertion: 99th percentile response time of the light requests (manifest, HEAD, listing), in ms. */
    final int p99Ms = integer("p99Ms", 1000, 1, 600_000);
    /** Assertion: 99th percentile response time of blob transfers (layer PATCH/PUT/GET), in ms. */
    final int blobP99Ms = integer("blobP99Ms", 60_000, 1, 3_600_000);

    static String text(String name, String def) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    static int integer(String name, int def, int min, int max) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) return def;
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be an integer, got '" + v + "'");
        }
        if (n < min || n > max) throw new IllegalArgumentException("-D" + name + " must be " + min + ".." + max + ", got " + n);
        return n;
    }

    static List<Integer> sizes(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            int n;
            try {
                n = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-DlayerMiB must be a list of integers, got '" + csv + "'");
            }
            if (n < 1 || n > 128) throw new IllegalArgumentException("-DlayerMiB: sizes are 1..128 MiB, got " + n);
            out.add(n);
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "baseUrl=" + baseUrl + " users=" + users + " duration=" + duration.getSeconds() + "s layerMiB=" + layerMiB
                + " layers=" + layers + " chunkMiB=" + chunkMiB + " auth=" + (username.isEmpty() ? "none" : username)
                + " repoPrefix=" + prefix + " p99Ms=" + p99Ms + " blobP99Ms=" + blobP99Ms;
    }
}
