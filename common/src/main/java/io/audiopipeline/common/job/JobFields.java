package io.audiopipeline.common.job;

import java.util.regex.Pattern;

/** Field rules shared by the payload types. */
final class JobFields {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private JobFields() {
    }

    static void batchId(String value) throws MalformedJobException {
        present("batch_id", value);
        if (!BatchId.isValid(value)) {
            throw new MalformedJobException("batch_id must look like YYYYMMDD-HHMMSS-xxxxxx, got '" + shorten(value) + "'");
        }
    }

    static void present(String field, Object value) throws MalformedJobException {
        if (value == null) {
            throw new MalformedJobException("required field '" + field + "' is null");
        }
    }

    static void text(String field, String value, int maxLength) throws MalformedJobException {
        present(field, value);
        if (value.isBlank()) {
            throw new MalformedJobException(field + " must not be empty");
        }
        if (value.length() > maxLength) {
            throw new MalformedJobException(field + " is " + value.length() + " characters, more than the " + maxLength + " allowed");
        }
        if (value.indexOf('\0') >= 0) {
            throw new MalformedJobException(field + " contains a NUL character");
        }
    }

    static void sha256(String value) throws MalformedJobException {
        if (value != null && !SHA256.matcher(value).matches()) {
            throw new MalformedJobException("sha256 must be 64 lowercase hex digits, got '" + shorten(value) + "'");
        }
    }

    static String shorten(String value) {
        if (value == null) {
            return "null";
        }
        return value.length() <= 80 ? value : value.substring(0, 80) + "...(" + value.length() + " chars)";
    }
}
