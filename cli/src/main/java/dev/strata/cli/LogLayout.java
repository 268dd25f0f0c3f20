package dev.strata.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.Map;

/**
 * The log line format of the strata command, chosen by {@code STRATA_LOG_FORMAT}:
 * <ul>
 *   <li>{@code text} (default): {@code 2026-11-29T17:00:00.000Z INFO  Gateway - message [requestId=...]}</li>
 *   <li>{@code json}: one JSON object per line with {@code time}, {@code level}, {@code logger},
 *       {@code thread}, {@code message}, every MDC entry and key-value pair (the request's
 *       {@code requestId}; on access lines also method, path, route, status, bytesIn, bytesOut,
 *       durationMs and client, the numbers as JSON numbers) and
 *       {@code error} (the stack trace) when there is one.</li>
 * </ul>
 * Any other value stops the command at start with a message.
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {
    /** The environment variable that picks the format. */
    public static final String FORMAT_ENV = "STRATA_LOG_FORMAT";
    private final boolean json;

    public LogLayout() {
        this(System.getenv(FORMAT_ENV));
    }

    LogLayout(String format) {
        this.json = json(format);
    }

    /** True for json, false for text or unset; anything else is an IllegalArgumentException. */
    static boolean json(String format) {
        if (format == null || format.isBlank() || format.equalsIgnoreCase("text")) return false;
        if (format.equalsIgnoreCase("json")) return true;
        throw new IllegalArgumentException(FORMAT_ENV + " must be json or text, got " + format);
    }

    @Override
    public String doLayout(ILoggingEvent e) {
        return json ? json(e) : text(e);
    }

    private static String text(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append(Instant.ofEpochMilli(e.getTimeStamp())).append(' ');
        String level = e.getLevel().toString();
        b.append(level);
        for (int i = level.length(); i < 5; i++) b.append(' ');
        String logger = e.getLoggerName();
        b.append(' ').append(logger.substring(logger.lastIndexOf('.') + 1)).append(" - ").append(e.getFormattedMessage());
        String id = e.getMDCPropertyMap().get("requestId");
        if (id == null && e.getKeyValuePairs() != null) {
            for (org.slf4j.event.KeyValuePair kv : e.getKeyValuePairs()) if (kv.key.equals("requestId")) id = String.valueOf(kv.value);
        }
        if (id != null) b.append(" [requestId=").append(id).append(']');
        b.append('\n');
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) b.append(ThrowableProxyUtil.asString(t)).append('\n');
        return b.toString();
    }

    private static String json(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        field(b, "time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
        b.append(',');
        field(b, "level", e.getLevel().toString());
        b.append(',');
        field(b, "logger", e.getLoggerName());
        b.append(',');
        field(b, "thread", e.getThreadName());
        b.append(',');
        field(b, "message", e.getFormattedMessage());
        for (Map.Entry<String, String> m : e.getMDCPropertyMap().entrySet()) {
            b.append(',');
            field(b, m.getKey(), m.getValue());
        }
        if (e.getKeyValuePairs() != null) {
            for (org.slf4j.event.KeyValuePair kv : e.getKeyValuePairs()) {
                b.append(',');
                quote(b, kv.key);
                b.append(':');
                if (kv.value instanceof Number n) b.append(n);
                else quote(b, String.valueOf(kv.value));
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            b.append(',');
            field(b, "error", ThrowableProxyUtil.asString(t));
        }
        return b.append("}\n").toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        quote(b, name);
        b.append(':');
        quote(b, value == null ? "" : value);
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
