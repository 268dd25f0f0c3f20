package dev.strata.core.spi;

import java.util.List;

/** One page of a lexically ordered listing; {@code more} is true when entries follow the last. */
public record Page(List<String> items, boolean more) {
}
