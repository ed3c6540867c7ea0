package dev.shardpubsub.cluster;

/**
 * One slot whose owning master changed.
 *
 * @param slot the hash slot
 * @param from the previous owner, or {@code null} when the slot was uncovered
 * @param to the new owner, or {@code null} when the slot is now uncovered
 */
public record SlotOwnerChange(int slot, NodeAddress from, NodeAddress to) {

	@Override
	public String toString() {
		return this.slot + ": " + this.from + " -> " + this.to;
	}

}
