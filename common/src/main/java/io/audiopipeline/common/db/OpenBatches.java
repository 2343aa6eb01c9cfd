package io.audiopipeline.common.db;

/** The batches in one status other than completed: how many, and the longest one has gone without progress. */
public record OpenBatches(String status, long count, double longestIdleSeconds) {
}
