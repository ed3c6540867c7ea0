package dev.shardpubsub.listener;

import io.micrometer.observation.transport.ReceiverContext;

/**
 * The {@link io.micrometer.observation.Observation.Context context} of one message handled by a listener method.
 * A receiver context, so tracers open a consumer span; shard messages carry no headers to propagate a trace from.
 */
public class ShardListenerObservationContext extends ReceiverContext<ShardMessage> {

	private final String listenerId;

	private final ShardMessage message;

	/**
	 * Create a context.
	 * @param listenerId the id of the listener handling the message
	 * @param message the message
	 */
	public ShardListenerObservationContext(String listenerId, ShardMessage message) {
		super((carrier, key) -> null);
		setCarrier(message);
		this.listenerId = listenerId;
		this.message = message;
	}

	public String getListenerId() {
		return this.listenerId;
	}

	public ShardMessage getMessage() {
		return this.message;
	}

}
