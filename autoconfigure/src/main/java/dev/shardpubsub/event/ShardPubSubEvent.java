package dev.shardpubsub.event;

import org.springframework.context.ApplicationEvent;

/**
 * Base class of the events about shard subscriptions. Every event is immutable.
 */
public abstract class ShardPubSubEvent extends ApplicationEvent {

	private final long detectedNanos;

	/**
	 * Create an event.
	 * @param source the component that published it
	 * @param detectedNanos {@link System#nanoTime()} when what the event reports was detected
	 */
	protected ShardPubSubEvent(Object source, long detectedNanos) {
		super(source);
		this.detectedNanos = detectedNanos;
	}

	/**
	 * When what this event reports was detected, on the {@link System#nanoTime()} clock, to measure how long it
	 * took to react.
	 * @return the detection time in nanoseconds
	 */
	public long getDetectedNanos() {
		return this.detectedNanos;
	}

}
