package io.audiopipeline.common.http;

/** One dependency /readyz checks: it throws when the dependency is not reachable. */
public record ReadinessCheck(String name, Probe probe) {
    @FunctionalInterface
    public interface Probe {
        void check() throws Exception;
    }
}
