package io.audiopipeline.common.queue;

/**
 * Redis keys of one queue. {@code queue:<q>} and {@code queue:<q>:dead} are the contract; the
 * implementation's keys carry the hash tag {@code {queue:<q>}}, which hashes exactly like the main
 * list's own name, so a cluster keeps them in one slot and one script may touch them together.
 */
public record QueueKeys(String name) {
    public QueueKeys {
        if (name == null || !name.matches("[A-Za-z0-9._:-]{1,200}")) {
            throw new IllegalArgumentException("invalid queue name: " + name);
        }
    }

    public static QueueKeys transcribe(String node) {
        return new QueueKeys("transcribe:" + node);
    }

    /** Labelling jobs for stored transcripts (text only): any node's GPU worker with a labeller takes them. */
    public static QueueKeys label() {
        return new QueueKeys("label");
    }

    public static QueueKeys unpack() {
        return new QueueKeys("unpack");
    }

    public String main() {
        return "queue:" + name;
    }

    public String dead() {
        return "queue:" + name + ":dead";
    }

    private String tagged() {
        return "queue:{queue:" + name + "}";
    }

    public String delayed() {
        return tagged() + ":delayed";
    }

    public String attempts() {
        return tagged() + ":attempts";
    }

    public String workers() {
        return tagged() + ":workers";
    }

    public String processing(String workerId) {
        return tagged() + ":processing:" + workerId;
    }

    public String heartbeat(String workerId) {
        return tagged() + ":heartbeat:" + workerId;
    }

    /** The workers that feed this queue (transfer workers feed {@code unpack}); not consumers. */
    public String producers() {
        return tagged() + ":producers";
    }

    public String producerHeartbeat(String producerId) {
        return tagged() + ":producer:" + producerId;
    }
}
