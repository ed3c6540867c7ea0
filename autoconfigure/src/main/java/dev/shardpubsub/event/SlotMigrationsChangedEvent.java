package dev.shardpubsub.event;

import java.util.List;

import dev.shardpubsub.cluster.SlotMigration;

/**
 * Slot migrations started or ended ({@code CLUSTER SETSLOT … IMPORTING} / {@code MIGRATING} appeared on or
 * disappeared from the masters): a slot with keys is about to move to another shard, or has been handed over, or the
 * migration was given up. Published only when the set of migrations changed.
 */
public class SlotMigrationsChangedEvent extends ShardPubSubEvent {

	private final List<SlotMigration> started;

	private final List<SlotMigration> ended;

	/**
	 * Create an event.
	 * @param source the publisher
	 * @param started migrations seen for the first time
	 * @param ended migrations no master reports any more
	 * @param detectedNanos when the change was seen
	 */
	public SlotMigrationsChangedEvent(Object source, List<SlotMigration> started, List<SlotMigration> ended,
			long detectedNanos) {
		super(source, detectedNanos);
		this.started = List.copyOf(started);
		this.ended = List.copyOf(ended);
	}

	/**
	 * The migrations seen for the first time.
	 * @return the migrations
	 */
	public List<SlotMigration> getStarted() {
		return this.started;
	}

	/**
	 * The migrations no master reports any more: handed over, or given up.
	 * @return the migrations
	 */
	public List<SlotMigration> getEnded() {
		return this.ended;
	}

	@Override
	public String toString() {
		return "SlotMigrationsChangedEvent[started=" + this.started + ", ended=" + this.ended + "]";
	}

}
