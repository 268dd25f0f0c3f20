package dev.strata.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ImageInspector.FsEntry;
import java.io.ByteArrayInputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnionFsTest {
    private final UnionFs fs = new UnionFs(100_000);

    private UnionFs.LayerStats apply(String digest, TarBuilder t) {
        LayerIndex idx = TarIndexer.index(new ByteArrayInputStream(t.tar()), TarIndexerTest.CONFIG);
        assertEquals(List.of(), idx.errors());
        return fs.apply(digest, idx.entries());
    }

    private List<String> names(String dir) {
        return fs.children(dir, 1000).stream().map(FsEntry::path).toList();
    }

    @Test
    void upperShadowsLowerAndWhiteoutDeletes() {
        apply("L0", new TarBuilder().dir("etc", 0755).file("etc/a", "1").file("etc/b", "2").file("etc/c", "3"));
        UnionFs.LayerStats s = apply("L1", new TarBuilder().file("etc/a", "changed").whiteout("etc", "b").file("etc/d", "new"));
        assertEquals(new UnionFs.LayerStats(1, 1, 1), s);
        assertEquals(List.of("/etc/a", "/etc/c", "/etc/d"), names("/etc"));
        assertEquals("L1", fs.get("/etc/a").layer());
        assertEquals(7, fs.get("/etc/a").size());
        assertEquals("L0", fs.get("/etc/c").layer());
        assertEquals("L0", fs.get("/etc").layer());
    }

    @Test
    void whiteoutOfADirectoryDeletesItsSubtree() {
        apply("L0", new TarBuilder().dir("opt", 0755).dir("opt/app", 0755).file("opt/app/x", "1").file("opt/app/y", "2").file("opt/keep", "k"));
        UnionFs.LayerStats s = apply("L1", new TarBuilder().whiteout("opt", "app"));
        assertEquals(2, s.deleted());
        assertEquals(List.of("/opt/keep"), names("/opt"));
        assertNull(fs.get("/opt/app/x"));
    }

    @Test
    void opaqueDirectoryHidesLowerContentsButKeepsItsOwn() {
        apply("L0", new TarBuilder().dir("var", 0755).dir("var/lib", 0755).file("var/lib/old1", "1").dir("var/lib/sub", 0700)
                .file("var/lib/sub/old2", "2").file("var/other", "o"));
        UnionFs.LayerStats s = apply("L1", new TarBuilder().dir("var/lib", 0750).opaque("var/lib").file("var/lib/new", "n"));
        assertEquals(List.of("/var/lib/new"), names("/var/lib"));
        assertEquals(2, s.deleted());
        assertEquals(0750, fs.get("/var/lib").mode());
        assertNotNull(fs.get("/var/other"));
    }

    @Test
    void markersDoNotHideEntriesOfTheirOwnLayer() {
        apply("L0", new TarBuilder().file("a", "lower"));
        apply("L1", new TarBuilder().file("a", "upper!").whiteout("", "a").dir("d", 0755).file("d/x", "x").opaque("d"));
        assertEquals(6, fs.get("/a").size());
        assertEquals(List.of("/d/x"), names("/d"));
    }

    @Test
    void aFileReplacingADirectoryHidesTheDirectorysContents() {
        apply("L0", new TarBuilder().dir("x", 0755).file("x/inner", "1"));
        apply("L1", new TarBuilder().file("x", "now a file"));
        assertEquals("file", fs.get("/x").type());
        assertNull(fs.get("/x/inner"));
        assertEquals(List.of("/x"), names("/"));
    }

    @Test
    void missingParentsAreCreatedAndDeepListingsSkipGrandchildren() {
        apply("L0", new TarBuilder().file("a/b/c", "1").file("a-b", "2").file("a.txt", "3").file("a/z", "4"));
        assertEquals("dir", fs.get("/a/b").type());
        assertEquals("L0", fs.get("/a").layer());
        assertEquals(List.of("/a", "/a-b", "/a.txt"), names("/"));
        assertEquals(List.of("/a/b", "/a/z"), names("/a"));
    }

    @Test
    void hardlinksReportTheirTargetsContent() {
        apply("L0", new TarBuilder().entry("bin/a", '0', 04750, 7, 8, "", "content".getBytes()).hardlink("bin/b", "bin/a"));
        FsEntry b = fs.get("/bin/b");
        assertEquals("hardlink", b.type());
        assertEquals(7, b.size());
        assertEquals(04750, b.mode(), "a hardlink shares its target's inode");
        assertEquals(7, b.uid());
        assertEquals(8, b.gid());
        assertEquals(fs.get("/bin/a").digest(), b.digest());
        assertEquals("/bin/a", fs.locate("/bin/b").entry().path());
    }

    @Test
    void diffReportsAddedRemovedAndChanged() {
        UnionFs a = new UnionFs(1000);
        UnionFs b = new UnionFs(1000);
        a.apply("L0", TarIndexer.index(new ByteArrayInputStream(new TarBuilder().file("same", "s").file("gone", "g").file("mod", "1").tar()), TarIndexerTest.CONFIG).entries());
        b.apply("L0", TarIndexer.index(new ByteArrayInputStream(new TarBuilder().file("same", "s").file("new", "n").file("mod", "2").tar()), TarIndexerTest.CONFIG).entries());
        UnionFs.DiffResult d = UnionFs.diff(a, b, 10);
        assertEquals(1, d.added());
        assertEquals(1, d.removed());
        assertEquals(1, d.changed());
        assertEquals(List.of("/gone:removed", "/mod:changed", "/new:added"),
                d.changes().stream().map(c -> c.path() + ":" + c.kind()).toList());
        UnionFs.DiffResult cut = UnionFs.diff(a, b, 1);
        assertTrue(cut.truncated());
        assertEquals(1, cut.changes().size());
    }

    @Test
    void theMergedTreeIsBounded() {
        UnionFs small = new UnionFs(3);
        var entries = TarIndexer.index(new ByteArrayInputStream(new TarBuilder().file("1", "").file("2", "").file("3", "").file("4", "").tar()),
                TarIndexerTest.CONFIG).entries();
        dev.strata.core.oci.OciException e = org.junit.jupiter.api.Assertions.assertThrows(dev.strata.core.oci.OciException.class,
                () -> small.apply("L0", entries));
        assertTrue(e.getMessage().contains("more than 3"));
    }
}
