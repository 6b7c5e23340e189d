package dev.enclave.instance.service;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** The machine's Redis at 127.0.0.1:6379, which CI starts; a test without it is skipped, not failed. */
final class LocalRedis {

    static final String URL = "redis://127.0.0.1:6379";

    private LocalRedis() {
    }

    static void require() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
        } catch (IOException e) {
            Assumptions.abort("no Redis at 127.0.0.1:6379 (" + e.getMessage() + ")");
        }
    }
}
