package dev.shardpubsub.listener;

import java.lang.reflect.Method;

import org.springframework.core.NestedRuntimeException;

/**
 * A {@code @ShardListener} method, or the conversion of a message for it, failed.
 */
@SuppressWarnings("serial")
public class ShardListenerExecutionFailedException extends NestedRuntimeException {

	private final String listenerId;

	private final transient Method method;

	private final String channel;

	/**
	 * Create a new instance.
	 * @param listenerId the id of the listener
	 * @param method the listener method
	 * @param channel the channel of the message
	 * @param cause what failed
	 */
	public ShardListenerExecutionFailedException(String listenerId, Method method, String channel, Throwable cause) {
		super("Listener '" + listenerId + "' method " + ListenerMethods.describe(method) + " failed to handle a message of channel '"
				+ channel + "'", cause);
		this.listenerId = listenerId;
		this.method = method;
		this.channel = channel;
	}

	/**
	 * Return the id of the listener.
	 * @return the listener id
	 */
	public String getListenerId() {
		return this.listenerId;
	}

	/**
	 * Return the listener method.
	 * @return the method
	 */
	public Method getMethod() {
		return this.method;
	}

	/**
	 * Return the channel of the message that failed.
	 * @return the channel
	 */
	public String getChannel() {
		return this.channel;
	}

}
