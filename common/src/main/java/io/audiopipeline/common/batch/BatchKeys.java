package io.audiopipeline.common.batch;

/** The keys of one batch. The braces are a cluster hash tag: all of a batch's keys share a slot. */
public record BatchKeys(String batchId) {
    private String key(String suffix) {
        return "batch:{" + batchId + "}:" + suffix;
    }

    public String total() {
        return key("total");
    }

    public String processed() {
        return key("processed");
    }

    public String failed() {
        return key("failed");
    }

    public String s3Key() {
        return key("s3_key");
    }

    public String node() {
        return key("node");
    }
}
