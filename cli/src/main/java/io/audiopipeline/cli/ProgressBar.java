package io.audiopipeline.cli;

import java.time.Duration;
import java.util.Locale;

/** Text progress bars and human durations for the terminal. */
public final class ProgressBar {
    private static final int WIDTH = 30;

    private ProgressBar() {
    }

    /** {@code [#########.........]  42%} for {@code done} of {@code total}. */
    public static String bar(long done, long total) {
        if (total <= 0) {
            return "[" + ".".repeat(WIDTH) + "]    ?";
        }
        int filled = (int) Math.min(WIDTH, done * WIDTH / total);
        return String.format(Locale.ROOT, "[%s%s] %3d%%", "#".repeat(filled), ".".repeat(WIDTH - filled), done * 100 / total);
    }

    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02ds", s % 60);
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }

    /** The estimated time left at the rate so far, or null when no rate is known yet. */
    static Duration eta(long done, long total, Duration elapsed) {
        if (done <= 0 || total <= done || elapsed.isZero()) {
            return done >= total && total > 0 ? Duration.ZERO : null;
        }
        double perItem = elapsed.toMillis() / (double) done;
        return Duration.ofMillis((long) (perItem * (total - done)));
    }
}
