package io.audiopipeline.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WordErrorRateTest {
    @Test
    void substitutionsDeletionsAndInsertionsEachCountOne() {
        assertThat(WordErrorRate.distance(List.of("a", "b", "c"), List.of("a", "b", "c"))).isZero();
        assertThat(WordErrorRate.distance(List.of("a", "b", "c"), List.of("a", "x", "c"))).isEqualTo(1);
        assertThat(WordErrorRate.distance(List.of("a", "b", "c"), List.of("a", "c"))).isEqualTo(1);
        assertThat(WordErrorRate.distance(List.of("a", "b", "c"), List.of("a", "b", "b", "c"))).isEqualTo(1);
        assertThat(WordErrorRate.distance(List.of("a", "b"), List.of())).isEqualTo(2);
    }

    @Test
    void theRateIsOverAllReferenceWordsAndSpellingsOfOneWordAgree() {
        WordErrorRate wer = new WordErrorRate();
        wer.add("and Mister John Dashwood", "and mr john dashwood");
        wer.add("he was not an ill disposed young man", "he was not until this blows young man");
        assertThat(wer.referenceWords()).isEqualTo(12);
        assertThat(wer.rate()).isEqualTo(3 / 12.0);
    }
}
