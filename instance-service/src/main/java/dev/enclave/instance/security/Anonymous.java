package dev.enclave.instance.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An endpoint that answers without a token (the OAuth endpoints forwarded to token-service, which
 * authenticate the client themselves). Every endpoint without it needs a token: see
 * {@code TokenAuthenticationFilter}; {@code DenyByDefaultTest} keeps the list of such endpoints explicit.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Anonymous {
}
