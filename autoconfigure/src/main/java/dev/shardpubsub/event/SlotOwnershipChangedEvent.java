package dev.shardpubsub.event;

import java.util.List;

import dev.shardpubsub.cluster.SlotOwnerChange;

/**
 * The cluster topology shows new owners for some slots. Published only when ownership really changed.
 */
public class SlotOwnershipChangedEvent extends ShardPubSubEvent {

	private final List<SlotOwnerChange> changes;

	/**
	 * Create an event.
	 * @param source the publisher
	 * @param changes the changed slots, ordered by slot
	 * @param detectedNanos when the change was seen
	 */
	public SlotOwnershipChangedEvent(Object source, List<SlotOwnerChange> changes, long detectedNanos) {
		super(source, detectedNanos);
		this.changes = List.copyOf(changes);
	}

	/**
	 * The changed slots, ordered by slot.
	 * @return the changes
	 */
	public List<SlotOwnerChange> getChanges() {
		return this.changes;
	}

	@Override
	public String toString() {
		return "SlotOwnershipChangedEvent[" + this.changes.size() + " slots: " + SlotRanges.describe(this.changes) + "]";
	}

}
