package dev.enclave.launcher;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * A stand-in for a service, run as its own process by {@link ServiceWatcherTest}: it answers
 * {@code GET /ready} with 200, writes a numbered line to its log every time it is asked
 * ({@code GET /log}), and on {@code GET /exit?status=N} writes a last line and exits with N.
 */
public final class ExitingService {

    private ExitingService() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        int[] lines = {0};
        server.createContext("/ready", exchange -> answer(exchange, "ready"));
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

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
