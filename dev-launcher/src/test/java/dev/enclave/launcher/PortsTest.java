package dev.enclave.launcher;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PortsTest {

    @Test
    void freePortsAreDistinctBindableAndOutsideTheEphemeralRange() throws IOException {
        Set<Integer> seen = new HashSet<>();
        for (int round = 0; round < 20; round++) {
            Suite.Ports ports = Suite.Ports.free();
            for (int port : List.of(ports.instance(), ports.tokenService(), ports.gateway(), ports.adapter(),
                    ports.simulator())) {
                assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
                assertThat(port).isBetween(Suite.Ports.LOW, Suite.Ports.HIGH - 1);
                try (ServerSocket socket = new ServerSocket(port)) {
                    assertThat(socket.getLocalPort()).isEqualTo(port);
                }
            }
        }
    }
}
