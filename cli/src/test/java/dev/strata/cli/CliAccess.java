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

    public static long parseSize(String s) {
        return QuotaCommand.parseSize(s);
    }

    public static int tag(String[] args, PrintStream out, PrintStream err) throws Exception {
        return TagCommand.run(args, out, err);
    }
}
