package dev.shardpubsub.benchmarks;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.springframework.context.ApplicationListener;

import dev.shardpubsub.event.SubscriptionMovedEvent;

/**
 * Collects the library's own {@link SubscriptionMovedEvent}s (with their resubscribe gap) and when they arrived.
 */
public final class MoveEventLog implements ApplicationListener<SubscriptionMovedEvent> {

	private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

	@Override
	public void onApplicationEvent(SubscriptionMovedEvent event) {
		this.entries.add(new Entry(event, System.nanoTime()));
	}

	/**
	 * The gaps of a slot's moves, in arrival order.
	 * @param slot the slot
	 * @return the gaps, microseconds
	 */
	List<Long> gapsOf(int slot) {
		return this.entries.stream()
			.filter((entry) -> entry.event().getSlot() == slot)
			.map(Entry::gapMicros)
			.toList();
	}

	/**
	 * The events whose drop was detected in a time window.
	 * @param fromNanos start, inclusive
	 * @param toNanos end, exclusive
	 * @return the events, in arrival order
	 */
	List<Entry> detectedBetween(long fromNanos, long toNanos) {
		return this.entries.stream()
			.filter((entry) -> entry.event().getDetectedNanos() >= fromNanos
					&& entry.event().getDetectedNanos() < toNanos)
			.toList();
	}

	/**
	 * One event.
	 *
	 * @param event the event
	 * @param receivedNanos when the application listener got it
	 */
	record Entry(SubscriptionMovedEvent event, long receivedNanos) {

		long gapMicros() {
			return this.event.getGap().toNanos() / 1000;
		}

	}

}
