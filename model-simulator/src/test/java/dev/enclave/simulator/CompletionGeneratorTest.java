package dev.enclave.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionGeneratorTest {

    @Test
    void drawsExactlyMaxTokensFromTheVocabulary() {
        Generation generation = CompletionGenerator.generate("seed", 0, 50, List.of());

        assertThat(generation.pieces()).hasSize(50);
        assertThat(generation.pieces()).allSatisfy(piece -> assertThat(CompletionGenerator.VOCABULARY).contains(piece));
        assertThat(generation.completionTokens()).isEqualTo(50);
        assertThat(generation.finishReason()).isEqualTo("length");
        assertThat(generation.stopReason()).isNull();
    }

    @Test
    void isAPureFunctionOfSeedAndChoiceIndex() {
        Generation first = CompletionGenerator.generate("seed", 0, 30, List.of());

        assertThat(CompletionGenerator.generate("seed", 0, 30, List.of())).isEqualTo(first);
        assertThat(CompletionGenerator.generate("seed", 1, 30, List.of()).text()).isNotEqualTo(first.text());
        assertThat(CompletionGenerator.generate("seeds", 0, 30, List.of()).text()).isNotEqualTo(first.text());
        assertThat(first.text()).startsWith(CompletionGenerator.generate("seed", 0, 7, List.of()).text());
    }

    @Test
    void stopSequenceSpanningTokensCutsBeforeItsStart() {
        Generation full = CompletionGenerator.generate("seed", 0, 40, List.of());
        // A stop sequence that straddles the boundary between tokens 5 and 6.
        int boundary = String.join("", full.pieces().subList(0, 6)).length();
        String stop = full.text().substring(boundary - 1, boundary + 1);
        int cut = full.text().indexOf(stop);

        Generation stopped = CompletionGenerator.generate("seed", 0, 40, List.of("never-matches", stop));

        assertThat(stopped.text()).isEqualTo(full.text().substring(0, cut));
        assertThat(stopped.finishReason()).isEqualTo("stop");
        assertThat(stopped.stopReason()).isEqualTo(stop);
        assertThat(stopped.completionTokens()).isLessThanOrEqualTo(7);
        assertThat(stopped.pieces()).allSatisfy(piece -> assertThat(piece).isNotEmpty());
    }

    @Test
    void stopAtTheVeryStartLeavesOneEmptyPiece() {
        String firstToken = CompletionGenerator.generate("seed", 0, 1, List.of()).text();

        Generation stopped = CompletionGenerator.generate("seed", 0, 10, List.of(firstToken));

        assertThat(stopped.pieces()).containsExactly("");
        assertThat(stopped.completionTokens()).isEqualTo(1);
        assertThat(stopped.finishReason()).isEqualTo("stop");
    }

    @Test
    void countsWhitespaceSeparatedWords() {
        assertThat(CompletionGenerator.countTokens("")).isZero();
        assertThat(CompletionGenerator.countTokens("  \n\t ")).isZero();
        assertThat(CompletionGenerator.countTokens("def add(a, b):")).isEqualTo(3);
        assertThat(CompletionGenerator.countTokens("  return a\n    + b  ")).isEqualTo(4);
    }
}
