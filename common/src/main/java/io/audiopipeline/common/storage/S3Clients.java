package io.audiopipeline.common.storage;

import io.audiopipeline.common.config.S3Config;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/** The two S3 clients of a store, configured alike: the synchronous one, and the asynchronous one of multipart file uploads. */
record S3Clients(S3Client sync, S3AsyncClient async) {
    static S3Clients of(S3Config config) {
        AwsCredentialsProvider credentials = config.accessKey() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
        var sync = S3Client.builder().region(Region.of(config.region())).credentialsProvider(credentials);
        var async = S3AsyncClient.builder().region(Region.of(config.region())).credentialsProvider(credentials)
                .multipartEnabled(true)
                .multipartConfiguration(m -> m.thresholdInBytes(config.multipartThresholdBytes())
                        .minimumPartSizeInBytes(config.multipartPartSizeBytes())
                        .apiCallBufferSizeInBytes(config.multipartPartSizeBytes() * config.uploadConcurrency()))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(config.uploadConcurrency() * 2));
        if (config.endpoint() != null) {
            // S3-compatible servers: path-style addressing, and only the checksums the API requires
            // (many such servers reject the SDK's newer default checksum headers)
            sync.endpointOverride(config.endpoint()).forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            async.endpointOverride(config.endpoint()).forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return new S3Clients(sync.build(), async.build());
    }
}
