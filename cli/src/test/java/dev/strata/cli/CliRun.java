package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code strata} command as its own process, on this test's classpath. */
final class CliRun {
    private CliRun() {}

    /** Runs {@code strata ARGS}, which must exit 1 within 60 s; returns its output (stdout and stderr), written to DIR/out. */
    static String exits1(Path dir, String... args) throws Exception {
        Path out = dir.resolve("out");
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.strata.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "strata " + args[0] + " exits (it would run on if it started)");
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String output = Files.readString(out).trim();
        assertEquals(1, p.exitValue(), output);
        return output;
    }
}
