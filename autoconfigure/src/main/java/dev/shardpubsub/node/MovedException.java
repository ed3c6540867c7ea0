package dev.shardpubsub.node;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * A node answered {@code -MOVED}: another node serves the slot.
 */
public class MovedException extends RuntimeException {

	private final int slot;

	private final NodeAddress target;

	/**
	 * Create an exception.
	 * @param slot the slot
	 * @param target the node the redirect points to
	 */
	public MovedException(int slot, NodeAddress target) {
		super("MOVED " + slot + " " + target, null, false, false);
		this.slot = slot;
		this.target = target;
	}

	/**
	 * Parse a {@code MOVED <slot> <host>:<port>} error message.
	 * @param message the error message
	 * @return the exception, or {@code null} when the message is not a MOVED redirect
	 */
	public static @Nullable MovedException parse(@Nullable String message) {
		if (message == null || !message.startsWith("MOVED ")) {
			return null;
		}
		String[] parts = message.trim().split(" ");
		if (parts.length < 3) {
			return null;
		}
		try {
			return new MovedException(Integer.parseInt(parts[1]), NodeAddress.parse(parts[2]));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	public int getSlot() {
		return this.slot;
	}

	public NodeAddress getTarget() {
		return this.target;
	}

}
