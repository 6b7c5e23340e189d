package dev.enclave.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Request and response bodies of {@code /v2/code/completions} and {@code /v2/code/generations}. */
public final class CodeSuggestionWire {

    private CodeSuggestionWire() {
    }

    public record CurrentFile(@JsonProperty("file_name") String fileName,
                              @JsonProperty("language_identifier") String languageIdentifier,
                              @JsonProperty("content_above_cursor") String contentAboveCursor,
                              @JsonProperty("content_below_cursor") String contentBelowCursor) {
    }

    public record Request(@JsonProperty("project_path") String projectPath,
                          @JsonProperty("project_id") Long projectId,
                          @JsonProperty("current_file") CurrentFile currentFile,
                          @JsonProperty("model_provider") String modelProvider,
                          @JsonProperty("model_endpoint") String modelEndpoint,
                          @JsonProperty("model_api_key") String modelApiKey,
                          @JsonProperty("model_identifier") String modelIdentifier,
                          @JsonProperty("model_name") String modelName,
                          @JsonProperty("prompt_version") Integer promptVersion,
                          JsonNode prompt,
                          @JsonProperty("prompt_id") String promptId,
                          @JsonProperty("user_instruction") String userInstruction,
                          Boolean stream,
                          @JsonProperty("choices_count") Integer choicesCount,
                          List<JsonNode> context,
                          List<JsonNode> telemetry) {
        @Override
        public String toString() {
            return "CodeSuggestionRequest[file=" + (currentFile == null ? null : currentFile.fileName())
                    + ", model=" + modelName + "/" + modelIdentifier + "]";
        }
    }

    /**
     * The answer's {@code model}. {@code tokens_consumption_metadata} (as GitLab's AI gateway names it):
     * the tokens the model server counted for the answer, summed over its choices; absent when it
     * counted none. instance-service keeps them in its usage records.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(String engine, String name, String lang,
                        @JsonProperty("tokens_consumption_metadata") TokensConsumption tokensConsumption) {

        public Model(String engine, String name, String lang) {
            this(engine, name, lang, null);
        }

        public Model withTokens(TokensConsumption tokens) {
            return new Model(engine, name, lang, tokens);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokensConsumption(@JsonProperty("input_tokens") Long inputTokens,
                                    @JsonProperty("output_tokens") Long outputTokens) {
    }

    public record Choice(String text, int index, @JsonProperty("finish_reason") String finishReason) {
    }

    public record Response(String id, Model model, String object, long created, List<Choice> choices) {
    }
}
