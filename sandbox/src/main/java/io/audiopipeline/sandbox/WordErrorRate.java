package io.audiopipeline.sandbox;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Word error rate: (substitutions + deletions + insertions) / reference words, over lower-cased words. */
public final class WordErrorRate {
    /** Spellings that are the same word: the recogniser's dictionary writes "mr" where a transcript says "mister". */
    private static final Map<String, String> SAME_WORD = Map.of("mr", "mister", "mrs", "missus");

    private long errors;
    private long words;

    static List<String> words(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("\\s+")).filter(w -> !w.isEmpty())
                .map(w -> SAME_WORD.getOrDefault(w, w)).toList();
    }

    /** Adds one recording: its reference transcript and what was recognised. */
    public void add(String reference, String hypothesis) {
        List<String> ref = words(reference);
        errors += distance(ref, words(hypothesis));
        words += ref.size();
    }

    public double rate() {
        return words == 0 ? 0 : errors / (double) words;
    }

    public long errors() {
        return errors;
    }

    public long referenceWords() {
        return words;
    }

    /** Levenshtein distance over words. */
    static int distance(List<String> ref, List<String> hyp) {
        int[] row = new int[hyp.size() + 1];
        for (int j = 0; j <= hyp.size(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= ref.size(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= hyp.size(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[hyp.size()];
    }
}
