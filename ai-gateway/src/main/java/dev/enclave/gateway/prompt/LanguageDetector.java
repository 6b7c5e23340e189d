package dev.enclave.gateway.prompt;

import java.util.Locale;
import java.util.Map;

/** The language name GitLab reports in {@code model.lang}, from the file name's extension. */
public final class LanguageDetector {

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("py", "python"), Map.entry("js", "js"), Map.entry("jsx", "js"), Map.entry("mjs", "js"),
            Map.entry("ts", "ts"), Map.entry("tsx", "ts"), Map.entry("java", "java"), Map.entry("go", "go"),
            Map.entry("rb", "ruby"), Map.entry("rs", "rust"), Map.entry("c", "c"), Map.entry("h", "c"),
            Map.entry("cpp", "cpp"), Map.entry("cc", "cpp"), Map.entry("hpp", "cpp"), Map.entry("cs", "csharp"),
            Map.entry("kt", "kotlin"), Map.entry("kts", "kotlin"), Map.entry("php", "php"),
            Map.entry("scala", "scala"), Map.entry("swift", "swift"), Map.entry("sh", "shell"),
            Map.entry("sql", "sql"), Map.entry("tf", "terraform"), Map.entry("vue", "vue"),
            Map.entry("svelte", "svelte"), Map.entry("hs", "haskell"), Map.entry("ex", "elixir"),
            Map.entry("lua", "lua"), Map.entry("dart", "dart"), Map.entry("m", "objective-c"));

    private LanguageDetector() {
    }

    /** @return the language, or the empty string when the extension is unknown (as GitLab's gateway does) */
    public static String fromFileName(String fileName) {
        if (fileName == null) {
            return "";
        }
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return "";
        }
        return BY_EXTENSION.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), "");
    }
}
