package dev.shardpubsub.reconcile;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.shardpubsub.listener.ShardMessage;
import dev.shardpubsub.listener.ShardMessageSink;

/**
 * Records the messages a listener receives.
 */
final class RecordingSink implements ShardMessageSink {

	private final List<ShardMessage> messages = new CopyOnWriteArrayList<>();

	@Override
	public void accept(ShardMessage message) {
		this.messages.add(message);
	}

	List<ShardMessage> messages() {
		return List.copyOf(this.messages);
	}

	/**
	 * The messages as {@code channel=payload@node}.
	 */
	List<String> received() {
		return this.messages.stream()
			.map((message) -> message.channel() + "=" + new String(message.payload(), StandardCharsets.UTF_8) + "@"
					+ message.node())
			.toList();
	}

}
