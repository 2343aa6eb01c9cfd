package io.audiopipeline.common.config;

import java.util.regex.Pattern;

/**
 * The one masking routine for everything printed: log lines, errors, the start-up line, CLI output.
 * It hides the password of a URL's user info ({@code redis://:pw@host}, {@code rediss://user:p@ss:w@host},
 * also when the password holds {@code @} or {@code :}) and the value of {@code password=}, {@code secret=},
 * {@code token=} and similar parameters ({@code jdbc:postgresql://h/db?user=u&password=pw}).
 */
public final class Secrets {
    static final String HIDDEN = "****";
    /**
     * scheme://[user]:password@host — the password runs to the last @ that is followed by a host (and a port,
     * a path, a quote or the end), so an unencoded @, : or / in it is masked too.
     */
    private static final Pattern URL_PASSWORD = Pattern.compile(
            "(://[^:/@\\s]*:)\\S*@(?=[A-Za-z0-9.\\[\\]_-]*(?::\\d+)?(?:[/?'\"\\s,;)]|$))");
    private static final Pattern SECRET_PARAMETER = Pattern.compile(
            "(?i)([?&;\\s]((?:[a-z0-9_.-]*)(?:password|passphrase|secret|token|sslpassword))=)[^&;\\s]*");

    private Secrets() {
    }

    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = URL_PASSWORD.matcher(text).replaceAll("$1" + HIDDEN + "@");
        return SECRET_PARAMETER.matcher(masked).replaceAll("$1" + HIDDEN);
    }
}
