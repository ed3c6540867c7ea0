package dev.shardpubsub.event;

import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

import dev.shardpubsub.cluster.SlotOwnerChange;

/**
 * Folds runs of consecutive slots with the same move into ranges, so a reshard of thousands of slots reads in
 * one line.
 */
final class SlotRanges {

	private static final int MAX_RANGES = 8;

	private SlotRanges() {
	}

	static String describe(List<SlotOwnerChange> changes) {
		StringJoiner joiner = new StringJoiner(", ");
		int ranges = 0;
		int i = 0;
		while (i < changes.size()) {
			SlotOwnerChange first = changes.get(i);
			int j = i;
			while (j + 1 < changes.size() && changes.get(j + 1).slot() == changes.get(j).slot() + 1
					&& Objects.equals(changes.get(j + 1).from(), first.from())
					&& Objects.equals(changes.get(j + 1).to(), first.to())) {
				j++;
			}
			if (++ranges > MAX_RANGES) {
				joiner.add("...");
				break;
			}
			String slots = (i == j) ? String.valueOf(first.slot()) : first.slot() + "-" + changes.get(j).slot();
			joiner.add(slots + " " + first.from() + " -> " + first.to());
			i = j + 1;
		}
		return joiner.toString();
	}

}
