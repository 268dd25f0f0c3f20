package dev.strata.gateway;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What a {@code Range} request header asks of a representation of a known length, by RFC 9110
 * section 14. Pure logic: the handlers decide how to send it.
 *
 * <ul>
 *   <li>{@link Kind#FULL}: send the whole representation with 200. That is the answer for no header,
 *       for a unit other than {@code bytes}, for any syntax error in the range set (the whole header
 *       is then ignored, as RFC 9110 section 14.2 allows), for an int-range whose last position is
 *       before its first, for more than {@link #MAX_RANGES} ranges, and for a zero-length
 *       representation (some clients put a Range on every request; answering 416 for an empty blob
 *       would break them).</li>
 *   <li>{@link Kind#PARTIAL}: send these ranges with 206. Unsatisfiable ranges of the set are dropped;
 *       the rest are sorted and merged where they overlap or are closer than a multipart part's
 *       headers, so the bytes sent never exceed the representation's length. One range left is a
 *       single-part 206; several are {@code multipart/byteranges}.</li>
 *   <li>{@link Kind#UNSATISFIABLE}: a well-formed set in which no range starts before the end; answer
 *       416 with {@code Content-Range: bytes *}{@code /length}.</li>
 * </ul>
 */
record ByteRanges(Kind kind, List<Range> ranges) {
    /** More ranges than this in one header are ignored (the full representation is sent). */
    static final int MAX_RANGES = 64;
    /** Ranges closer than this are sent as one part: a part's own headers cost about this much. */
    static final long MERGE_GAP = 80;

    enum Kind { FULL, PARTIAL, UNSATISFIABLE }

    /** Bytes {@code start} to {@code end}, both inclusive. */
    record Range(long start, long end) {
        long length() {
            return end - start + 1;
        }

        /** The {@code Content-Range} value of this range of a representation of {@code size} bytes. */
        String contentRange(long size) {
            return "bytes " + start + "-" + end + "/" + size;
        }
    }

    private static final ByteRanges FULL = new ByteRanges(Kind.FULL, List.of());
    private static final ByteRanges UNSATISFIABLE = new ByteRanges(Kind.UNSATISFIABLE, List.of());

    /** Parses {@code header} (null when absent) against a representation of {@code size} bytes. */
    static ByteRanges of(String header, long size) {
        if (header == null || size <= 0) return FULL;
        int eq = header.indexOf('=');
        if (eq < 0 || !header.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("bytes")) return FULL;
        String[] specs = header.substring(eq + 1).split(",", -1);
        List<Range> satisfiable = new ArrayList<>();
        int count = 0;
        for (String raw : specs) {
            String spec = raw.trim();
            if (spec.isEmpty()) continue; // the list syntax allows empty elements
            if (++count > MAX_RANGES) return FULL;
            int dash = spec.indexOf('-');
            if (dash < 0) return FULL;
            String first = spec.substring(0, dash);
            String last = spec.substring(dash + 1);
            if (first.isEmpty()) {
                // suffix-range: the last N bytes; satisfiable when N > 0
                if (!digits(last)) return FULL;
                long n = number(last);
                if (n > 0) satisfiable.add(new Range(Math.max(0, size - n), size - 1));
            } else {
                // int-range: first-pos "-" [ last-pos ]
                if (!digits(first) || !(last.isEmpty() || digits(last))) return FULL;
                long from = number(first);
                long to = last.isEmpty() ? Long.MAX_VALUE : number(last);
                if (to < from) return FULL; // an invalid int-range makes the whole header invalid
                if (from < size) satisfiable.add(new Range(from, Math.min(to, size - 1)));
            }
        }
        if (count == 0) return FULL; // "bytes=" with no range at all is not a range-set
        if (satisfiable.isEmpty()) return UNSATISFIABLE;
        return new ByteRanges(Kind.PARTIAL, merge(satisfiable));
    }

    /** Sorted, with ranges that overlap or nearly touch merged into one. */
    private static List<Range> merge(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::start));
        List<Range> out = new ArrayList<>();
        Range current = sorted.get(0);
        for (Range r : sorted.subList(1, sorted.size())) {
            if (r.start() <= current.end() + MERGE_GAP) {
                current = new Range(current.start(), Math.max(current.end(), r.end()));
            } else {
                out.add(current);
                current = r;
            }
        }
        out.add(current);
        return List.copyOf(out);
    }

    private static boolean digits(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /** The decimal value, saturated at Long.MAX_VALUE (a position past any blob). */
    private static long number(String digits) {
        String s = digits.replaceFirst("^0+(?=.)", "");
        if (s.length() > 18) return Long.MAX_VALUE;
        return Long.parseLong(s);
    }

    /**
     * Whether {@code If-Range} lets the range apply (RFC 9110 section 13.1.5): absent, or the
     * representation's strong entity tag exactly. A date (there is no Last-Modified here) or any
     * other tag means the representation may have changed: send all of it.
     */
    static boolean ifRangeHolds(String ifRange, String etag) {
        return ifRange == null || ifRange.trim().equals(etag);
    }
}
