package dev.enclave.launcher.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the links of every Markdown file under a repository root, offline.
 *
 * <p>A repository's documentation must stand on its own: a reader who clones it has nothing
 * else. So the checker refuses
 * <ul>
 *   <li>a relative link to a file or directory that does not exist;</li>
 *   <li>a link to an anchor ({@code file.md#section}, {@code #section}) that no heading of the
 *       target has, with GitHub's slug rules (lower case, punctuation dropped, spaces to
 *       hyphens, {@code -1}, {@code -2} … for repeated headings);</li>
 *   <li>anything that leads outside the repository: a link whose path climbs above the root,
 *       an absolute file path or {@code file:} URI (as a link, or an absolute {@code .md} path or
 *       developer home path in the text), any {@code ../} path in the text (code included)
 *       that climbs above the root, and {@code ../shared} wherever it appears;</li>
 *   <li>an external {@code http(s)} link whose host is not in {@link #ALLOWED_EXTERNAL_HOSTS}.
 *       External links are never fetched (the repository is offline-first and so are its
 *       tests); the allowlist says which sites the documentation may send a reader to. Example
 *       URLs in running text (loopback, private addresses, {@code *.example}, names without a
 *       dot such as {@code http://ai-gateway:5052}) are not links to anything and pass.</li>
 * </ul>
 * Fenced code blocks and code spans are not searched for links (they are not rendered as links),
 * but they are searched for paths that lead outside the repository.
 */
public final class MarkdownLinkChecker {

    /**
     * Sites a document may link to. Only GitLab's own documentation: the compatibility guide
     * may cite the contract Enclave follows. Nothing else, so that the documentation describes
     * the product itself rather than sending the reader away.
     */
    public static final Set<String> ALLOWED_EXTERNAL_HOSTS = Set.of("docs.gitlab.com");

    /** Directories that hold build output, local run data or dependencies, never documentation. */
    public static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "data", "node_modules", ".git");

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern ATX_HEADING = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?[ \\t]*$");
    private static final Pattern SETEXT_UNDERLINE = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
    private static final Pattern HTML_ID = Pattern.compile("<a\\s[^>]*\\b(?:name|id)\\s*=\\s*\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern INLINE_LINK = Pattern.compile(
            "!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(\\s*(<[^>\\n]*>|[^\\s()]*(?:\\([^\\s()]*\\)[^\\s()]*)*)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:[ \\t]*(<[^>\\n]*>|\\S+)");
    private static final Pattern AUTOLINK = Pattern.compile("<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\\s<>]*)>");
    private static final Pattern HTML_HREF = Pattern.compile("<a\\s[^>]*\\bhref\\s*=\\s*\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern BARE_URL = Pattern.compile("(?<![\\w/<(\\[])(https?://[^\\s<>)\\]`\"]+)");
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

    private static final Pattern SHARED_REFERENCE = Pattern.compile("\\.\\./shared\\b");
    private static final Pattern CLIMBING_PATH = Pattern.compile("(?<![\\w./-])((?:\\.\\./)+[\\w.*@+-]*(?:/[\\w.*@+-]+)*)");
    private static final Pattern ABSOLUTE_MD_PATH = Pattern.compile("(?<![\\w.:/~-])(/[\\w.-]+(?:/[\\w.-]+)*\\.md)\\b");
    private static final Pattern HOME_PATH = Pattern.compile("(?<![\\w.:/-])(/(?:work|home|Users)/[\\w.-]+[^\\s`)\\]]*)");
    private static final Pattern FILE_URI = Pattern.compile("\\bfile:/");

    private final Path root;
    private final Map<Path, Set<String>> anchorCache = new HashMap<>();

    public MarkdownLinkChecker(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /**
     * The repository root seen from {@code start}: the nearest directory, {@code start} or
     * above, that holds the Maven wrapper {@code mvnw}.
     */
    public static Path findRoot(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with mvnw at or above " + start.toAbsolutePath());
    }

    /** Every Markdown file under the root, outside {@link #SKIPPED_DIRECTORIES}, in path order. */
    public List<Path> markdownFiles() {
        List<Path> files = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(root) && SKIPPED_DIRECTORIES.contains(dir.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".md")) {
                        files.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the Markdown files under " + root, e);
        }
        files.sort(null);
        return files;
    }

    /** Every problem in every Markdown file, as {@code path:line: what}. Empty when all is well. */
    public List<String> checkAll() {
        List<String> problems = new ArrayList<>();
        for (Path file : markdownFiles()) {
            problems.addAll(check(file));
        }
        return problems;
    }

    /** The problems of one Markdown file under the root. */
    public List<String> check(Path file) {
        Path source = file.toAbsolutePath().normalize();
        String text = read(source);
        String prose = blankCode(text);
        List<String> problems = new ArrayList<>();

        for (Matcher m = INLINE_LINK.matcher(prose); m.find(); ) {
            checkDestination(source, text, m.start(2), unbracket(m.group(2)), problems);
        }
        for (Matcher m = REFERENCE_DEFINITION.matcher(prose); m.find(); ) {
            checkDestination(source, text, m.start(1), unbracket(m.group(1)), problems);
        }
        for (Matcher m = AUTOLINK.matcher(prose); m.find(); ) {
            checkDestination(source, text, m.start(1), m.group(1), problems);
        }
        for (Matcher m = HTML_HREF.matcher(prose); m.find(); ) {
            checkDestination(source, text, m.start(1), m.group(1), problems);
        }
        for (Matcher m = BARE_URL.matcher(prose); m.find(); ) {
            String url = m.group(1).replaceAll("[.,;:!?]+$", "");
            if (!isExampleUrl(url)) {
                checkExternal(source, text, m.start(1), url, problems);
            }
        }

        // Paths in the text, code included: a reader may copy them.
        for (Matcher m = SHARED_REFERENCE.matcher(text); m.find(); ) {
            problems.add(where(source, text, m.start()) + "refers to ../shared, outside the repository");
        }
        for (Matcher m = CLIMBING_PATH.matcher(text); m.find(); ) {
            String path = m.group(1);
            if (!path.startsWith("../shared") && !inside(source.getParent().resolve(path).normalize())) {
                problems.add(where(source, text, m.start()) + "path " + path + " leads outside the repository");
            }
        }
        for (Matcher m = ABSOLUTE_MD_PATH.matcher(text); m.find(); ) {
            problems.add(where(source, text, m.start(1)) + "absolute file path " + m.group(1)
                    + " (use a link relative to this file)");
        }
        for (Matcher m = HOME_PATH.matcher(text); m.find(); ) {
            problems.add(where(source, text, m.start(1)) + "absolute path " + m.group(1) + " on a developer's machine");
        }
        for (Matcher m = FILE_URI.matcher(text); m.find(); ) {
            problems.add(where(source, text, m.start()) + "file: URI leads outside the repository");
        }
        return problems;
    }

    private void checkDestination(Path source, String text, int offset, String destination, List<String> problems) {
        if (destination.isEmpty()) {
            problems.add(where(source, text, offset) + "empty link");
            return;
        }
        Matcher scheme = SCHEME.matcher(destination);
        if (scheme.find() && scheme.group(1).length() > 1) {
            String name = scheme.group(1).toLowerCase(Locale.ROOT);
            if (name.equals("http") || name.equals("https")) {
                checkExternal(source, text, offset, destination, problems);
            } else {
                problems.add(where(source, text, offset) + "link " + destination + " (" + name
                        + ":) leads outside the repository");
            }
            return;
        }
        if (destination.startsWith("/") || destination.startsWith("\\") || destination.matches("^[A-Za-z]:[\\\\/].*")) {
            problems.add(where(source, text, offset) + "absolute link " + destination
                    + " (use a path relative to this file)");
            return;
        }
        int hash = destination.indexOf('#');
        String pathPart = hash < 0 ? destination : destination.substring(0, hash);
        String fragment = hash < 0 ? null : destination.substring(hash + 1);
        int query = pathPart.indexOf('?');
        if (query >= 0) {
            pathPart = pathPart.substring(0, query);
        }
        Path target;
        if (pathPart.isEmpty()) {
            target = source;
        } else {
            target = source.getParent().resolve(URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8)).normalize();
            if (!inside(target)) {
                problems.add(where(source, text, offset) + "link " + destination + " leads outside the repository");
                return;
            }
            if (!Files.exists(target)) {
                problems.add(where(source, text, offset) + "link " + destination + ": "
                        + root.relativize(target) + " does not exist");
                return;
            }
        }
        if (fragment != null) {
            if (!Files.isRegularFile(target) || !target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".md")) {
                problems.add(where(source, text, offset) + "link " + destination
                        + ": an anchor into something that is not a Markdown file");
                return;
            }
            String anchor = URLDecoder.decode(fragment.replace("+", "%2B"), StandardCharsets.UTF_8);
            if (!anchors(target).contains(anchor)) {
                problems.add(where(source, text, offset) + "link " + destination + ": no heading #" + anchor
                        + " in " + root.relativize(target));
            }
        }
    }

    private void checkExternal(Path source, String text, int offset, String url, List<String> problems) {
        String host;
        try {
            host = new URI(url).getHost();
        } catch (URISyntaxException e) {
            host = null;
        }
        if (host == null || !ALLOWED_EXTERNAL_HOSTS.contains(host.toLowerCase(Locale.ROOT))) {
            problems.add(where(source, text, offset) + "external link " + url
                    + " (allowed hosts: " + ALLOWED_EXTERNAL_HOSTS + ")");
        }
    }

    /**
     * A URL in running text that only illustrates a setting or a call: loopback, private and
     * documentation addresses, reserved example names, and single-label hosts (service names).
     */
    static boolean isExampleUrl(String url) {
        String rest = url.substring(url.indexOf("://") + 3);
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        String authority = rest.substring(0, end);
        String host = authority.startsWith("[") ? authority : authority.replaceAll(":[^:]*$", "");
        host = host.toLowerCase(Locale.ROOT);
        if (host.isEmpty() || host.contains("<") || host.contains("…") || host.startsWith("[")) {
            return true;
        }
        if (!host.contains(".") || host.equals("localhost") || host.endsWith(".example") || host.endsWith(".test")
                || host.endsWith(".invalid") || host.endsWith(".local") || host.equals("example.com")
                || host.endsWith(".example.com") || host.equals("example.org") || host.endsWith(".example.org")) {
            return true;
        }
        return host.matches("127\\..*|10\\..*|192\\.168\\..*|172\\.(1[6-9]|2\\d|3[01])\\..*|0\\.0\\.0\\.0"
                + "|192\\.0\\.2\\..*|198\\.51\\.100\\..*|203\\.0\\.113\\..*");
    }

    private boolean inside(Path path) {
        return path.startsWith(root);
    }

    /** The anchors GitHub gives the headings of a Markdown file, plus explicit HTML ids. */
    Set<String> anchors(Path file) {
        return anchorCache.computeIfAbsent(file.toAbsolutePath().normalize(), f -> headingAnchors(read(f)));
    }

    static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        String[] lines = markdown.split("\\R", -1);
        String fence = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher f = FENCE.matcher(line);
            if (fence != null) {
                if (f.find() && f.group(1).charAt(0) == fence.charAt(0) && f.group(1).length() >= fence.length()
                        && line.trim().length() == f.group(1).length()) {
                    fence = null;
                }
                continue;
            }
            if (f.find()) {
                fence = f.group(1);
                continue;
            }
            for (Matcher id = HTML_ID.matcher(line); id.find(); ) {
                anchors.add(id.group(1));
            }
            String heading = null;
            Matcher atx = ATX_HEADING.matcher(line);
            if (atx.matches()) {
                heading = atx.group(2) == null ? "" : atx.group(2).replaceAll("[ \\t]+#+$", "");
            } else if (i + 1 < lines.length && !line.isBlank() && !line.startsWith("    ")
                    && SETEXT_UNDERLINE.matcher(lines[i + 1]).matches() && !line.trim().startsWith("|")
                    && !line.trim().startsWith("-") && !line.trim().startsWith("*")) {
                heading = line.trim();
            }
            if (heading != null) {
                String base = slug(heading);
                int count = seen.merge(base, 1, Integer::sum) - 1;
                anchors.add(count == 0 ? base : base + "-" + count);
            }
        }
        return anchors;
    }

    /**
     * GitHub's anchor for a heading: its rendered text (code spans keep their content, links
     * their text, emphasis and HTML tags go) in lower case, with every character that is not a
     * letter, digit, mark, underscore, hyphen or space dropped, and each space a hyphen.
     */
    static String slug(String heading) {
        StringBuilder rendered = new StringBuilder();
        Matcher code = Pattern.compile("(`+)(.+?)\\1").matcher(heading);
        int at = 0;
        while (code.find()) {
            rendered.append(renderInline(heading.substring(at, code.start())));
            rendered.append(code.group(2).strip());
            at = code.end();
        }
        rendered.append(renderInline(heading.substring(at)));
        String lower = rendered.toString().strip().toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        lower.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (c == ' ') {
                slug.append('-');
            } else if (c == '-' || Character.isLetterOrDigit(c) || type == Character.CONNECTOR_PUNCTUATION
                    || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK) {
                slug.appendCodePoint(c);
            }
        });
        return slug.toString();
    }

    private static String renderInline(String text) {
        return text
                .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "")
                .replaceAll("\\*+", "")
                .replaceAll("(?<![\\p{L}\\p{N}])_+|_+(?![\\p{L}\\p{N}])", "")
                .replaceAll("~~", "");
    }

    /**
     * The text with fenced code blocks and code spans replaced by spaces (line breaks kept, so
     * offsets and line numbers stay those of the file): what is left is what renders as prose.
     */
    static String blankCode(String markdown) {
        char[] out = markdown.toCharArray();
        String[] lines = markdown.split("\n", -1);
        int offset = 0;
        String fence = null;
        for (String line : lines) {
            Matcher f = FENCE.matcher(line);
            boolean blank = false;
            if (fence != null) {
                blank = true;
                if (f.find() && f.group(1).charAt(0) == fence.charAt(0) && f.group(1).length() >= fence.length()
                        && line.trim().length() == f.group(1).length()) {
                    fence = null;
                }
            } else if (f.find()) {
                fence = f.group(1);
                blank = true;
            }
            if (blank) {
                for (int i = offset; i < offset + line.length(); i++) {
                    out[i] = ' ';
                }
            }
            offset += line.length() + 1;
        }
        String withoutBlocks = new String(out);
        // Code spans: a run of n backticks up to the next run of exactly n backticks.
        Matcher run = Pattern.compile("`+").matcher(withoutBlocks);
        int from = 0;
        while (run.find(from)) {
            int n = run.end() - run.start();
            Matcher close = Pattern.compile("(?<!`)`{" + n + "}(?!`)").matcher(withoutBlocks);
            if (close.find(run.end())) {
                for (int i = run.start(); i < close.end(); i++) {
                    if (out[i] != '\n') {
                        out[i] = ' ';
                    }
                }
                from = close.end();
            } else {
                from = run.end();
            }
        }
        return new String(out);
    }

    private static String unbracket(String destination) {
        return destination.startsWith("<") && destination.endsWith(">")
                ? destination.substring(1, destination.length() - 1) : destination;
    }

    private String where(Path source, String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return root.relativize(source) + ":" + line + ": ";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
