package dev.enclave.adapter.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.egress.ModelStream;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.stream.OpenAiStreamParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Demand, back-pressure and cancellation between a model's stream and the caller, without a network. */
class NdjsonEventStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A model answer whose body the test hands over piece by piece; records pauses, resumes and cancels. */
    static final class ScriptedModelStream implements ModelStream {
        Consumer<Buffer> piece;
        Runnable end;
        Consumer<ModelCallException> failure;
        final List<String> calls = new ArrayList<>();
        boolean paused;

        @Override
        public int status() {
            return 200;
        }

        @Override
        public Map<String, String> headers() {
            return Map.of();
        }

        @Override
        public String url() {
            return "http://model.test/v1/completions";
        }

        @Override
        public void read(Consumer<Buffer> piece, Runnable end, Consumer<ModelCallException> failure) {
            this.piece = piece;
            this.end = end;
            this.failure = failure;
        }

        @Override
        public void pause() {
            calls.add("pause");
            paused = true;
        }

        @Override
        public void resume() {
            calls.add("resume");
            paused = false;
        }

        @Override
        public void cancel() {
            calls.add("cancel");
        }

        void token(String text) {
            piece.accept(Buffer.buffer(("data: {\"model\":\"m\",\"choices\":[{\"text\":\"" + text + "\"}]}\n\n")
                    .getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** A reader that asks for lines only when told to. */
    static final class SlowReader implements Flow.Subscriber<String> {
        Flow.Subscription subscription;
        final List<String> lines = new ArrayList<>();
        boolean complete;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(String line) {
            lines.add(line);
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void onComplete() {
            complete = true;
        }
    }

    private ScriptedModelStream model;
    private SlowReader reader;

    @BeforeEach
    void subscribe() {
        model = new ScriptedModelStream();
        reader = new SlowReader();
        new NdjsonEventStream(model, sink -> new OpenAiStreamParser(JSON, sink, 4096), JSON, null, "req-1",
                "fallback", text -> text.replace("sk-secret", "[redacted]")).subscribe(reader);
    }

    @Test
    void aReaderThatAsksForNothingPausesTheModelAtTheHighWaterMark() {
        for (int i = 0; i < NdjsonEventStream.HIGH_WATER - 1; i++) {
            model.token("t" + i);
        }
        assertThat(model.calls).isEmpty();

        model.token("last straw");
        assertThat(model.calls).containsExactly("pause");
        assertThat(reader.lines).isEmpty();

        // draining to the low-water mark resumes the model, once
        reader.subscription.request(NdjsonEventStream.HIGH_WATER - NdjsonEventStream.LOW_WATER - 1);
        assertThat(model.calls).containsExactly("pause");
        reader.subscription.request(1);
        assertThat(model.calls).containsExactly("pause", "resume");
        assertThat(reader.lines).hasSize(NdjsonEventStream.HIGH_WATER - NdjsonEventStream.LOW_WATER)
                .first().isEqualTo("{\"type\":\"delta\",\"text\":\"t0\"}\n");
    }

    @Test
    void linesGoOutAsDemandedAndTheStreamCompletesAfterDone() {
        reader.subscription.request(1);
        model.token("a");
        model.token("b");
        assertThat(reader.lines).containsExactly("{\"type\":\"delta\",\"text\":\"a\"}\n");

        model.piece.accept(Buffer.buffer("data: {\"choices\":[{\"text\":\"\",\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"));
        assertThat(reader.complete).isFalse();
        reader.subscription.request(10);

        assertThat(reader.lines).containsExactly("{\"type\":\"delta\",\"text\":\"a\"}\n",
                "{\"type\":\"delta\",\"text\":\"b\"}\n",
                "{\"type\":\"done\",\"finish_reason\":\"length\",\"model\":\"m\","
                        + "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2}}\n");
        assertThat(reader.complete).isTrue();
    }

    @Test
    void aBrokenConnectionIsAnErrorLineAndTheEnd() {
        reader.subscription.request(10);
        model.token("a");
        model.failure.accept(new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                "the connection to model server at http://model.test/v1/completions broke during the answer"));

        assertThat(reader.lines).containsExactly("{\"type\":\"delta\",\"text\":\"a\"}\n",
                "{\"type\":\"error\",\"error\":\"model_server_unreachable\",\"message\":\"the connection to model "
                        + "server at http://model.test/v1/completions broke during the answer\"}\n");
        assertThat(reader.complete).isTrue();
    }

    @Test
    void unparseableBytesCloseTheModelConnectionAndTheMessageLosesTheKey() {
        reader.subscription.request(10);
        model.piece.accept(Buffer.buffer("data: {\"error\":{\"message\":\"bad key sk-secret\"}}\n\n"));

        assertThat(model.calls).containsExactly("cancel");
        assertThat(reader.lines).containsExactly("{\"type\":\"error\",\"error\":\"model_server_error\",\"message\":"
                + "\"model server at http://model.test/v1/completions sent an error in its stream: bad key [redacted]\"}\n");
        assertThat(reader.complete).isTrue();
    }

    @Test
    void aReaderThatGoesAwayClosesTheModelConnection() {
        reader.subscription.request(1);
        model.token("a");
        reader.subscription.cancel();
        model.token("b");

        assertThat(model.calls).containsExactly("cancel");
        assertThat(reader.lines).hasSize(1);
        assertThat(reader.complete).isFalse();
    }

    @Test
    void theEndOfTheBodyBeforeTheModelFinishedIsAnError() {
        reader.subscription.request(10);
        model.token("a");
        model.end.run();

        assertThat(reader.lines).last().isEqualTo("{\"type\":\"error\",\"error\":\"model_server_error\",\"message\":"
                + "\"model server at http://model.test/v1/completions ended its stream before the answer was finished\"}\n");
        assertThat(reader.complete).isTrue();
    }
}
