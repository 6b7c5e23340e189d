package dev.enclave.instance.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The instance's clock for tests whose profile enables it (not a default alternative): a fixed
 * instant that the test moves, so cache expiries are seen without sleeping.
 */
@Alternative
@ApplicationScoped
public class SettableClock extends Clock {

    private volatile Instant now = Instant.parse("2030-01-01T00:00:00Z");

    public void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
