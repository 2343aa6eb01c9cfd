package io.audiopipeline.common.storage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;

/** Logs a transfer's progress (bytes, percent, rate) at most every few seconds, and once at the end. */
public final class ProgressLog implements TransferProgress {
    private static final Duration EVERY = Duration.ofSeconds(5);

    private final Logger log;
    private final String what;
    private final Clock clock;
    private final Instant started;
    private Instant lastLogged;

    public ProgressLog(Logger log, String what, Clock clock) {
        this.log = log;
        this.what = what;
        this.clock = clock;
        this.started = clock.instant();
        this.lastLogged = started;
    }

    @Override
    public synchronized void update(long doneBytes, long totalBytes) {
        Instant now = clock.instant();
        boolean finished = totalBytes >= 0 && doneBytes >= totalBytes;
        if (!finished && Duration.between(lastLogged, now).compareTo(EVERY) < 0) {
            return;
        }
        lastLogged = now;
        double seconds = Math.max(0.001, Duration.between(started, now).toMillis() / 1000.0);
        String percent = totalBytes > 0 ? String.format(Locale.ROOT, "%.0f%%", 100.0 * doneBytes / totalBytes) : "?%";
        log.info("{} {}: {} of {} ({}), {}/s", what, finished ? "done" : "in progress", human(doneBytes),
                totalBytes >= 0 ? human(totalBytes) : "?", percent, human((long) (doneBytes / seconds)));
    }

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
