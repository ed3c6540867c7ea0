package dev.shardpubsub.reconcile;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.shardpubsub.listener.ShardMessageSink;

/**
 * The listeners of one channel, and the slot it belongs to. Read on Redis I/O threads for every message.
 */
final class ChannelListeners {

	final String channel;

	final SlotSubscription slot;

	final Map<String, ShardMessageSink> sinks = new ConcurrentHashMap<>();

	volatile long lastMessageAtMillis;

	/** Recent deliveries, to drop the copy of a message a move inside its shard brings again. */
	final RecentDeliveries recent = new RecentDeliveries();

	/** When a listener first wanted the channel. */
	final Instant addedAt = Instant.now();

	ChannelListeners(String channel, SlotSubscription slot) {
		this.channel = channel;
		this.slot = slot;
	}

}
