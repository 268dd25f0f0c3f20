package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code serve} that cannot start says why in one line, exits 1, and prints no stack trace (operators first). */
class StartFailureTest {
    @TempDir
    Path dir;

    @Test
    void aServeWhosePortIsTakenSaysWhyInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String output = CliRun.exits1(dir, "serve", "--addr", "127.0.0.1:" + taken.getLocalPort(), "--data", dir.resolve("data").toString());
            List<String> reasons = output.lines().filter(l -> l.startsWith("strata serve: cannot start: ")).toList();
            assertEquals(1, reasons.size(), output);
            assertTrue(reasons.get(0).toLowerCase(java.util.Locale.ROOT).contains("address already in use"), reasons.get(0));
            assertTrue(output.lines().noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by:")), "no stack trace:\n" + output);
        }
    }
}
