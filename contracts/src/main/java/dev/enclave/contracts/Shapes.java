package dev.enclave.contracts;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Matching by shape: an example value stands for every value of its JSON type. Objects must have
 * every field of the example (a field whose name ends in {@code ?} may be absent or null); each
 * element of an array matches the example's first element; a string example that is a
 * {@code {{placeholder}}} stands for any non-empty string. Differences are described one per line
 * with the path where they are.
 */
public final class Shapes {

    private Shapes() {
    }

    /**
     * @param extraFieldsAllowed false for what a consumer sends (a field the contract does not know
     *                           is a renamed or new field the provider does not read), true for
     *                           what a provider answers (it may say more than this consumer reads)
     */
    public static List<String> mismatches(JsonNode expected, JsonNode actual, boolean extraFieldsAllowed,
                                          Map<String, String> matchers) {
        List<String> out = new ArrayList<>();
        compare("", expected, actual, extraFieldsAllowed, matchers == null ? Map.of() : matchers, out);
        return out;
    }

    private static void compare(String path, JsonNode expected, JsonNode actual, boolean extraAllowed,
                                Map<String, String> matchers, List<String> out) {
        String at = path.isEmpty() ? "the body" : path;
        if (actual == null || actual.isMissingNode()) {
            out.add(at + ": missing");
            return;
        }
        String rule = matchers.get(path);
        if (rule != null && rule.startsWith("regex:")) {
            if (!actual.isValueNode() || !Pattern.compile(rule.substring(6)).matcher(actual.asText()).matches()) {
                out.add(at + ": " + describe(actual) + " does not match " + rule);
            }
            return;
        }
        if (expected.isObject()) {
            if (!actual.isObject()) {
                out.add(at + ": expected an object, got " + describe(actual));
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                boolean optional = field.getKey().endsWith("?");
                String name = optional ? field.getKey().substring(0, field.getKey().length() - 1) : field.getKey();
                JsonNode value = actual.get(name);
                String child = path.isEmpty() ? name : path + "." + name;
                if (value == null || value.isNull()) {
                    if (!optional && !field.getValue().isNull()) {
                        out.add(child + ": missing");
                    }
                    continue;
                }
                compare(child, field.getValue(), value, extraAllowed, matchers, out);
            }
            if (!extraAllowed) {
                actual.fieldNames().forEachRemaining(name -> {
                    if (!expected.has(name) && !expected.has(name + "?")) {
                        out.add((path.isEmpty() ? name : path + "." + name) + ": not in the contract");
                    }
                });
            }
        } else if (expected.isArray()) {
            if (!actual.isArray()) {
                out.add(at + ": expected an array, got " + describe(actual));
                return;
            }
            if (!expected.isEmpty() && actual.isEmpty() && extraAllowed) {
                // a provider's answer: the example has elements, so the state must produce some
                out.add(at + ": empty, where the contract's example has elements (does the provider state create them?)");
            }
            if (!expected.isEmpty()) {
                for (int i = 0; i < actual.size(); i++) {
                    compare(path + "[]", expected.get(0), actual.get(i), extraAllowed, matchers, out);
                }
            }
        } else if (expected.isTextual()) {
            if (!actual.isTextual()) {
                out.add(at + ": expected a string, got " + describe(actual));
            } else if (expected.asText().matches("\\{\\{[^}]+}}") && actual.asText().isEmpty()) {
                out.add(at + ": empty");
            }
        } else if (expected.isIntegralNumber()) {
            if (!actual.isIntegralNumber()) {
                out.add(at + ": expected an integer, got " + describe(actual));
            }
        } else if (expected.isNumber()) {
            if (!actual.isNumber()) {
                out.add(at + ": expected a number, got " + describe(actual));
            }
        } else if (expected.isBoolean()) {
            if (!actual.isBoolean()) {
                out.add(at + ": expected true or false, got " + describe(actual));
            }
        }
        // an example of null: any value
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        return node.getNodeType().name().toLowerCase() + " " + (text.length() > 60 ? text.substring(0, 60) + "…" : text);
    }

    /** Whether {@code actual} satisfies a header or path rule: exact, {@code regex:...}, or containing placeholders. */
    public static boolean valueMatches(String rule, String actual) {
        if (actual == null) {
            return false;
        }
        if (rule.startsWith("regex:")) {
            return Pattern.compile(rule.substring(6)).matcher(actual).matches();
        }
        if (rule.contains("{{")) {
            StringBuilder regex = new StringBuilder();
            int at = 0;
            java.util.regex.Matcher m = Pattern.compile("\\{\\{[^}]+}}").matcher(rule);
            while (m.find()) {
                regex.append(Pattern.quote(rule.substring(at, m.start()))).append(".+");
                at = m.end();
            }
            regex.append(Pattern.quote(rule.substring(at)));
            return actual.matches(regex.toString());
        }
        return rule.equals(actual);
    }
}
