package io.audiopipeline.common.config;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated reads of environment variables. Every read is remembered so the effective
 * configuration can be logged once at start ({@link #effective()}), secrets masked.
 */
public final class Env {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kKmMgGtT]i?[bB]?|[bB])?");
    private static final Set<String> SECRET_WORDS = Set.of("PASSWORD", "PASSPHRASE", "SECRET", "TOKEN");

    private final Map<String, String> source;
    private final Map<String, String> effective = new LinkedHashMap<>();

    public Env(Map<String, String> source) {
        this.source = Map.copyOf(source);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** The raw value, or null when unset or blank. */
    public String raw(String name) {
        String value = source.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    public String string(String name, String defaultValue) {
        String value = raw(name);
        return remember(name, value == null ? defaultValue : value);
    }

    /** Like {@link #string}, but a variable set to nothing is "" (switched off), not its default. */
    public String stringOrEmpty(String name, String defaultValue) {
        if (source.containsKey(name) && raw(name) == null) {
            return remember(name, "");
        }
        return string(name, defaultValue);
    }

    public String required(String name) {
        String value = raw(name);
        if (value == null) {
            throw new ConfigException(name, "is required but not set");
        }
        return remember(name, value);
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String value = raw(name);
        if (value == null) {
            remember(name, Integer.toString(defaultValue));
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + value);
            }
            remember(name, value);
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "must be a whole number, got '" + value + "'");
        }
    }

    /** A size in bytes: {@code 1048576}, {@code 100MB}, {@code 2GiB}, {@code 512k}. */
    public long bytes(String name, long defaultValue, long min) {
        String value = raw(name);
        if (value == null) {
            remember(name, Long.toString(defaultValue));
            return defaultValue;
        }
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new ConfigException(name, "must be a size such as 104857600, 100MB or 2GiB, got '" + value + "'");
        }
        long parsed;
        try {
            parsed = Math.multiplyExact(Long.parseLong(m.group(1)), unitBytes(m.group(2)));
        } catch (ArithmeticException | NumberFormatException e) {
            throw new ConfigException(name, "is too large: '" + value + "'");
        }
        if (parsed < min) {
            throw new ConfigException(name, "must be at least " + min + " bytes, got '" + value + "'");
        }
        remember(name, value);
        return parsed;
    }

    /** A duration: {@code 30} (seconds), {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}. */
    public Duration duration(String name, Duration defaultValue, Duration min) {
        String value = raw(name);
        if (value == null) {
            remember(name, format(defaultValue));
            return defaultValue;
        }
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new ConfigException(name, "must be a duration such as 30s, 5m, 2h or 7d, got '" + value + "'");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration parsed = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (parsed.compareTo(min) < 0) {
            throw new ConfigException(name, "must be at least " + format(min) + ", got '" + value + "'");
        }
        remember(name, value);
        return parsed;
    }

    public Path path(String name, Path defaultValue) {
        String value = raw(name);
        if (value == null) {
            remember(name, String.valueOf(defaultValue));
            return defaultValue;
        }
        try {
            Path parsed = Path.of(value);
            remember(name, value);
            return parsed;
        } catch (InvalidPathException e) {
            throw new ConfigException(name, "is not a valid path: '" + value + "'");
        }
    }

    public URI uri(String name, String defaultValue, Set<String> schemes) {
        String value = raw(name);
        String chosen = value == null ? defaultValue : value;
        if (chosen == null) {
            remember(name, null);
            return null;
        }
        try {
            URI parsed = new URI(chosen);
            if (parsed.getScheme() == null || !schemes.contains(parsed.getScheme().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(name, "must be a URL with scheme " + String.join(" or ", schemes) + ", got '" + mask(name, chosen) + "'");
            }
            remember(name, chosen);
            return parsed;
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(name, "is not a valid URL: " + e.getReason());
        }
    }

    public boolean bool(String name, boolean defaultValue) {
        String value = raw(name);
        if (value == null) {
            remember(name, Boolean.toString(defaultValue));
            return defaultValue;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> {
                remember(name, value);
                yield true;
            }
            case "false", "no", "0", "off" -> {
                remember(name, value);
                yield false;
            }
            default -> throw new ConfigException(name, "must be true or false, got '" + value + "'");
        };
    }

    public <E extends Enum<E>> E choice(String name, E defaultValue, Class<E> type) {
        String value = raw(name);
        if (value == null) {
            remember(name, defaultValue.name().toLowerCase(Locale.ROOT));
            return defaultValue;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.replace('-', '_'))) {
                remember(name, value);
                return constant;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E constant : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
        }
        throw new ConfigException(name, "must be one of " + allowed + ", got '" + value + "'");
    }

    /** Every variable read so far with the value in effect, secrets masked. */
    public synchronized Map<String, String> effective() {
        Map<String, String> masked = new LinkedHashMap<>();
        effective.forEach((k, v) -> masked.put(k, mask(k, v)));
        return masked;
    }

    private synchronized String remember(String name, String value) {
        effective.put(name, value);
        return value;
    }

    static String mask(String name, String value) {
        if (value == null) {
            return "(unset)";
        }
        for (String word : SECRET_WORDS) {
            if (name.contains(word)) {
                return "****";
            }
        }
        // credentials embedded in a URL or its parameters: redis://:pw@host, jdbc:postgresql://h/db?password=pw
        return Secrets.mask(value);
    }

    private static long unitBytes(String unit) {
        if (unit == null || unit.equalsIgnoreCase("b")) {
            return 1;
        }
        return switch (Character.toLowerCase(unit.charAt(0))) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1024L * 1024 * 1024 * 1024;
        };
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
