package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.job.JobCodec;
import org.junit.jupiter.api.Test;

class BridgeLineTest {
    private final ObjectMapper json = new JobCodec().mapper();

    @Test
    void theReadyLineCarriesWhatTheBridgeLoaded() {
        BridgeLine line = BridgeLine.parse(json, "{\"type\":\"ready\",\"engine\":\"whisperx\",\"model\":\"large-v3\",\"device\":\"cuda:0\"}");
        assertThat(line).isInstanceOf(BridgeLine.Ready.class);
        assertThat(((BridgeLine.Ready) line).info().path("model").asText()).isEqualTo("large-v3");
    }

    @Test
    void anAnswerIsMatchedByIdAndItsTextIsTheSegmentsJoined() {
        BridgeLine line = BridgeLine.parse(json, "{\"id\":\"r-7\",\"ok\":true,\"language\":\"en\",\"duration\":3.5,\"engine\":\"whisperx\","
                + "\"segments\":[{\"start\":0,\"end\":1,\"text\":\" hello \"},{\"start\":1,\"end\":2,\"text\":\"\"},"
                + "{\"start\":2,\"end\":3,\"text\":\"world\",\"words\":[]}],\"a_field_of_a_newer_bridge\":1}");
        assertThat(line).isInstanceOf(BridgeLine.Answer.class);
        BridgeLine.Answer answer = (BridgeLine.Answer) line;
        assertThat(answer.id()).isEqualTo("r-7");
        assertThat(answer.answer().ok()).isTrue();
        assertThat(answer.answer().text()).as("empty segments leave no double space").isEqualTo("hello world");
        assertThat(answer.answer().duration()).isEqualTo(3.5);
    }

    @Test
    void aFailedAnswerSaysWhetherItMayBeRetried() {
        BridgeAnswer oom = ((BridgeLine.Answer) BridgeLine.parse(json,
                "{\"id\":\"r-1\",\"ok\":false,\"error\":\"CUDA out of memory\",\"retryable\":true}")).answer();
        BridgeAnswer undecodable = ((BridgeLine.Answer) BridgeLine.parse(json,
                "{\"id\":\"r-2\",\"ok\":false,\"error\":\"cannot decode\"}")).answer();
        assertThat(oom.ok()).isFalse();
        assertThat(oom.retryable()).isTrue();
        assertThat(undecodable.retryable()).as("retryable defaults to false").isFalse();
        assertThat(undecodable.text()).isEmpty();
    }

    @Test
    void anythingElseIsNotTheProtocol() {
        for (String garbage : new String[] {"Loading model...", "[1, 2]", "\"text\"", "{\"id\":", "42",
                "{\"id\":\"r\",\"ok\":\"not a boolean\",\"segments\":[]} trailing"}) {
            assertThat(BridgeLine.parse(json, garbage)).as(garbage).isInstanceOf(BridgeLine.NotProtocol.class);
        }
    }

    @Test
    void anAnswerNamingNoRequestHasAnEmptyId() {
        BridgeLine line = BridgeLine.parse(json, "{\"ok\":true,\"segments\":[]}");
        assertThat(((BridgeLine.Answer) line).id()).isEmpty();
    }
}
