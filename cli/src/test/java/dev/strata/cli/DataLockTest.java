package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
            assertEquals("strata kafka: cannot start: data directory " + dir + " is in use by pid " + ProcessHandle.current().pid()
                    + " (strata serve); one process at a time owns a data directory", strata("kafka", "--data", dir.toString()));
            assertEquals(List.of(".lock"), files(), "nothing written");
        }
    }

    /** A tool (replay, fsck) that started the embedded broker holds the lock: a serve started meanwhile stops at once. */
    @Test
    void aServeStartedWhileAToolOwnsTheDirectoryStopsAtOnce() throws Exception {
        try (DataLock lock = DataLock.acquire(dir, "strata replay")) {
            assertEquals("strata serve: cannot start: data directory " + dir + " is in use by pid " + ProcessHandle.current().pid()
                    + " (strata replay); one process at a time owns a data directory",
                    strata("serve", "--addr", "127.0.0.1:0", "--data", dir.toString()));
            assertEquals(List.of(".lock"), files(), "nothing written");
        }
    }

    private List<String> files() throws Exception {
        try (var list = Files.list(dir)) {
            return list.map(f -> f.getFileName().toString()).filter(n -> !n.equals("out")).sorted().toList();
        }
    }

    private String strata(String... args) throws Exception {
        return CliRun.exits1(dir, args);
    }
}
