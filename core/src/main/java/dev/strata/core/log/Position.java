package dev.strata.core.log;

/** Where an appended event landed in the log. */
public record Position(String topic, int partition, long offset) {
}
