package dev.enclave.launcher;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * A stand-in for a service, run as its own process by {@link ServiceWatcherTest} and, packaged as
 * every service's jar, by {@link ProdSuiteTest}: it answers {@code GET /ready} with 200, writes a
 * numbered line to its log every time it is asked ({@code GET /log}), and on
 * {@code GET /exit?status=N} writes a last line and exits with N.
 */
public final class ExitingService {

    private ExitingService() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(port(args));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        int[] lines = {0};
        server.createContext("/ready", exchange -> answer(exchange, "ready"));
        // The readiness paths of the simulator and the Quarkus services, when it stands in for them.
        server.createContext("/health", exchange -> answer(exchange, "ready"));
        server.createContext("/q/health/ready", exchange -> answer(exchange, "ready"));
        // GET /env?name=X: the value of the environment variable X it was started with ("" if unset).
        server.createContext("/env", exchange -> answer(exchange,
                java.util.Objects.requireNonNullElse(System.getenv(exchange.getRequestURI().getQuery().replace("name=", "")), "")));
        server.createContext("/log", exchange -> {
            synchronized (lines) {
                System.out.println("log line " + ++lines[0]);
                System.out.flush();
            }
            answer(exchange, "logged");
        });
        server.createContext("/exit", exchange -> {
            int status = Integer.parseInt(exchange.getRequestURI().getQuery().replace("status=", ""));
            answer(exchange, "exiting");
            System.out.println("fatal: giving up, exiting with status " + status);
            System.out.flush();
            // Exit after the answer went out, from a thread of our own.
            new Thread(() -> Runtime.getRuntime().halt(status)).start();
        });
        server.start();
        System.out.println("exiting-service listening on " + port);
        System.out.flush();
    }

    /** The port: after {@code --port} (the simulator's arguments), the first argument, or {@code -Dquarkus.http.port}. */
    private static String port(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--port")) {
                return args[i + 1];
            }
        }
        return args.length > 0 ? args[0] : System.getProperty("quarkus.http.port");
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
