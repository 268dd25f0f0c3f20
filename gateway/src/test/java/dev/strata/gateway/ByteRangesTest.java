package dev.strata.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.gateway.ByteRanges.Kind;
import dev.strata.gateway.ByteRanges.Range;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Range header by RFC 9110 section 14: what is ignored, what is sent, what is unsatisfiable. */
class ByteRangesTest {
    static final long SIZE = 1000;

    @ParameterizedTest
    @ValueSource(strings = {"items=0-1", "bytes=abc", "bytes=5-3", "bytes=1-2,5-3", "bytes=-", "bytes=", "bytes 0-1", "bytes=0-1-2",
            "bytes=+1-2", "bytes=0x1-2", "bytes=1-2,x", "bytes=-5a", "bytes=1 -2", "=0-1", "bytes=0--1"})
    void malformedOrUnknownIsIgnored(String header) {
        assertEquals(Kind.FULL, ByteRanges.of(header, SIZE).kind(), header);
    }

    @Test
    void absentHeaderAndEmptyRepresentationAreFull() {
        assertEquals(Kind.FULL, ByteRanges.of(null, SIZE).kind());
        assertEquals(Kind.FULL, ByteRanges.of("bytes=0-", 0).kind(), "an empty blob is sent whole, never 416");
    }

    @Test
    void singleRanges() {
        assertEquals(List.of(new Range(10, 19)), ByteRanges.of("bytes=10-19", SIZE).ranges());
        assertEquals(List.of(new Range(990, 999)), ByteRanges.of("bytes=990-", SIZE).ranges());
        assertEquals(List.of(new Range(995, 999)), ByteRanges.of("bytes=-5", SIZE).ranges());
        assertEquals(List.of(new Range(0, 999)), ByteRanges.of("bytes=-5000", SIZE).ranges(), "a suffix longer than the blob is all of it");
        assertEquals(List.of(new Range(10, 999)), ByteRanges.of("bytes=10-99999999999999999999999", SIZE).ranges(),
                "a last position past the end is clipped, however many digits");
        assertEquals(List.of(new Range(1, 2)), ByteRanges.of(" BYTES = 1-2 ", SIZE).ranges(), "the unit is case-insensitive");
        assertEquals(Kind.PARTIAL, ByteRanges.of("bytes=0-0", SIZE).kind());
    }

    @Test
    void unsatisfiableOnlyWhenWellFormedAndPastTheEnd() {
        assertEquals(Kind.UNSATISFIABLE, ByteRanges.of("bytes=1000-", SIZE).kind());
        assertEquals(Kind.UNSATISFIABLE, ByteRanges.of("bytes=5000-6000", SIZE).kind());
        assertEquals(Kind.UNSATISFIABLE, ByteRanges.of("bytes=-0", SIZE).kind());
        assertEquals(Kind.UNSATISFIABLE, ByteRanges.of("bytes=2000-3000,99999999999999999999999-", SIZE).kind());
    }

    @Test
    void severalRangesAreSortedMergedAndUnsatisfiableOnesDropped() {
        assertEquals(List.of(new Range(0, 99), new Range(500, 599)), ByteRanges.of("bytes=500-599,0-99", SIZE).ranges());
        assertEquals(List.of(new Range(0, 5)), ByteRanges.of("bytes=0-1,4-5", SIZE).ranges(), "parts closer than a part's headers merge");
        assertEquals(List.of(new Range(0, 199)), ByteRanges.of("bytes=0-149,100-199", SIZE).ranges(), "overlaps merge");
        assertEquals(List.of(new Range(10, 19)), ByteRanges.of("bytes=10-19,5000-6000", SIZE).ranges());
        assertEquals(List.of(new Range(0, 999)), ByteRanges.of("bytes=0-,0-,0-,0-", SIZE).ranges(), "never more bytes than the blob");
        assertEquals(List.of(new Range(0, 0), new Range(998, 999)), ByteRanges.of("bytes=0-0, ,-2", SIZE).ranges(),
                "empty list elements are allowed");
    }

    @Test
    void tooManyRangesAreIgnored() {
        StringBuilder h = new StringBuilder("bytes=");
        for (int i = 0; i <= ByteRanges.MAX_RANGES; i++) h.append(i == 0 ? "" : ",").append(i * 100L).append('-').append(i * 100L);
        assertEquals(Kind.FULL, ByteRanges.of(h.toString(), 1_000_000).kind());
    }

    @Test
    void ifRangeNeedsTheStrongTag() {
        assertTrue(ByteRanges.ifRangeHolds(null, "\"sha256:ab\""));
        assertTrue(ByteRanges.ifRangeHolds("\"sha256:ab\"", "\"sha256:ab\""));
        assertFalse(ByteRanges.ifRangeHolds("W/\"sha256:ab\"", "\"sha256:ab\""));
        assertFalse(ByteRanges.ifRangeHolds("Tue, 08 Dec 2026 02:00:00 GMT", "\"sha256:ab\""));
        assertFalse(ByteRanges.ifRangeHolds("\"sha256:ab\"", null));
    }

    /** Hostile headers: never an exception, and a 206 never sends a byte outside the blob, nor any byte twice. */
    @Property(tries = 5000)
    void anyHeaderGivesRangesInsideTheBlob(@ForAll @StringLength(max = 200) String tail, @ForAll @LongRange(min = 0, max = 1L << 40) long size) {
        for (String header : new String[] {tail, "bytes=" + tail}) {
            ByteRanges r = ByteRanges.of(header, size);
            long sent = 0;
            long previousEnd = -1;
            for (Range range : r.ranges()) {
                assertTrue(range.start() > previousEnd && range.start() <= range.end() && range.end() < size, header);
                sent += range.length();
                previousEnd = range.end();
            }
            assertTrue(sent <= size);
            assertEquals(r.kind() == Kind.PARTIAL, !r.ranges().isEmpty());
        }
    }
}
