package dev.enclave.simulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic fake model output.
 *
 * <p>A choice's tokens are drawn uniformly from {@link #VOCABULARY} by a {@link SplittableRandom}
 * seeded with the first 8 bytes (big-endian) of SHA-256 over the UTF-8 seed text, plus the choice
 * index. Exactly {@code maxTokens} tokens are drawn unless the text gains a stop sequence, in which
 * case it is cut just before that sequence. The seed does not include {@code maxTokens}, so a
 * shorter request yields a prefix of a longer one.
 */
final class CompletionGenerator {

    static final List<String> VOCABULARY = List.of(
            " return", " x", " y", " n", " +", " -", " *", " =", " ==", " 0", " 1", " 2",
            " if", " else", " for", " in", " range", " def", " self", " result", " value", " None",
            "(", ")", ":", ",", ".", "\n", "    ");

    private CompletionGenerator() {
    }

    static Generation generate(String seedText, int choiceIndex, int maxTokens, List<String> stop) {
        SplittableRandom random = new SplittableRandom(seed(seedText) + choiceIndex);
        List<String> tokens = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < maxTokens; i++) {
            String token = VOCABULARY.get(random.nextInt(VOCABULARY.size()));
            int previousLength = text.length();
            tokens.add(token);
            text.append(token);
            StopMatch match = earliestStop(text.toString(), previousLength, stop);
            if (match != null) {
                return new Generation(clip(tokens, match.index), tokens.size(), "stop", match.sequence);
            }
        }
        return new Generation(List.copyOf(tokens), tokens.size(), "length", null);
    }

    /** Prompt token count: the number of whitespace-separated words. */
    static int countTokens(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    private record StopMatch(int index, String sequence) {
    }

    /** The text held no stop sequence before {@code previousLength}, so any match must end after it. */
    private static StopMatch earliestStop(String text, int previousLength, List<String> stop) {
        StopMatch best = null;
        for (String sequence : stop) {
            int from = Math.max(0, previousLength - sequence.length() + 1);
            int index = text.indexOf(sequence, from);
            if (index >= 0 && (best == null || index < best.index)) {
                best = new StopMatch(index, sequence);
            }
        }
        return best;
    }

    /** Token texts cut at {@code end}; tokens wholly past it disappear. */
    private static List<String> clip(List<String> tokens, int end) {
        List<String> pieces = new ArrayList<>();
        int offset = 0;
        for (String token : tokens) {
            if (offset >= end) {
                break;
            }
            pieces.add(token.substring(0, Math.min(token.length(), end - offset)));
            offset += token.length();
        }
        if (pieces.isEmpty()) {
            pieces.add("");
        }
        return List.copyOf(pieces);
    }

    private static long seed(String seedText) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(seedText.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
