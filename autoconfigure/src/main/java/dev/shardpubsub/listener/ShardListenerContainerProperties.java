package dev.shardpubsub.listener;

import java.time.Duration;

import org.springframework.util.Assert;

/**
 * Settings shared by the listener containers.
 *
 * @param autoStartup whether containers start with the registry unless their endpoint says otherwise
 * @param queueCapacity maximum number of messages waiting per listener and channel
 * @param shutdownTimeout how long stopping waits for queued and in-flight messages to be handled
 * @param overflowLogInterval minimum interval between two log lines about dropped messages of one listener
 */
public record ShardListenerContainerProperties(boolean autoStartup, int queueCapacity, Duration shutdownTimeout,
		Duration overflowLogInterval) {

	public ShardListenerContainerProperties {
		Assert.isTrue(queueCapacity > 0, "queueCapacity must be positive");
		Assert.notNull(shutdownTimeout, "shutdownTimeout must not be null");
		Assert.isTrue(!shutdownTimeout.isNegative(), "shutdownTimeout must not be negative");
		Assert.notNull(overflowLogInterval, "overflowLogInterval must not be null");
		Assert.isTrue(!overflowLogInterval.isNegative(), "overflowLogInterval must not be negative");
	}

	/**
	 * Return the defaults of {@code shard-pubsub.listener.*}.
	 * @return the defaults
	 */
	public static ShardListenerContainerProperties defaults() {
		return new ShardListenerContainerProperties(true, 10_000, Duration.ofSeconds(10), Duration.ofSeconds(10));
	}

}
