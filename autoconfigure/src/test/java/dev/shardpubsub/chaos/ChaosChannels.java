package dev.shardpubsub.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

import io.lettuce.core.cluster.SlotHash;

/**
 * The channels of the chaos test, spread over all hash slots, and a key for any slot (to give a resharded slot
 * keys to migrate).
 */
final class ChaosChannels {

	/** How many channels the listener subscribes; override with {@code -Dchaos.channels}. */
	static final int COUNT = Integer.getInteger("chaos.channels", 500);

	/** The channel names, {@code chaos:0} to {@code chaos:<COUNT-1>}: their slots are spread over all 16384. */
	public static final List<String> NAMES = IntStream.range(0, COUNT).mapToObj((i) -> "chaos:" + i).toList();

	private static final String[] KEY_BY_SLOT = keysBySlot();

	private ChaosChannels() {
	}

	/**
	 * The channels whose slot is in a range.
	 * @param fromSlot first slot (inclusive)
	 * @param toSlot last slot (inclusive)
	 * @return the channels
	 */
	static List<String> inSlots(int fromSlot, int toSlot) {
		return NAMES.stream().filter((channel) -> {
			int slot = SlotHash.getSlot(channel);
			return slot >= fromSlot && slot <= toSlot;
		}).toList();
	}

	/**
	 * The channels by slot, ordered by slot.
	 * @return slot to channels
	 */
	static Map<Integer, List<String>> bySlot() {
		Map<Integer, List<String>> bySlot = new TreeMap<>();
		for (String channel : NAMES) {
			bySlot.computeIfAbsent(SlotHash.getSlot(channel), (slot) -> new ArrayList<>()).add(channel);
		}
		bySlot.replaceAll((slot, channels) -> Collections.unmodifiableList(channels));
		return bySlot;
	}

	/**
	 * Keys of a slot, all sharing one hash tag.
	 * @param slot the slot
	 * @param count how many
	 * @return the keys
	 */
	static List<String> keysInSlot(int slot, int count) {
		String tag = KEY_BY_SLOT[slot];
		return IntStream.range(0, count).mapToObj((i) -> "{" + tag + "}:key" + i).toList();
	}

	private static String[] keysBySlot() {
		String[] keys = new String[SlotHash.SLOT_COUNT];
		int missing = keys.length;
		for (int i = 0; missing > 0; i++) {
			String candidate = "k" + i;
			int slot = SlotHash.getSlot(candidate);
			if (keys[slot] == null) {
				keys[slot] = candidate;
				missing--;
			}
		}
		return keys;
	}

}
