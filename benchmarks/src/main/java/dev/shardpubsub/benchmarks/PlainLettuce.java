package dev.shardpubsub.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

/**
 * A plain Lettuce {@link RedisClient} of its own (own I/O threads, not the application's), for the independent
 * publisher and the promotion probe: standalone connections, no cluster awareness, no automatic reconnect, so
 * that every failure is seen and handled by the caller at once.
 */
final class PlainLettuce implements AutoCloseable {

	static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

	private final ClientResources resources;

	private final RedisClient client;

	PlainLettuce() {
		this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
		this.client = RedisClient.create(this.resources);
		this.client.setOptions(ClientOptions.builder()
			.protocolVersion(ProtocolVersion.RESP2)
			.autoReconnect(false)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.socketOptions(SocketOptions.builder().connectTimeout(Duration.ofMillis(500)).tcpNoDelay(true).build())
			.timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
			.build());
	}

	RedisClient client() {
		return this.client;
	}

	@Override
	public void close() {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.resources.shutdown(0, 2, TimeUnit.SECONDS);
	}

}
