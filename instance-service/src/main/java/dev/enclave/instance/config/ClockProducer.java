package dev.enclave.instance.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.time.Clock;

public class ClockProducer {

    /** Tests replace it to move time (token expiry, key retirement) without sleeping. */
    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
