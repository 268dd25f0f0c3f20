package dev.strata.cli.e2e;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/** Attaches the tail of the recently launched servers' logs to any failure of a test or setup. */
final class ServerLogOnFailure implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    private static Throwable attach(Throwable t) {
        if (!(t instanceof org.opentest4j.TestAbortedException)) {
            String tails = StrataProcess.recentLogTails();
            if (!tails.isEmpty()) {
                t.addSuppressed(new ServerLog(tails));
            }
        }
        return t;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(throwable);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(throwable);
    }

    /** Carries the log text; no stack trace of its own. */
    static final class ServerLog extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ServerLog(String text) {
            super("server log at the time of the failure:\n" + text, null, false, false);
        }
    }
}
