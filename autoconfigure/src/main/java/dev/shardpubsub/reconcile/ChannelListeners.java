package dev.shardpubsub.reconcile;

import java.util.HashMap;
import java.util.Map;

import dev.shardpubsub.listener.ShardMessageSink;

/**
 * The listeners of one channel, and the slot it belongs to. Read on Redis I/O threads for every message.
 * <p>
 * Kept small, as there is one per channel (100,000 channels are common): the listeners are an immutable map replaced
 * on change (usually the one entry map shared by all channels of a listener), and the time it was added a primitive.
 */
final class ChannelListeners {

	final String channel;

	final SlotSubscription slot;

	/** By listener id; replaced, never changed, on the reconciler's thread and read on the I/O threads. */
	volatile Map<String, ShardMessageSink> sinks = Map.of();

	volatile long lastMessageAtMillis;

	/** Recent deliveries, to drop the copy of a message a move inside its shard brings again. */
	final RecentDeliveries recent = new RecentDeliveries();

	/** When a listener first wanted the channel ({@link System#currentTimeMillis()}). */
	final long addedAtMillis = System.currentTimeMillis();

	ChannelListeners(String channel, SlotSubscription slot) {
		this.channel = channel;
		this.slot = slot;
	}

	/**
	 * Add (or replace) a listener's sink. Only on the reconciler's thread.
	 * @param sink a map of the listener's id to its sink, kept as it is (shared by the channels of one listener)
	 * when the channel has no other listener
	 */
	void addSink(Map<String, ShardMessageSink> sink) {
		Map<String, ShardMessageSink> current = this.sinks;
		if (current.isEmpty()) {
			this.sinks = sink;
			return;
		}
		Map<String, ShardMessageSink> next = new HashMap<>(current);
		next.putAll(sink);
		this.sinks = Map.copyOf(next);
	}

	/**
	 * Remove a listener's sink. Only on the reconciler's thread.
	 * @return whether it was there
	 */
	boolean removeSink(String listenerId) {
		Map<String, ShardMessageSink> current = this.sinks;
		if (!current.containsKey(listenerId)) {
			return false;
		}
		Map<String, ShardMessageSink> next = new HashMap<>(current);
		next.remove(listenerId);
		this.sinks = next.isEmpty() ? Map.of() : Map.copyOf(next);
		return true;
	}

}
