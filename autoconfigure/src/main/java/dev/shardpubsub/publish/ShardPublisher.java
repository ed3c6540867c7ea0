package dev.shardpubsub.publish;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.cluster.PartitionSelectorException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.messaging.Message;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.converter.MessageConverter;
import org.springframework.util.Assert;

/**
 * Publishes sharded pub/sub messages ({@code SPUBLISH}). Each message goes to the master that owns its channel's
 * slot; {@code MOVED} redirects are followed.
 * <p>
 * Payloads: {@code byte[]} as is, {@code String} as UTF-8, anything else through the same message converter the
 * listeners use (JSON when Jackson is present).
 */
public class ShardPublisher implements SmartLifecycle, DisposableBean {

	private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

	private final Supplier<RedisClusterClient> client;

	private final MessageConverter converter;

	private volatile StatefulRedisClusterConnection<String, byte[]> connection;

	private volatile boolean running;

	/**
	 * Create a publisher.
	 * @param client the cluster client
	 * @param converter converts object payloads, or {@code null} to accept only {@code String} and {@code byte[]}
	 */
	public ShardPublisher(Supplier<RedisClusterClient> client, MessageConverter converter) {
		this.client = client;
		this.converter = converter;
	}

	/**
	 * Publish a message and wait for the answer.
	 * @param channel the shard channel
	 * @param payload the payload: {@code byte[]}, {@code String} or an object to convert
	 * @return the number of subscribers that received it (on the owning node and its replicas)
	 */
	public long publish(String channel, Object payload) {
		try {
			return publishAsync(channel, payload).get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while publishing to '" + channel + "'", ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw (cause instanceof RuntimeException runtime) ? runtime
					: new IllegalStateException("Could not publish to '" + channel + "'", cause);
		}
	}

	/**
	 * Publish a message without waiting.
	 * @param channel the shard channel
	 * @param payload the payload: {@code byte[]}, {@code String} or an object to convert
	 * @return completes with the number of subscribers that received it
	 */
	public CompletableFuture<Long> publishAsync(String channel, Object payload) {
		Assert.hasText(channel, "Channel must not be empty");
		Assert.notNull(payload, "Payload must not be null");
		byte[] bytes = toBytes(channel, payload);
		try {
			return send(channel, bytes);
		}
		catch (PartitionSelectorException ex) {
			// The client's view has no owner for the slot (it was uncovered when last seen): look again, once.
			return this.client.get().refreshPartitionsAsync().toCompletableFuture()
				.thenCompose((ignored) -> send(channel, bytes));
		}
	}

	private CompletableFuture<Long> send(String channel, byte[] payload) {
		return connection().async().spublish(channel, payload).toCompletableFuture();
	}

	private byte[] toBytes(String channel, Object payload) {
		if (payload instanceof byte[] bytes) {
			return bytes;
		}
		if (payload instanceof String text) {
			return text.getBytes(StandardCharsets.UTF_8);
		}
		Message<?> message = (this.converter != null) ? this.converter.toMessage(payload, null) : null;
		if (message == null) {
			throw new MessageConversionException("Cannot convert a " + payload.getClass().getName()
					+ " payload for channel '" + channel + "': publish a String or byte[], or add Jackson "
					+ "(spring-boot-starter-json) to convert objects to JSON");
		}
		Object converted = message.getPayload();
		return (converted instanceof byte[] bytes) ? bytes
				: converted.toString().getBytes(StandardCharsets.UTF_8);
	}

	private StatefulRedisClusterConnection<String, byte[]> connection() {
		StatefulRedisClusterConnection<String, byte[]> current = this.connection;
		if (current == null) {
			synchronized (this) {
				current = this.connection;
				if (current == null) {
					current = this.client.get().connect(CODEC);
					this.connection = current;
				}
			}
		}
		return current;
	}

	@Override
	public void start() {
		this.running = true;
	}

	/**
	 * Close the connection before Spring Boot's connection factory (same phase, and this bean depends on it)
	 * shuts the cluster client down.
	 */
	@Override
	public void stop() {
		this.running = false;
		destroy();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() {
		StatefulRedisClusterConnection<String, byte[]> current = this.connection;
		// Spring Boot's connection factory may have shut the client (and this connection) down already.
		if (current != null && current.isOpen()) {
			current.close();
		}
		this.connection = null;
	}

}
