package dev.shardpubsub.listener;

/**
 * Receives the messages of the channels it was subscribed to.
 * <p>
 * Called on a Lettuce I/O thread: implementations must hand the message off (enqueue it) and return at once,
 * never block and never throw.
 */
@FunctionalInterface
public interface ShardMessageSink {

	/**
	 * Accept one message.
	 * @param message the message
	 */
	void accept(ShardMessage message);

}
