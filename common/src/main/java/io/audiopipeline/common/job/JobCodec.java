package io.audiopipeline.common.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * JSON for queue payloads. Unknown fields are ignored; missing, null or ill-typed required fields are
 * rejected with a reason naming the field. The mapper is thread-safe and shared by its owner.
 */
public final class JobCodec {
    /** Payloads larger than this are not jobs (a job is a few hundred bytes). */
    public static final int MAX_PAYLOAD_CHARS = 64 * 1024;

    private final ObjectMapper mapper;

    public JobCodec() {
        this.mapper = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
        // a number or boolean where the contract has a string is a wrong type, not something to convert
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean}) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_PAYLOAD_CHARS).maxNestingDepth(32).build());
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public <T extends Job> T decode(String payload, Class<T> type) throws MalformedJobException {
        if (payload == null || payload.isBlank()) {
            throw new MalformedJobException("empty payload");
        }
        if (payload.length() > MAX_PAYLOAD_CHARS) {
            throw new MalformedJobException("payload is " + payload.length() + " characters, more than the " + MAX_PAYLOAD_CHARS + " allowed");
        }
        T job;
        try {
            job = mapper.readValue(payload, type);
        } catch (MismatchedInputException e) {
            throw new MalformedJobException(describe(e), e);
        } catch (JsonProcessingException e) {
            throw new MalformedJobException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (job == null) {
            throw new MalformedJobException("payload is JSON null, expected an object");
        }
        job.validate();
        return job;
    }

    public String encode(Object job) {
        try {
            return mapper.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + job.getClass().getSimpleName(), e);
        }
    }

    private static String describe(MismatchedInputException e) {
        String field = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
        String message = e.getOriginalMessage();
        if (message.startsWith("Missing required creator property")) {
            return "missing required field '" + field + "'";
        }
        if (message.startsWith("Null value for creator property")) {
            return "required field '" + field + "' is null";
        }
        if (e instanceof InvalidFormatException invalid) {
            return "field '" + field + "' has an invalid value: '" + JobFields.shorten(String.valueOf(invalid.getValue())) + "'";
        }
        if (field != null) {
            return "field '" + field + "' has the wrong type (" + firstLine(message) + ")";
        }
        return "payload is not a JSON object of the expected shape (" + firstLine(message) + ")";
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() <= 160 ? line : line.substring(0, 160) + "...";
    }
}
