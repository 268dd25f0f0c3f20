package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's lock, within one JVM and against another process. */
class DataLockTest {
    @TempDir
    Path dir;

    @Test
    void aHeldDirectoryNamesItsOwnerAndIsFreeAgainAfterClose() throws Exception {
        long pid = ProcessHandle.current().pid();
        try (DataLock lock = DataLock.acquire(dir, "strata serve")) {
            assertEquals("pid " + pid + " (strata serve)", Files.readString(dir.resolve(".lock")).trim());
            DataLock.InUse e = assertThrows(DataLock.InUse.class, () -> DataLock.acquire(dir, "strata replay"));
            assertEquals("data directory " + dir + " is in use by pid " + pid + " (strata serve); one process at a time owns a data directory",
                    e.getMessage());
            assertNull(DataLock.tryAcquire(dir.resolve(".").resolve("..").resolve(dir.getFileName()), "strata fsck"), "the same directory by another path");
        }
        try (DataLock again = DataLock.acquire(dir, "strata fsck")) {
            assertEquals("pid " + pid + " (strata fsck)", DataLock.owner(dir));
        }
    }

    /** A second try in this JVM must not drop the lock the first holds (closing any channel on the file would). */
    @Test
    void anotherProcessFindsTheDirectoryHeldAfterAFailedSecondTryHere() throws Exception {
        try (DataLock lock = DataLock.acquire(dir, "strata serve")) {
            assertNull(DataLock.tryAcquire(dir, "strata replay"));
            Path out = dir.resolve("kafka.out");
            Process p = new ProcessBuilder(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.strata.cli.Main", "kafka", "--data", dir.toString()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            try {
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "strata kafka exits (it would start a broker if it got the lock)");
            } finally {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(1, p.exitValue(), Files.readString(out));
            assertEquals("strata kafka: cannot start: data directory " + dir + " is in use by pid " + ProcessHandle.current().pid()
                    + " (strata serve); one process at a time owns a data directory", Files.readString(out).trim());
            assertTrue(!Files.exists(dir.resolve("ports.properties")), "nothing written");
        }
    }
}
