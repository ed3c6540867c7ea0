package dev.shardpubsub.listener;

import java.time.Duration;
import java.util.List;

/**
 * Callbacks on message dispatch, for metrics. Every method has an empty default.
 * <p>
 * Implementations must be fast and must not throw: {@link #onDropped} runs on a Redis I/O thread,
 * {@link #onHandled} on the thread that handled the message.
 */
public interface DispatchListener {

	/**
	 * A listener that does nothing.
	 */
	DispatchListener NONE = new DispatchListener() {
	};

	/**
	 * A listener's method was invoked for a message.
	 * @param listenerId the listener
	 * @param channel the channel of the message
	 * @param duration how long the method (and the error handler, on failure) took
	 * @param success whether the method completed normally
	 */
	default void onHandled(String listenerId, String channel, Duration duration, boolean success) {
	}

	/**
	 * A message was dropped because the listener's queue for its channel was full.
	 * @param listenerId the listener
	 * @param channel the channel of the message
	 */
	default void onDropped(String listenerId, String channel) {
	}

	/**
	 * Return a listener calling each of the given ones in turn.
	 * @param listeners the listeners
	 * @return the composite, or {@link #NONE} if there are none
	 */
	static DispatchListener composite(List<? extends DispatchListener> listeners) {
		if (listeners.isEmpty()) {
			return NONE;
		}
		if (listeners.size() == 1) {
			return listeners.get(0);
		}
		List<DispatchListener> copy = List.copyOf(listeners);
		return new DispatchListener() {

			@Override
			public void onHandled(String listenerId, String channel, Duration duration, boolean success) {
				copy.forEach((listener) -> listener.onHandled(listenerId, channel, duration, success));
			}

			@Override
			public void onDropped(String listenerId, String channel) {
				copy.forEach((listener) -> listener.onDropped(listenerId, channel));
			}

		};
	}

}
