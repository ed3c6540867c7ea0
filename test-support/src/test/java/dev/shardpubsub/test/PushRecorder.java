package dev.shardpubsub.test;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.pubsub.RedisPubSubAdapter;

/**
 * Records what one pub/sub connection receives: shard messages and {@code sunsubscribe} (the server's pushes, and
 * the replies to our own), each with the {@link System#nanoTime()} of its arrival.
 */
final class PushRecorder extends RedisPubSubAdapter<String, String> {

	private final BlockingQueue<Arrival> messages = new LinkedBlockingQueue<>();

	private final BlockingQueue<Arrival> unsubscribed = new LinkedBlockingQueue<>();

	@Override
	public void smessage(String channel, String message) {
		this.messages.add(new Arrival(message, System.nanoTime()));
	}

	@Override
	public void sunsubscribed(String channel, long count) {
		this.unsubscribed.add(new Arrival(channel, System.nanoTime()));
	}

	/**
	 * The next shard message.
	 * @param timeout how long to wait
	 * @return the message, or {@code null} if none arrived in time
	 */
	Arrival nextMessage(Duration timeout) throws InterruptedException {
		return this.messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	/**
	 * The next {@code sunsubscribe}.
	 * @param timeout how long to wait
	 * @return its channel and arrival time, or {@code null} if none arrived in time
	 */
	Arrival nextUnsubscribe(Duration timeout) throws InterruptedException {
		return this.unsubscribed.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** @return whether no message is waiting */
	boolean noMessages() {
		return this.messages.isEmpty();
	}

	/** @return whether no {@code sunsubscribe} is waiting */
	boolean noUnsubscribes() {
		return this.unsubscribed.isEmpty();
	}

	/**
	 * A message payload or an unsubscribed channel, with its arrival time.
	 * @param value the payload or channel
	 * @param nanos {@link System#nanoTime()} at arrival
	 */
	record Arrival(String value, long nanos) {
	}

}
