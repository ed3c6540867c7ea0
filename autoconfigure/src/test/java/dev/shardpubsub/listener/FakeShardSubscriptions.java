package dev.shardpubsub.listener;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.cluster.SlotHash;

/**
 * An in-memory {@link ShardSubscriptions}: records who subscribed what, and lets a test push messages into the
 * sinks on its own thread, as the Redis I/O thread would.
 */
public class FakeShardSubscriptions implements ShardSubscriptions {

	public static final String NODE = "127.0.0.1:7000";

	private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

	private final List<String> calls = new CopyOnWriteArrayList<>();

	// Kept after unsubscribe, to deliver a straggler as the I/O thread may
	private final Map<String, ShardMessageSink> lastSinks = new ConcurrentHashMap<>();

	@Override
	public void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink) {
		this.subscriptions.put(listenerId, new Subscription(List.copyOf(channels), sink));
		this.lastSinks.put(listenerId, sink);
		this.calls.add("subscribe " + listenerId + " " + channels);
	}

	@Override
	public void unsubscribe(String listenerId) {
		this.subscriptions.remove(listenerId);
		this.calls.add("unsubscribe " + listenerId);
	}

	@Override
	public List<ChannelSubscription> channels() {
		Map<String, Set<String>> listenersByChannel = new TreeMap<>();
		this.subscriptions.forEach((id, subscription) -> subscription.channels()
			.forEach((channel) -> listenersByChannel.computeIfAbsent(channel, (key) -> new TreeSet<>()).add(id)));
		List<ChannelSubscription> channels = new ArrayList<>();
		listenersByChannel.forEach((channel, ids) -> channels.add(new ChannelSubscription(channel,
				SlotHash.getSlot(channel), ChannelSubscription.State.SUBSCRIBED, NODE, ids, Instant.EPOCH, null, 0,
				null)));
		return channels;
	}

	/**
	 * Deliver a message to every listener subscribed to the channel, on the calling thread.
	 * @return how many listeners it was delivered to
	 */
	public int publish(String channel, String payload) {
		return publish(channel, payload.getBytes(StandardCharsets.UTF_8));
	}

	public int publish(String channel, byte[] payload) {
		int delivered = 0;
		for (Subscription subscription : this.subscriptions.values()) {
			if (subscription.channels().contains(channel)) {
				subscription.sink().accept(new ShardMessage(channel, payload, SlotHash.getSlot(channel), NODE));
				delivered++;
			}
		}
		return delivered;
	}

	public ShardMessageSink lastSink(String listenerId) {
		return this.lastSinks.get(listenerId);
	}

	public boolean isSubscribed(String listenerId) {
		return this.subscriptions.containsKey(listenerId);
	}

	public List<String> channelsOf(String listenerId) {
		Subscription subscription = this.subscriptions.get(listenerId);
		return (subscription != null) ? subscription.channels() : List.of();
	}

	public List<String> calls() {
		return this.calls;
	}

	private record Subscription(List<String> channels, ShardMessageSink sink) {
	}

}
