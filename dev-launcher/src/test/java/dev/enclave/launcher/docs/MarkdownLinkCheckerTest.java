package dev.enclave.launcher.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker itself, on small repositories made for each case. */
class MarkdownLinkCheckerTest {

    @TempDir
    Path outside;

    private Path root;

    @BeforeEach
    void repository() throws IOException {
        root = Files.createDirectories(outside.resolve("repo"));
        Files.writeString(root.resolve("mvnw"), "#!/bin/sh\n");
        write("docs/guide.md", """
                # Guide

                ## The `POST /api/v4/code_suggestions/completions` path

                ## Fault tolerance

                ## Fault tolerance

                ## What *it* does: a [link](other.md) & more!
                """);
        write("docs/other.md", "# Other\n");
    }

    @Test
    void findsTheRootByTheMavenWrapper() throws IOException {
        Path deep = Files.createDirectories(root.resolve("module/src/test"));
        assertThat(MarkdownLinkChecker.findRoot(deep)).isEqualTo(root.toAbsolutePath().normalize());
    }

    @Test
    void acceptsLinksToFilesAndHeadingsThatExist() throws IOException {
        write("README.md", """
                See [the guide](docs/guide.md), [its path](docs/guide.md#the-post-apiv4code_suggestionscompletions-path),
                [the second one](docs/guide.md#fault-tolerance-1), [this](#readme) and
                [what](docs/guide.md#what-it-does-a-link--more), [docs](docs/) and
                [GitLab](https://docs.gitlab.com/api/code_suggestions/).

                # Readme
                """);
        assertThat(check("README.md")).isEmpty();
    }

    @Test
    void reportsAMissingFileWithItsLine() throws IOException {
        write("README.md", "Intro\n\nSee [errors](docs/errors.md).\n");
        assertThat(check("README.md")).singleElement().asString()
                .startsWith("README.md:3: ").contains("docs/errors.md does not exist");
    }

    @Test
    void reportsAMissingAnchor() throws IOException {
        write("README.md", "[x](docs/guide.md#fault-tolerance-2) [y](#nowhere)\n");
        assertThat(check("README.md")).hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("no heading #fault-tolerance-2 in docs/guide.md"))
                .anySatisfy(p -> assertThat(p).contains("no heading #nowhere in README.md"));
    }

    @Test
    void reportsLinksAndPathsThatLeaveTheRepository() throws IOException {
        Files.writeString(outside.resolve("ARCHITECTURE.md"), "# Outside\n");
        write("README.md", """
                The design is in `../shared/ARCHITECTURE.md` and [here](../ARCHITECTURE.md),
                also [abs](/etc/passwd), [uri](file:///etc/passwd), `../../elsewhere/x.md`,
                the table in /docs/errors.md and /work/shared/reference.
                """);
        List<String> problems = check("README.md");
        assertThat(problems)
                .anySatisfy(p -> assertThat(p).contains("../shared, outside the repository"))
                .anySatisfy(p -> assertThat(p).contains("link ../ARCHITECTURE.md leads outside the repository"))
                .anySatisfy(p -> assertThat(p).contains("absolute link /etc/passwd"))
                .anySatisfy(p -> assertThat(p).contains("file:"))
                .anySatisfy(p -> assertThat(p).contains("path ../../elsewhere/x.md leads outside"))
                .anySatisfy(p -> assertThat(p).contains("absolute file path /docs/errors.md"))
                .anySatisfy(p -> assertThat(p).contains("absolute path /work/shared/reference"));
    }

    @Test
    void aRelativePathThatStaysInsideIsFine() throws IOException {
        write("docs/sub/page.md", "Back to [the guide](../guide.md); run `../../mvnw -B test`.\n");
        assertThat(check("docs/sub/page.md")).isEmpty();
    }

    @Test
    void externalLinksOnlyToTheAllowlist() throws IOException {
        write("README.md", """
                [vendor](https://example.org/x), <https://github.com/some/repo>, https://evil.com/page,
                [GitLab](https://docs.gitlab.com/ee/api/), and examples http://localhost:8080,
                http://10.20.1.5:8000/v1, http://ai-gateway:5052, https://agent.example/cb.
                """);
        List<String> problems = check("README.md");
        assertThat(problems).hasSize(3)
                .anySatisfy(p -> assertThat(p).contains("https://example.org/x"))
                .anySatisfy(p -> assertThat(p).contains("https://github.com/some/repo"))
                .anySatisfy(p -> assertThat(p).contains("https://evil.com/page"));
    }

    @Test
    void linksInCodeAreNotLinks() throws IOException {
        write("README.md", """
                ```markdown
                [not checked](missing.md)
                ```
                and `[neither](missing.md)` nor ``a `[x](missing.md)` b``.
                """);
        assertThat(check("README.md")).isEmpty();
    }

    @Test
    void headingsInsideCodeBlocksAreNotAnchors() {
        assertThat(MarkdownLinkChecker.headingAnchors("# Real\n```sh\n# a comment\n```\nSetext\n===\n"))
                .containsExactly("real", "setext");
    }

    @Test
    void slugsFollowGitHub() {
        assertThat(MarkdownLinkChecker.slug("Place in the request path")).isEqualTo("place-in-the-request-path");
        assertThat(MarkdownLinkChecker.slug("`stream: true` after the 200 went out"))
                .isEqualTo("stream-true-after-the-200-went-out");
        assertThat(MarkdownLinkChecker.slug("Fault control and stream counts over HTTP"))
                .isEqualTo("fault-control-and-stream-counts-over-http");
        assertThat(MarkdownLinkChecker.slug("Bedrock stream (ConverseStream)")).isEqualTo("bedrock-stream-conversestream");
        assertThat(MarkdownLinkChecker.slug("401 / 403: who?")).isEqualTo("401--403-who");
    }

    @Test
    void skipsBuildOutputAndRunData() throws IOException {
        write("module/target/generated.md", "[x](missing.md)\n");
        write("data/notes.md", "[x](missing.md)\n");
        write("module/node_modules/pkg/README.md", "[x](missing.md)\n");
        assertThat(new MarkdownLinkChecker(root).markdownFiles())
                .extracting(p -> root.relativize(p).toString().replace('\\', '/'))
                .containsExactly("docs/guide.md", "docs/other.md");
        assertThat(new MarkdownLinkChecker(root).checkAll()).isEmpty();
    }

    private List<String> check(String relative) {
        return new MarkdownLinkChecker(root).check(root.resolve(relative));
    }

    private void write(String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
