package dev.enclave.support.http;

import io.smallrye.config.ConfigMapping;

import java.util.Map;
import java.util.Optional;

/** How a service answers the bodies {@link RequestBodyLimit} refuses: the one thing that differs between services. */
@ConfigMapping(prefix = "enclave.request-body-limit")
public interface RequestBodyLimitConfig {

    /**
     * The 413's JSON body, in the service's own error shape; {@code {limit}} is replaced by the limit
     * in bytes. Unset: {@code {"message":"the request body is larger than <application name>'s limit
     * of <limit> bytes (quarkus.http.limits.max-body-size)"}}.
     */
    Optional<String> body();

    /** Headers the 413 carries besides {@code Content-Type} and {@code Connection: close}. */
    Map<String, String> headers();
}
