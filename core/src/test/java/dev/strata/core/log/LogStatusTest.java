package dev.strata.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The reason a person reads on /readyz and in the one log line: never "null". */
class LogStatusTest {
    @Test
    void anExceptionWithoutMessageIsNamedByItsClassWithItsCauses() {
        assertEquals("TimeoutException", LogStatus.describe(new TimeoutException()));
        assertEquals("TimeoutException", LogStatus.describe(new ExecutionException(new TimeoutException())));
        assertEquals("broker gone; cause: Connection refused",
                LogStatus.describe(new ExecutionException(new IllegalStateException("broker gone", new java.net.ConnectException("Connection refused")))));
        assertEquals("java.util.concurrent.TimeoutException",
                LogStatus.describe(new IllegalStateException(new TimeoutException())));
    }
}
