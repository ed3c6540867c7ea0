package dev.shardpubsub.integration;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.shardpubsub.test.RedisNode;

/**
 * A plain Lettuce shard subscriber on one node, independent of the starter: it counts every {@code seq-N} payload
 * it receives. A following subscriber subscribes again at once when the node drops the subscription with a
 * {@code sunsubscribe} push (a replica promoted by 7.2 and later does that), so it stays on the node.
 */
final class NodeSubscriber implements AutoCloseable {

	private final String channel;

	private final boolean following;

	private final StatefulRedisPubSubConnection<String, String> connection;

	private final Map<Integer, AtomicInteger> received = new ConcurrentHashMap<>();

	private final Map<Integer, Long> firstReceivedNanos = new ConcurrentHashMap<>();

	private final AtomicLong droppedAtNanos = new AtomicLong();

	private final AtomicInteger drops = new AtomicInteger();

	private NodeSubscriber(RedisClient client, RedisNode node, String channel, boolean following) {
		this.channel = channel;
		this.following = following;
		this.connection = client.connectPubSub(node.redisUri());
		this.connection.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void smessage(String channel, String message) {
				if (message.startsWith("seq-")) {
					Integer number = Integer.valueOf(message.substring(4));
					NodeSubscriber.this.firstReceivedNanos.putIfAbsent(number, System.nanoTime());
					NodeSubscriber.this.received.computeIfAbsent(number, (key) -> new AtomicInteger())
						.incrementAndGet();
				}
			}

			@Override
			public void sunsubscribed(String channel, long count) {
				dropped();
			}

		});
		this.connection.sync().ssubscribe(channel);
	}

	/**
	 * Subscribe on a node once.
	 * @param client the client
	 * @param node the node
	 * @param channel the shard channel
	 * @return the subscriber, subscribed
	 */
	static NodeSubscriber on(RedisClient client, RedisNode node, String channel) {
		return new NodeSubscriber(client, node, channel, false);
	}

	/**
	 * Subscribe on a node and again after every drop.
	 * @param client the client
	 * @param node the node
	 * @param channel the shard channel
	 * @return the subscriber, subscribed
	 */
	static NodeSubscriber following(RedisClient client, RedisNode node, String channel) {
		return new NodeSubscriber(client, node, channel, true);
	}

	private void dropped() {
		this.droppedAtNanos.compareAndSet(0, System.nanoTime());
		this.drops.incrementAndGet();
		if (this.following) {
			// Not on the event loop's stack: the push is being decoded right now.
			this.connection.async().ssubscribe(this.channel);
		}
	}

	/** @return when the node first dropped the subscription, or 0 */
	long droppedAtNanos() {
		return this.droppedAtNanos.get();
	}

	int drops() {
		return this.drops.get();
	}

	int count(int number) {
		AtomicInteger count = this.received.get(number);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * When a message was first received.
	 * @param number the message's number
	 * @return its first arrival ({@link System#nanoTime()}), or 0 if it was not received
	 */
	long firstReceivedNanos(int number) {
		return this.firstReceivedNanos.getOrDefault(number, 0L);
	}

	/** @return the numbers received more than once */
	java.util.List<Integer> duplicates() {
		return this.received.entrySet().stream().filter((entry) -> entry.getValue().get() > 1)
			.map(Map.Entry::getKey).sorted().toList();
	}

	int distinct() {
		return this.received.size();
	}

	@Override
	public void close() {
		this.connection.close();
	}

}
