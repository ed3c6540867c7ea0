package dev.shardpubsub.integration;

import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.shardpubsub.test.RedisNode;

/**
 * The plain Lettuce client of a test class's {@link NodeSubscriber}s, independent of the starter: created before
 * the class's tests, shut down after them. Register it as a static field with
 * {@code @RegisterExtension}.
 */
final class NodeSubscribers implements BeforeAllCallback, AfterAllCallback {

	private RedisClient client;

	@Override
	public void beforeAll(ExtensionContext context) {
		this.client = RedisClient.create();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
	}

	/**
	 * Subscribe on a node once.
	 * @see NodeSubscriber#on
	 */
	NodeSubscriber on(RedisNode node, String channel) {
		return NodeSubscriber.on(this.client, node, channel);
	}

	/**
	 * Subscribe on a node and again after every drop.
	 * @see NodeSubscriber#following
	 */
	NodeSubscriber following(RedisNode node, String channel) {
		return NodeSubscriber.following(this.client, node, channel);
	}

	/** A plain connection to a node, e.g. to publish to it directly. */
	StatefulRedisConnection<String, String> connect(RedisNode node) {
		return this.client.connect(node.redisUri());
	}

}
