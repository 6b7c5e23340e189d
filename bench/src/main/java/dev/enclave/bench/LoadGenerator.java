package dev.enclave.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop HTTP load generator, like wrk: {@code connections} keep-alive connections, each
 * sending the next request as soon as the previous answer has been read to its end. Everything
 * runs on one Vert.x event loop, so the histograms need no locking and the generator takes one
 * core at most.
 *
 * <p>For each request it records the time to the first non-empty body chunk and the time to the
 * end of the body (both from the moment the request was handed to the client), for a JSON answer
 * the two are nearly the same. Only requests that started inside the measuring window and ended
 * in it with a 2xx count as successes; any other status, a connection failure or a timeout is an
 * error (counted by status or by the failure's kind).
 */
final class LoadGenerator implements AutoCloseable {

    /** One kind of request: where it goes and what it sends. */
    record Target(URI uri, Map<String, String> headers, String body) {
    }

    /** The figures of one measured run. */
    record Result(long successes, long errors, Map<String, Long> errorKinds, double seconds,
                  Histogram firstChunk, Histogram lastChunk, long bodyBytes, long chunks) {

        double throughput() {
            return seconds <= 0 ? 0 : successes / seconds;
        }
    }

    private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Vertx vertx;
    private final Duration requestTimeout;

    LoadGenerator(Duration requestTimeout) {
        this.vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        this.requestTimeout = requestTimeout;
    }

    /**
     * Runs {@code warmup} unmeasured, then {@code duration} measured, at most {@code maxRequests}
     * requests started in the measured window; then waits (bounded by the request timeout) for the
     * requests in flight to end.
     */
    Result run(Target target, int connections, Duration warmup, Duration duration, long maxRequests) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setPipelining(false)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis())),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(connections * 2));
        Run run = new Run(client, target, connections, warmup, duration, maxRequests);
        try {
            return run.execute();
        } finally {
            client.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
        }
    }

    private final class Run {
        private final HttpClient client;
        private final Target target;
        private final int connections;
        private final Duration warmup;
        private final Duration duration;
        private final long maxRequests;
        private final RequestOptions options;
        private final Buffer body;

        // Touched on the event loop only.
        private final Histogram firstChunk = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
        private final Histogram lastChunk = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
        private final Map<String, Long> errorKinds = new TreeMap<>();
        private long successes;
        private long errors;
        private long bodyBytes;
        private long chunks;
        private long measureStart;
        private long measureEnd;
        private long startedInWindow;
        private boolean stopping;
        private int active;
        private final CompletableFuture<Void> drained = new CompletableFuture<>();

        Run(HttpClient client, Target target, int connections, Duration warmup, Duration duration, long maxRequests) {
            this.client = client;
            this.target = target;
            this.connections = connections;
            this.warmup = warmup;
            this.duration = duration;
            this.maxRequests = maxRequests;
            URI uri = target.uri();
            this.options = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost())
                    .setPort(uri.getPort()).setURI(uri.getRawPath()).setIdleTimeout(requestTimeout.toMillis());
            target.headers().forEach(options::putHeader);
            options.putHeader("Content-Type", "application/json");
            this.body = Buffer.buffer(target.body());
        }

        Result execute() {
            long now = System.nanoTime();
            measureStart = now + warmup.toNanos();
            measureEnd = measureStart + duration.toNanos();
            vertx.runOnContext(v -> {
                active = connections;
                for (int i = 0; i < connections; i++) {
                    next();
                }
            });
            vertx.setTimer(Math.max(1, (measureEnd - System.nanoTime()) / 1_000_000), id -> stop(System.nanoTime()));
            long bound = warmup.plus(duration).plus(requestTimeout).plusSeconds(10).toMillis();
            try {
                drained.get(bound, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // Requests still hanging after their timeout: report what was measured.
                vertx.runOnContext(v -> stop(System.nanoTime()));
            }
            CompletableFuture<Result> result = new CompletableFuture<>();
            vertx.runOnContext(v -> result.complete(new Result(successes, errors, Map.copyOf(errorKinds),
                    (measureEnd - measureStart) / 1e9, firstChunk.copy(), lastChunk.copy(), bodyBytes, chunks)));
            return result.join();
        }

        private void stop(long at) {
            if (!stopping) {
                stopping = true;
                measureEnd = Math.min(measureEnd, at);
            }
        }

        private void next() {
            long start = System.nanoTime();
            boolean measured = start >= measureStart;
            if (stopping || start >= measureEnd) {
                stop(Math.min(start, measureEnd));
                if (--active == 0) {
                    drained.complete(null);
                }
                return;
            }
            if (measured && ++startedInWindow >= maxRequests) {
                stop(start);
            }
            client.request(options).compose(request -> request.send(body)).onComplete(sent -> {
                if (sent.failed()) {
                    failed(measured, sent.cause());
                    next();
                    return;
                }
                HttpClientResponse response = sent.result();
                Exchange exchange = new Exchange(start, measured, response.statusCode());
                response.handler(exchange::chunk);
                response.exceptionHandler(e -> exchange.fail(e));
                response.endHandler(v -> exchange.end());
            });
        }

        private void failed(boolean measured, Throwable cause) {
            if (measured && System.nanoTime() <= measureEnd) {
                errors++;
                errorKinds.merge(kind(cause), 1L, Long::sum);
            }
        }

        private static String kind(Throwable cause) {
            String name = cause.getClass().getSimpleName();
            if (cause.getMessage() != null && cause.getMessage().toLowerCase().contains("timeout")) {
                return "timeout";
            }
            return name.isEmpty() ? "failure" : name;
        }

        /** One request's answer, read chunk by chunk. */
        private final class Exchange {
            private final long start;
            private final boolean measured;
            private final int status;
            private long first = -1;
            private long bytes;
            private int pieces;
            private boolean over;

            Exchange(long start, boolean measured, int status) {
                this.start = start;
                this.measured = measured;
                this.status = status;
            }

            void chunk(Buffer chunk) {
                if (chunk.length() > 0) {
                    if (first < 0) {
                        first = System.nanoTime();
                    }
                    bytes += chunk.length();
                    pieces++;
                }
            }

            void fail(Throwable e) {
                if (over) {
                    return;
                }
                over = true;
                failed(measured, e);
                next();
            }

            void end() {
                if (over) {
                    return;
                }
                over = true;
                long end = System.nanoTime();
                if (measured && end <= measureEnd) {
                    if (status >= 200 && status < 300) {
                        successes++;
                        lastChunk.recordValue(Math.min(end - start, HIGHEST_TRACKABLE_NANOS));
                        firstChunk.recordValue(Math.min((first < 0 ? end : first) - start, HIGHEST_TRACKABLE_NANOS));
                        bodyBytes += bytes;
                        chunks += pieces;
                    } else {
                        errors++;
                        errorKinds.merge(String.valueOf(status), 1L, Long::sum);
                    }
                }
                next();
            }
        }
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .exceptionally(e -> null).join();
    }
}
