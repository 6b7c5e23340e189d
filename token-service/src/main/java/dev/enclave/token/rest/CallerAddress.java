package dev.enclave.token.rest;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/** The caller's address as the HTTP layer sees it (the forwarded one when quarkus.http.proxy trusts the proxy). */
final class CallerAddress {

    private CallerAddress() {
    }

    static String of(HttpServerRequest request) {
        SocketAddress remote = request == null ? null : request.remoteAddress();
        if (remote == null) {
            return null;
        }
        return remote.hostAddress() != null ? remote.hostAddress() : remote.host();
    }
}
