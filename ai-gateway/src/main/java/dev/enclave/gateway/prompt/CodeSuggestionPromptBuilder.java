package dev.enclave.gateway.prompt;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Renders code completion and generation prompts for a model family. */
@ApplicationScoped
public class CodeSuggestionPromptBuilder {

    static final String COMPLETION_SYSTEM = """
            You are a code completion tool. Continue the code at the cursor. Answer with the code \
            to insert only: no explanations, no Markdown fences, nothing the file already has.""";

    static final String GENERATION_SYSTEM = """
            You are a code generation assistant. Write the code the instruction asks for, in the \
            language of the file, to be inserted at the cursor. Answer with code only.""";

    public ModelPrompt completion(ModelFamily family, String fileName, String language, String prefix, String suffix) {
        String above = nullToEmpty(prefix);
        String below = nullToEmpty(suffix);
        if (family.supportsFillInTheMiddle()) {
            return new ModelPrompt.Completion(family.fillInTheMiddle(above, below));
        }
        String user = "File: " + fileName + " (" + language + ")\n"
                + "<code_before_cursor>\n" + above + "</code_before_cursor>\n"
                + "<code_after_cursor>\n" + below + "</code_after_cursor>";
        return chat(COMPLETION_SYSTEM, user);
    }

    public ModelPrompt generation(String fileName, String language, String prefix, String suffix, String instruction) {
        StringBuilder user = new StringBuilder("File: ").append(fileName).append(" (").append(language).append(")\n")
                .append("<code_before_cursor>\n").append(nullToEmpty(prefix)).append("</code_before_cursor>\n")
                .append("<code_after_cursor>\n").append(nullToEmpty(suffix)).append("</code_after_cursor>\n");
        if (instruction != null && !instruction.isBlank()) {
            user.append("<instruction>\n").append(instruction).append("\n</instruction>");
        } else {
            user.append("Write the code that the comment or function right before the cursor asks for.");
        }
        return chat(GENERATION_SYSTEM, user.toString());
    }

    private static ModelPrompt chat(String system, String user) {
        return new ModelPrompt.Chat(List.of(new ModelPrompt.Message("system", system),
                new ModelPrompt.Message("user", user)));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
