package io.audiopipeline.common.job;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Batch ids: {@code YYYYMMDD-HHMMSS-xxxxxx}, UTC time and 6 lowercase hex digits. */
public final class BatchId {
    public static final Pattern FORMAT = Pattern.compile("\\d{8}-\\d{6}-[0-9a-f]{6}");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private BatchId() {
    }

    public static String next(Clock clock) {
        byte[] suffix = new byte[3];
        RANDOM.nextBytes(suffix);
        return TIME.format(clock.instant()) + "-" + HexFormat.of().formatHex(suffix);
    }

    public static boolean isValid(String id) {
        return id != null && FORMAT.matcher(id).matches();
    }
}
