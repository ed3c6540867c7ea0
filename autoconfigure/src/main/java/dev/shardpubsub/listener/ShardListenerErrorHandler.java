package dev.shardpubsub.listener;

/**
 * Handles the failure of a {@code @ShardListener} method, or of the conversion of a message for it.
 * <p>
 * Called on the thread that handled the message, before the next message of the same channel; the listener keeps
 * running whatever the handler does (an exception it throws is logged).
 *
 * @see LoggingShardListenerErrorHandler
 */
@FunctionalInterface
public interface ShardListenerErrorHandler {

	/**
	 * Handle the failure.
	 * @param message the message that could not be handled
	 * @param exception the failure, naming the listener, its method and the channel; the cause is what the method
	 * (or the conversion) threw
	 */
	void handle(ShardMessage message, ShardListenerExecutionFailedException exception);

}
