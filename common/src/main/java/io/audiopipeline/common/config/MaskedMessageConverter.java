package io.audiopipeline.common.config;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %maskedMsg} in logback.xml: the log message through {@link Secrets#mask}, with control
 * characters escaped (a name with a newline or an ANSI escape cannot forge a log line or a terminal).
 */
public final class MaskedMessageConverter extends MessageConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return Printable.escape(Secrets.mask(super.convert(event)));
    }

    /** {@code %maskedEx}: a stack trace's messages masked too. */
    public static final class Throwables extends ThrowableProxyConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return Secrets.mask(super.convert(event));
        }
    }
}
