package dev.shardpubsub.chaos;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.context.ApplicationListener;

import dev.shardpubsub.event.ShardPubSubEvent;

/**
 * Every event the starter published, with its detection time on the {@link SequenceLedger}'s clock.
 */
final class ShardEventLog implements ApplicationListener<ShardPubSubEvent> {

	private final SequenceLedger ledger;

	private final List<Entry> entries = new CopyOnWriteArrayList<>();

	ShardEventLog(SequenceLedger ledger) {
		this.ledger = ledger;
	}

	@Override
	public void onApplicationEvent(ShardPubSubEvent event) {
		this.entries.add(new Entry(this.ledger.millis(event.getDetectedNanos()), this.ledger.now(), event));
	}

	/**
	 * The events detected in a time window.
	 * @param from start (inclusive), ledger milliseconds
	 * @param to end (exclusive), ledger milliseconds
	 * @return the events
	 */
	List<Entry> between(int from, int to) {
		return this.entries.stream().filter((entry) -> entry.detectedAt() >= from && entry.detectedAt() < to).toList();
	}

	/**
	 * One event.
	 *
	 * @param detectedAt when what it reports was detected
	 * @param publishedAt when it was published
	 * @param event the event
	 */
	record Entry(int detectedAt, int publishedAt, ShardPubSubEvent event) {
	}

}
