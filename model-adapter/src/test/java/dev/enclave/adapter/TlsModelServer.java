package dev.enclave.adapter;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;

/**
 * An https OpenAI-compatible model server whose certificate (made with the JDK's keytool) names
 * only {@code model.internal}, trusted by the adapter through a {@code quarkus.tls} configuration.
 * It records the SNI name and {@code Host} header of the last request.
 */
public class TlsModelServer implements QuarkusTestResourceLifecycleManager {

    static final String HOST_NAME = "model.internal";
    private static final String PASSWORD = "test-only-password";

    static HttpsServer server;
    static volatile String lastSni;
    static volatile String lastHost;
    private Path directory;

    @Override
    public Map<String, String> start() {
        try {
            directory = Files.createTempDirectory("adapter-tls");
            Path keyStore = directory.resolve("server.p12");
            Path certificate = directory.resolve("server.pem");
            keytool("-genkeypair", "-alias", "model", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + HOST_NAME, "-ext", "SAN=dns:" + HOST_NAME, "-validity", "2",
                    "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                    "-storepass", PASSWORD, "-keypass", PASSWORD);
            keytool("-exportcert", "-alias", "model", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                    "-rfc", "-file", certificate.toString());

            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                keys.load(in, PASSWORD.toCharArray());
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);

            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(context));
            server.setExecutor(Executors.newCachedThreadPool(task -> {
                Thread thread = new Thread(task, "tls-model-server");
                thread.setDaemon(true);
                return thread;
            }));
            server.createContext("/", exchange -> {
                List<SNIServerName> names = ((ExtendedSSLSession) ((HttpsExchange) exchange).getSSLSession())
                        .getRequestedServerNames();
                lastSni = names.isEmpty() ? null : new String(names.get(0).getEncoded(), StandardCharsets.US_ASCII);
                lastHost = exchange.getRequestHeaders().getFirst("Host");
                exchange.getRequestBody().readAllBytes();
                byte[] body = "{\"model\":\"tls-model\",\"choices\":[{\"text\":\"over tls\",\"finish_reason\":\"stop\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return Map.of("enclave.adapter.tls-configuration-name", "model-servers",
                    "quarkus.tls.model-servers.trust-store.pem.certs", certificate.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up the TLS model server", e);
        }
    }

    static int port() {
        return server.getAddress().getPort();
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (directory != null) {
            try (var files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
