package dev.shardpubsub.integration;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.shardpubsub.listener.ShardMessage;
import dev.shardpubsub.listener.ShardMessageSink;

/**
 * Records the payloads each channel received, to count lost and duplicated messages by sequence number.
 */
class SequenceRecorder implements ShardMessageSink {

	private final Map<String, List<String>> received = new ConcurrentHashMap<>();

	private final Map<String, List<String>> from = new ConcurrentHashMap<>();

	@Override
	public void accept(ShardMessage message) {
		String payload = new String(message.payload(), StandardCharsets.UTF_8);
		this.received.computeIfAbsent(message.channel(), (key) -> new CopyOnWriteArrayList<>()).add(payload);
		this.from.computeIfAbsent(message.channel(), (key) -> new CopyOnWriteArrayList<>())
			.add(payload + " from " + message.node() + " at " + System.nanoTime() / 1_000_000 + " ms");
	}

	/**
	 * Where and when each delivery of a payload came from.
	 * @param channel the channel
	 * @param payload the payload
	 * @return {@code payload from node at ms}, in delivery order
	 */
	List<String> deliveries(String channel, String payload) {
		return this.from.getOrDefault(channel, List.of())
			.stream()
			.filter((delivery) -> delivery.startsWith(payload + " from "))
			.toList();
	}

	List<String> received(String channel) {
		return this.received.getOrDefault(channel, List.of());
	}

	long count(String channel, String payload) {
		return received(channel).stream().filter(payload::equals).count();
	}

	int total() {
		return this.received.values().stream().mapToInt(List::size).sum();
	}

	void clear() {
		this.received.clear();
		this.from.clear();
	}

}
