package dev.strata.cli;

import java.io.PrintStream;

/** Lets tests in other packages run package-private commands. */
public final class CliAccess {
    private CliAccess() {}

    public static int replay(String[] args, PrintStream out, PrintStream err) throws Exception {
        return ReplayCommand.run(args, out, err);
    }

    public static int gc(String[] args, PrintStream out, PrintStream err) throws Exception {
        return GcCommand.run(args, out, err);
    }

    public static int quota(String[] args, PrintStream out, PrintStream err) throws Exception {
        return QuotaCommand.run(args, out, err);
    }

    /** An admin command (gc, quota or tag) with the given standard input and environment. */
    public static int admin(String[] args, java.io.InputStream in, java.util.Map<String, String> env, PrintStream out, PrintStream err)
            throws Exception {
        return switch (args[0]) {
            case "gc" -> GcCommand.run(args, in, env, out, err);
            case "quota" -> QuotaCommand.run(args, in, env, out, err);
            case "tag" -> TagCommand.run(args, in, env, out, err);
            default -> throw new IllegalArgumentException(args[0]);
        };
    }

    public static long parseSize(String s) {
        return QuotaCommand.parseSize(s);
    }

    public static int tag(String[] args, PrintStream out, PrintStream err) throws Exception {
        return TagCommand.run(args, out, err);
    }
}
