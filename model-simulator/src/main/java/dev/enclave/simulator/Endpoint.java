package dev.enclave.simulator;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/** One routed path; the {@link Router} has already read the body, checked auth and the method. */
interface Endpoint {

    void handle(HttpExchange exchange, String body) throws IOException, ApiException;
}
