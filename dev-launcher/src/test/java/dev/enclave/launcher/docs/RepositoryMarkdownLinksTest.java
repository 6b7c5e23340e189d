package dev.enclave.launcher.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The repository's own documentation: every Markdown file's links resolve inside the
 * repository (files and headings), nothing refers to a path outside it, and external links go
 * only to the allowlisted hosts ({@link MarkdownLinkChecker}). Runs offline, in the ordinary
 * test phase of this module.
 */
class RepositoryMarkdownLinksTest {

    private final Path root = MarkdownLinkChecker.findRoot(Path.of(""));
    private final MarkdownLinkChecker checker = new MarkdownLinkChecker(root);

    @Test
    void findsTheRepositoryDocumentation() {
        List<Path> files = checker.markdownFiles();
        // Guards against a walk that silently finds nothing (a wrong root, a skip rule too wide).
        assertThat(files).contains(root.resolve("README.md"), root.resolve("docs/README.md"),
                root.resolve("docs/architecture.md"), root.resolve("token-service/README.md"));
    }

    @Test
    void everyLinkResolvesInsideTheRepository() {
        List<String> problems = checker.checkAll();
        assertThat(problems)
                .as("broken or outside links in the repository's Markdown (%d):%n%s", problems.size(),
                        String.join(System.lineSeparator(), problems))
                .isEmpty();
    }
}
