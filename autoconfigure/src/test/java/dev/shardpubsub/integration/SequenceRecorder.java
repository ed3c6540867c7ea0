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

	@Override
	public void accept(ShardMessage message) {
		this.received.computeIfAbsent(message.channel(), (key) -> new CopyOnWriteArrayList<>())
			.add(new String(message.payload(), StandardCharsets.UTF_8));
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
	}

}
