package io.audiopipeline.common.storage;

/** Receives the bytes moved so far of a transfer of {@code totalBytes} (-1 when unknown). */
@FunctionalInterface
public interface TransferProgress {
    TransferProgress NONE = (done, total) -> { };

    void update(long doneBytes, long totalBytes);
}
