package io.audiopipeline.unpack;

import io.audiopipeline.common.db.IgnoredEntry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The ignored entries of an archive in one log phrase: ": 3 x not audio: ..., 1 x OS metadata: ...". */
final class IgnoredSummary {
    private IgnoredSummary() {
    }

    static String of(List<IgnoredEntry> ignored) {
        if (ignored.isEmpty()) {
            return "";
        }
        Map<String, Long> byReason = ignored.stream().collect(Collectors.groupingBy(e -> kind(e.reason()), TreeMap::new, Collectors.counting()));
        return byReason.entrySet().stream().map(e -> e.getValue() + " x " + e.getKey())
                .collect(Collectors.joining(", ", " (", ")"));
    }

    /** The reason without the entry-specific part after a parenthesis or colon detail. */
    private static String kind(String reason) {
        int paren = reason.indexOf(" (");
        return paren < 0 ? reason : reason.substring(0, paren);
    }
}
