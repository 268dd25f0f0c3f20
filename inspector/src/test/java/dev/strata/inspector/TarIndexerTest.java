package dev.strata.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TarIndexerTest {
    static final InspectorConfig CONFIG = new InspectorConfig(1 << 20, 1000, 64 << 10, 4096, 64L << 20, 100_000, 1000, 1 << 20, 4);

    static LayerIndex index(byte[] blob) {
        return TarIndexer.index(new ByteArrayInputStream(blob), CONFIG);
    }

    static Map<String, LayerEntry> byPath(LayerIndex idx) {
        return idx.entries().stream().collect(Collectors.toMap(LayerEntry::path, Function.identity(), (a, b) -> b));
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static TarBuilder sample() {
        return new TarBuilder()
                .dir("./", 0755)
                .dir("./etc/", 0755)
                .file("./etc/os-release", 0644, "NAME=strata\n".getBytes(StandardCharsets.UTF_8))
                .entry("bin/tool", '0', 04755, 1000, 100, "", new byte[700])
                .symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
                .hardlink("bin/tool2", "./bin/tool")
                .entry("dev/null", '3', 0666, 0, 0, "", new byte[0])
                .whiteout("etc", "gone.conf")
                .opaque("var/cache");
    }

    @Test
    void recordsEveryFieldOfEveryEntryTypeTheSameForPlainGzipAndZstd() throws Exception {
        TarBuilder t = sample();
        for (byte[] blob : List.of(t.tar(), t.gzip(), t.zstd())) {
            LayerIndex idx = index(blob);
            assertEquals(List.of(), idx.errors());
            assertEquals(t.tar().length, idx.uncompressedSize());
            Map<String, LayerEntry> e = byPath(idx);
            assertEquals(8, idx.entries().size(), "the root entry ./ is not recorded: " + idx.entries());
            LayerEntry os = e.get("/etc/os-release");
            assertEquals(LayerEntry.FILE, os.type());
            assertEquals(12, os.size());
            assertEquals(0644, os.mode());
            assertEquals(sha256("NAME=strata\n".getBytes(StandardCharsets.UTF_8)), os.digest());
            LayerEntry tool = e.get("/bin/tool");
            assertEquals(04755, tool.mode());
            assertEquals(1000, tool.uid());
            assertEquals(100, tool.gid());
            assertEquals(700, tool.size());
            assertEquals(LayerEntry.DIR, e.get("/etc").type());
            assertEquals("/usr/share/zoneinfo/UTC", e.get("/etc/localtime").link());
            assertEquals(LayerEntry.SYMLINK, e.get("/etc/localtime").type());
            assertEquals("/bin/tool", e.get("/bin/tool2").link());
            assertEquals(LayerEntry.HARDLINK, e.get("/bin/tool2").type());
            assertEquals(LayerEntry.CHAR, e.get("/dev/null").type());
            assertEquals(LayerEntry.WHITEOUT, e.get("/etc/gone.conf").type());
            assertEquals(LayerEntry.OPAQUE, e.get("/var/cache").type());
        }
        assertEquals("none", index(t.tar()).compression());
        assertEquals("gzip", index(t.gzip()).compression());
        assertEquals("zstd", index(t.zstd()).compression());
    }

    @Test
    void offsetPointsAtTheContentInTheUncompressedStream() {
        byte[] content = "hello, layer".getBytes(StandardCharsets.UTF_8);
        byte[] tar = new TarBuilder().file("a", "x").file("b/c.txt", content).tar();
        LayerEntry c = byPath(index(tar)).get("/b/c.txt");
        assertEquals("hello, layer", new String(tar, (int) c.offset(), (int) c.size(), StandardCharsets.UTF_8));
    }

    @Test
    void filesAboveTheDigestLimitAreSizedButNotHashed() {
        LayerEntry e = byPath(index(new TarBuilder().file("big", new byte[(1 << 20) + 1]).gzip())).get("/big");
        assertEquals((1 << 20) + 1, e.size());
        assertNull(e.digest());
    }

    @Test
    void paxAndLongNamesOverrideTheUstarFields() {
        String longName = "d/" + "x".repeat(300);
        byte[] tar = new TarBuilder()
                .pax("path=" + longName, "uid=123456789", "gid=42")
                .file("short", "abc")
                .entry("./././LongLink", 'L', 0, 0, 0, "", ("e/" + "y".repeat(200) + "\0").getBytes(StandardCharsets.UTF_8))
                .file("ignored", "z")
                .file("p/" + "q".repeat(90) + "/" + "r".repeat(90), "ustar prefix")
                .tar();
        LayerIndex idx = index(tar);
        assertEquals(List.of(), idx.errors());
        Map<String, LayerEntry> e = byPath(idx);
        assertEquals(123456789, e.get("/" + longName).uid());
        assertEquals(42, e.get("/" + longName).gid());
        assertTrue(e.containsKey("/e/" + "y".repeat(200)), e.keySet().toString());
        assertTrue(e.containsKey("/p/" + "q".repeat(90) + "/" + "r".repeat(90)), e.keySet().toString());
    }

    @Test
    void pathTraversalAndAbsolutePathsAreErrorsAndSkipped() {
        LayerIndex idx = index(new TarBuilder()
                .file("../../etc/passwd", "evil")
                .file("/etc/shadow", "evil")
                .file("a/../../b", "evil")
                .hardlink("ok-name", "../../outside")
                .file("fine", "ok")
                .tar());
        assertEquals(List.of("/fine"), idx.entries().stream().map(LayerEntry::path).toList());
        assertEquals(4, idx.errors().size(), idx.errors().toString());
        assertTrue(idx.errors().get(0).contains("path traversal"), idx.errors().get(0));
    }

    @Test
    void hugePaxHeaderIsRefusedWithoutReadingIt() {
        byte[] huge = new byte[(64 << 10) + 1];
        LayerIndex idx = index(new TarBuilder().file("before", "1").entry("pax", 'x', 0, 0, 0, "", huge).file("after", "2").tar());
        assertEquals(List.of("/before"), idx.entries().stream().map(LayerEntry::path).toList());
        assertTrue(idx.errors().get(0).contains("extended header"), idx.errors().toString());
    }

    @Test
    void malformedPaxRecordsAreErrors() {
        LayerIndex idx = index(new TarBuilder().entry("pax", 'x', 0, 0, 0, "", "99999 path=x\n".getBytes(StandardCharsets.UTF_8))
                .file("f", "1").tar());
        assertTrue(idx.errors().get(0).contains("PAX"), idx.errors().toString());
        assertEquals(List.of("/f"), idx.entries().stream().map(LayerEntry::path).toList());
    }

    @Test
    void absurdEntryCountsStopAtTheLimit() {
        TarBuilder t = new TarBuilder();
        for (int i = 0; i < 1500; i++) t.file("f" + i, new byte[0]);
        LayerIndex idx = index(t.gzip());
        assertEquals(1000, idx.entries().size());
        assertTrue(idx.errors().get(0).contains("more than 1000 entries"), idx.errors().toString());
    }

    @Test
    void tarBombStopsAtTheDecompressedCap() throws IOException {
        // 200 MiB of zeros compresses to ~200 KiB; the cap is 64 MiB
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(o)) {
            z.write(new TarBuilder().headerOnly("bomb", 200L << 20).unterminated());
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 200; i++) z.write(zeros);
        }
        LayerIndex idx = index(o.toByteArray());
        assertTrue(idx.errors().get(0).contains("tar bomb"), idx.errors().toString());
        assertTrue(idx.uncompressedSize() <= (64L << 20) + (1 << 16), "stopped near the cap: " + idx.uncompressedSize());
    }

    @Test
    void truncatedStreamsKeepWhatCameBefore() {
        byte[] full = new TarBuilder().file("a", "1").file("b", new byte[5000]).tar();
        byte[] cut = java.util.Arrays.copyOf(full, 512 + 512 + 512 + 1000);
        LayerIndex idx = index(cut);
        assertEquals(List.of("/a"), idx.entries().stream().map(LayerEntry::path).toList());
        assertTrue(idx.errors().get(0).startsWith("truncated"), idx.errors().toString());

        LayerIndex noEnd = index(new TarBuilder().file("a", "1").unterminated());
        assertEquals(1, noEnd.entries().size());
        assertTrue(noEnd.errors().get(0).contains("end-of-archive"), noEnd.errors().toString());

        byte[] gz = TarBuilder.gzip(full);
        LayerIndex gzCut = index(java.util.Arrays.copyOf(gz, gz.length / 2));
        assertTrue(!gzCut.errors().isEmpty(), "a truncated gzip stream is an error");
    }

    @Test
    void nothingIsReadPastTheErrorThatStoppedParsing() {
        byte[] junk = new byte[8 << 20];
        new java.util.Random(2).nextBytes(junk);
        LayerIndex idx = index(junk);
        assertEquals(512, idx.uncompressedSize(), "only the first header block of a blob that is not a tar is read");
        byte[] ok = new TarBuilder().file("a", "1").tar();
        assertEquals(ok.length, index(ok).uncompressedSize(), "a clean archive is read to its end, padding included");
    }

    @Test
    void garbageIsAnErrorNotAnException() {
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        LayerIndex idx = index(junk);
        assertEquals(0, idx.entries().size());
        assertTrue(idx.errors().get(0).contains("checksum"), idx.errors().toString());
        LayerIndex badGzip = index(new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        assertTrue(!badGzip.errors().isEmpty());
        LayerIndex badZstd = index(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 1, 2, 3, 4});
        assertTrue(!badZstd.errors().isEmpty());
        assertEquals(List.of(), index(new byte[0]).entries());
    }

    @Test
    void invalidNumericFieldsAreErrors() {
        byte[] tar = new TarBuilder().file("a", "1").tar();
        tar[124] = 'z'; // size field
        // fix the checksum so only the size is wrong
        for (int i = 148; i < 156; i++) tar[i] = ' ';
        long sum = 0;
        for (int i = 0; i < 512; i++) sum += tar[i] & 0xff;
        byte[] ck = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(ck, 0, tar, 148, 8);
        LayerIndex idx = index(tar);
        assertTrue(idx.errors().get(0).contains("invalid size"), idx.errors().toString());
    }

    @Test
    void memoryStaysBoundedForAHugeLayer() throws IOException {
        // a 1 GiB file streamed through the indexer: nothing proportional to it is kept
        long size = 1L << 30;
        InputStream header = new ByteArrayInputStream(new TarBuilder().headerOnly("huge", size).unterminated());
        InputStream zeros = new InputStream() {
            long left = size + 1024;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        InspectorConfig big = new InspectorConfig(0, 10, 4096, 4096, 2L << 30, 10, 10, 1 << 20, 1);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        LayerIndex idx = TarIndexer.index(new java.io.SequenceInputStream(header, zeros), big);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(List.of(), idx.errors());
        assertEquals(size, idx.entries().get(0).size());
        assertTrue(allocated < 16L << 20, "streaming 1 GiB allocated " + allocated + " bytes; the content must not be buffered");
    }
}
