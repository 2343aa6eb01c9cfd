package io.audiopipeline.common.worker;

import java.util.Optional;

/**
 * Whether the worker may take another job now; when not, the reason (logged, and re-checked until it
 * clears). Lets a worker pause on back-pressure (low disk, a long downstream backlog) by itself.
 */
@FunctionalInterface
public interface Admission {
    Admission ALWAYS = () -> Optional.empty();

    Optional<String> waitReason();
}
