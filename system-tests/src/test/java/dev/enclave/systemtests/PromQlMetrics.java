package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names the PromQL expressions of deploy/observability use: the Grafana dashboard's
 * {@code expr}s (every panel target) and the alert rules' {@code expr:} lines.
 */
final class PromQlMetrics {

    /** deploy/observability, from the module's directory (where failsafe runs) or the repository's root. */
    static final Path DIR = Files.isDirectory(Path.of("../deploy/observability"))
            ? Path.of("../deploy/observability") : Path.of("deploy/observability");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    /** by (...), without (...), on (...), ignoring (...), group_left (...), group_right (...): label lists. */
    private static final Pattern GROUPINGS = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");
    private static final Pattern ALERT_EXPR = Pattern.compile("^\\s*expr:\\s*(.+)$");

    private PromQlMetrics() {
    }

    /** The metric names of one expression: identifiers that are not functions, keywords or label names. */
    static Set<String> metricsOf(String expr) {
        String rest = STRING.matcher(expr).replaceAll(" ");
        rest = MATCHERS.matcher(rest).replaceAll(" ");
        rest = RANGES.matcher(rest).replaceAll(" ");
        rest = GROUPINGS.matcher(rest).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(rest);
        while (m.find()) {
            String name = m.group();
            int after = m.end();
            while (after < rest.length() && Character.isWhitespace(rest.charAt(after))) {
                after++;
            }
            boolean function = after < rest.length() && rest.charAt(after) == '(';
            boolean number = m.start() > 0 && (Character.isDigit(rest.charAt(m.start() - 1))
                    || rest.charAt(m.start() - 1) == '.');
            if (!function && !number && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }

    static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DIR.resolve("grafana-dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode expr : dashboard.findValues("expr")) {
            exprs.add(expr.asText());
        }
        return exprs;
    }

    static List<String> alertExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("alerts.yaml"))) {
            Matcher m = ALERT_EXPR.matcher(line);
            if (m.matches()) {
                String expr = m.group(1).strip();
                if (expr.startsWith("|") || expr.startsWith(">")) {
                    throw new IllegalStateException("alerts.yaml: keep each expr on one line: " + line);
                }
                exprs.add(expr);
            }
        }
        return exprs;
    }
}
