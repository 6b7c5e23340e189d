package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.rest.AdapterWire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenAI's SSE chunks (vLLM, Ollama, llama.cpp, TGI, Azure, Mistral), cut in every way the network could. */
class OpenAiStreamParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static StreamParser parser(Recorder recorder) {
        return new OpenAiStreamParser(JSON, recorder, 4096);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void completionChunksWithAnEmptyDeltaMultiByteCharactersAndAUsageChunk() {
        byte[] body = utf8("""
                data: {"id":"cmpl-1","object":"text_completion","model":"codestral-22b","choices":[{"index":0,"text":" caf\u00e9","finish_reason":null}]}

                data: {"id":"cmpl-1","object":"text_completion","model":"codestral-22b","choices":[{"index":0,"text":"","finish_reason":null}]}

                : keep-alive

                data: {"id":"cmpl-1","object":"text_completion","model":"codestral-22b","choices":[{"index":0,"text":" \uD83D\uDE00","finish_reason":"length"}]}

                data: {"id":"cmpl-1","object":"text_completion","model":"codestral-22b","choices":[],"usage":{"prompt_tokens":3,"total_tokens":5,"completion_tokens":2}}

                data: [DONE]

                """);

        List<Splits.Parse> parses = Splits.everyCut(body, OpenAiStreamParserTest::parser);

        assertThat(parses).hasSize(body.length + 2).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut()).isNull();
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly(" caf\u00e9", " \uD83D\uDE00");
            assertThat(parse.recorder().outcome).as(parse.cut()).isEqualTo(
                    new StreamOutcome("length", "codestral-22b", new AdapterWire.Usage(3, 2)));
        });
    }

    @Test
    void chatChunksWithCrLfLineEndsAndTheOpeningRoleChunk() {
        byte[] body = utf8("data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\r\n\r\n"
                + "data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"Gr\u00fc\u00df\"},\"finish_reason\":null}]}\r\n\r\n"
                + "data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\" dich\"},\"finish_reason\":\"stop\"}]}\r\n\r\n"
                + "data: [DONE]\r\n\r\n");

        assertThat(Splits.everyCut(body, OpenAiStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut()).isNull();
            assertThat(parse.recorder().text()).as(parse.cut()).isEqualTo("Gr\u00fc\u00df dich");
            assertThat(parse.recorder().outcome).as(parse.cut()).isEqualTo(new StreamOutcome("stop", "m", null));
        });
    }

    @Test
    void mistralsUsageOnTheLastContentChunkIsRead() {
        byte[] body = utf8("data: {\"object\":\"chat.completion.chunk\",\"model\":\"codestral-latest\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":5,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n");

        Splits.Parse parse = Splits.parse("whole", OpenAiStreamParserTest::parser, body);

        assertThat(parse.recorder().outcome).isEqualTo(
                new StreamOutcome("length", "codestral-latest", new AdapterWire.Usage(4, 1)));
    }

    @Test
    void anErrorInTheStreamEndsIt() {
        byte[] body = utf8("data: {\"choices\":[{\"index\":0,\"text\":\"a\"}]}\n\n"
                + "data: {\"object\":\"error\",\"message\":\"CUDA out of memory\",\"type\":\"InternalServerError\"}\n\n");

        assertThat(Splits.everyCut(body, OpenAiStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("a");
            assertThat(parse.recorder().outcome).isNull();
            assertThat(parse.failure()).as(parse.cut()).hasMessage("sent an error in its stream: CUDA out of memory");
        });
    }

    @Test
    void aStreamThatEndsBeforeTheModelFinishedIsBroken() {
        Splits.Parse parse = Splits.parse("whole", OpenAiStreamParserTest::parser,
                utf8("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}\n\n"));

        assertThat(parse.failure()).hasMessage("ended its stream before the answer was finished");
        assertThat(parse.recorder().outcome).isNull();
    }

    @Test
    void aStreamWithAFinishReasonButNoDoneMarkerIsFinishedAtItsEnd() {
        Splits.Parse parse = Splits.parse("whole", OpenAiStreamParserTest::parser,
                utf8("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":\"stop\"}]}"));

        assertThat(parse.failure()).isNull();
        assertThat(parse.recorder().outcome).isEqualTo(new StreamOutcome("stop", null, null));
    }

    @Test
    void bytesAfterDoneAreIgnored() {
        Splits.Parse parse = Splits.parse("whole", OpenAiStreamParserTest::parser,
                utf8("data: [DONE]\n\ndata: {\"choices\":[{\"text\":\"late\"}]}\n\n"));

        assertThat(parse.failure()).isNull();
        assertThat(parse.recorder().texts).isEmpty();
        assertThat(parse.recorder().outcome).isEqualTo(new StreamOutcome(null, null, null));
    }

    @Test
    void notJsonAndOverlongLinesEndTheStream() {
        assertThat(Splits.parse("whole", OpenAiStreamParserTest::parser, utf8("data: {oops\n\n")).failure())
                .hasMessage("sent a stream chunk that is not JSON");
        assertThat(Splits.parse("whole", OpenAiStreamParserTest::parser, utf8("data: " + "x".repeat(5000))).failure())
                .hasMessage("sent a stream line longer than 4096 characters");
    }
}
