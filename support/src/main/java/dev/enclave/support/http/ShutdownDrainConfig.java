package dev.enclave.support.http;

import io.smallrye.config.ConfigMapping;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** How a service answers the requests {@link ShutdownDrain} refuses: the one thing that differs between services. */
@ConfigMapping(prefix = "enclave.shutdown-drain")
public interface ShutdownDrainConfig {

    /** The 503's JSON body, in the service's own error shape; unset: {@code {"message":"<application name> is shutting down"}}. */
    Optional<String> body();

    /** Headers the 503 carries besides {@code Content-Type} and {@code Connection: close}. */
    Map<String, String> headers();

    /**
     * Path prefixes that keep answering while the service drains (probes and monitoring report it as
     * not ready); unset: the health endpoints, {@code /<non-application root>/health}.
     */
    Optional<List<String>> openPaths();
}
