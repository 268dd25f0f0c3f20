package dev.strata.core.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A small metrics registry that renders the Prometheus text exposition format (version 0.0.4).
 * Counters are kept here; gauges are read from their owner at scrape time. Every family has a
 * bounded number of label sets ({@value #MAX_SERIES}); label sets beyond that are counted under
 * the value {@code "other"} so a client cannot grow memory by inventing labels.
 *
 * <p>Thread-safe. One instance per process, shared by the HTTP servers and the services of that
 * process; {@link #scrape()} is what {@code GET /metrics} answers.
 */
public final class Metrics {
    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Label sets per family; more are folded into {@code "other"}. */
    public static final int MAX_SERIES = 1000;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** Receives gauge samples at scrape time: label values (in the family's label order) and the value. */
    public interface Sink {
        void sample(double value, String... labelValues);
    }

    private abstract static class Family {
        final String name;
        final String help;
        final String type;
        final List<String> labels;

        Family(String name, String help, String type, String[] labels) {
            if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("bad metric name: " + name);
            for (String l : labels) if (!LABEL.matcher(l).matches()) throw new IllegalArgumentException("bad label name: " + l);
            this.name = name;
            this.help = help;
            this.type = type;
            this.labels = List.of(labels);
        }

        abstract void samples(BiConsumer<List<String>, Double> out);
    }

    /** A monotonically increasing count, by label values. */
    public static final class Counter extends Family {
        private final Map<List<String>, LongAdder> series = new ConcurrentHashMap<>();

        private Counter(String name, String help, String[] labels) {
            super(name, help, "counter", labels);
        }

        /** Adds {@code n} (>= 0) to the series with these label values. */
        public void add(long n, String... labelValues) {
            if (n < 0) throw new IllegalArgumentException("a counter only goes up");
            if (labelValues.length != labels.size()) throw new IllegalArgumentException(name + " takes labels " + labels);
            List<String> key = Arrays.asList(labelValues);
            LongAdder a = series.get(key);
            if (a == null) {
                if (series.size() >= MAX_SERIES) {
                    String[] other = new String[labelValues.length];
                    Arrays.fill(other, "other");
                    key = Arrays.asList(other);
                }
                a = series.computeIfAbsent(List.copyOf(key), k -> new LongAdder());
            }
            a.add(n);
        }

        public void inc(String... labelValues) {
            add(1, labelValues);
        }

        /** The current value of one series (0 when it was never touched). */
        public long value(String... labelValues) {
            LongAdder a = series.get(Arrays.asList(labelValues));
            return a == null ? 0 : a.sum();
        }

        @Override
        void samples(BiConsumer<List<String>, Double> out) {
            series.forEach((k, v) -> out.accept(k, (double) v.sum()));
        }
    }

    /** A family whose samples its owner reports at scrape time: a gauge, or a counter kept elsewhere. */
    private static final class Gauge extends Family {
        private final Consumer<Sink> reader;

        Gauge(String name, String help, String type, String[] labels, Consumer<Sink> reader) {
            super(name, help, type, labels);
            this.reader = reader;
        }

        @Override
        void samples(BiConsumer<List<String>, Double> out) {
            List<Object[]> got = new ArrayList<>();
            reader.accept((value, values) -> {
                if (values.length != labels.size()) throw new IllegalArgumentException(name + " takes labels " + labels);
                if (got.size() < MAX_SERIES) got.add(new Object[]{List.of(values), value});
            });
            for (Object[] s : got) {
                @SuppressWarnings("unchecked") List<String> k = (List<String>) s[0];
                out.accept(k, (Double) s[1]);
            }
        }
    }

    /** Registers a counter; registering the same name twice returns the first (same labels required). */
    public synchronized Counter counter(String name, String help, String... labels) {
        Family f = families.get(name);
        if (f == null) {
            Counter c = new Counter(name, help, labels);
            families.put(name, c);
            return c;
        }
        if (!(f instanceof Counter) || !f.labels.equals(List.of(labels))) throw new IllegalArgumentException(name + " is registered differently");
        return (Counter) f;
    }

    /**
     * Registers a gauge whose samples {@code reader} reports at each scrape. A reader that throws
     * is skipped for that scrape (logged by the caller's server as a comment line), never failing
     * the whole scrape. Registering a name again replaces the reader.
     */
    public synchronized void gauge(String name, String help, String[] labels, Consumer<Sink> reader) {
        read(name, help, "gauge", labels, reader);
    }

    /**
     * Registers a counter whose owner keeps the counts (e.g. a decorator's own adders) and
     * {@code reader} reports them at each scrape; the values must only grow. Otherwise as
     * {@link #gauge(String, String, String[], Consumer)}.
     */
    public synchronized void counterFunction(String name, String help, String[] labels, Consumer<Sink> reader) {
        read(name, help, "counter", labels, reader);
    }

    private void read(String name, String help, String type, String[] labels, Consumer<Sink> reader) {
        Family f = families.get(name);
        if (f != null && !(f instanceof Gauge && f.type.equals(type))) throw new IllegalArgumentException(name + " is registered as a " + f.type);
        families.put(name, new Gauge(name, help, type, labels, reader));
    }

    /** A gauge without labels. */
    public void gauge(String name, String help, java.util.function.DoubleSupplier value) {
        gauge(name, help, new String[0], sink -> sink.sample(value.getAsDouble()));
    }

    /** Every family in the Prometheus text format. */
    public String scrape() {
        List<Family> fs;
        synchronized (this) {
            fs = new ArrayList<>(families.values());
        }
        StringBuilder b = new StringBuilder(4096);
        for (Family f : fs) {
            StringBuilder body = new StringBuilder();
            try {
                f.samples((values, v) -> line(body, f, values, v));
            } catch (RuntimeException e) {
                b.append("# ").append(f.name).append(" unavailable: ").append(oneLine(e.toString())).append('\n');
                continue;
            }
            b.append("# HELP ").append(f.name).append(' ').append(oneLine(f.help).replace("\\", "\\\\")).append('\n');
            b.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
            b.append(body);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, Family f, List<String> values, double v) {
        b.append(f.name);
        if (!values.isEmpty()) {
            b.append('{');
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) b.append(',');
                b.append(f.labels.get(i)).append("=\"").append(escape(values.get(i))).append('"');
            }
            b.append('}');
        }
        b.append(' ').append(format(v)).append('\n');
    }

    static String format(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') b.append("\\\\");
            else if (c == '"') b.append("\\\"");
            else if (c == '\n') b.append("\\n");
            else b.append(c);
        }
        return b.toString();
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
