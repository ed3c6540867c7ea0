package dev.shardpubsub.listener;

/**
 * Names of the headers of the {@link org.springframework.messaging.Message} a {@code @ShardListener} method is
 * invoked with; use them with {@link org.springframework.messaging.handler.annotation.Header @Header}.
 */
public final class ShardMessageHeaders {

	/**
	 * The shard channel the message was published to ({@link String}).
	 */
	public static final String CHANNEL = "shard_channel";

	/**
	 * The hash slot of the channel ({@link Integer}).
	 */
	public static final String SLOT = "shard_slot";

	/**
	 * The node that delivered the message, as {@code host:port} ({@link String}).
	 */
	public static final String NODE = "shard_node";

	/**
	 * When the message reached this application, in epoch milliseconds ({@link Long}); it may have waited in the
	 * listener's queue since.
	 */
	public static final String RECEIVED_TIMESTAMP = "shard_receivedTimestamp";

	private ShardMessageHeaders() {
	}

}
