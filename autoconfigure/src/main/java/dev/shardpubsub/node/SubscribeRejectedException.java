package dev.shardpubsub.node;

import java.util.List;
import java.util.Locale;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * A node refused {@code SSUBSCRIBE} or {@code SUNSUBSCRIBE} for a reason a user must fix on the server: the command
 * does not exist there (Redis older than 7.0, renamed or disabled), or the ACL user may not run it or may not use
 * one of the channels. The message says which, names the channels and the node, and quotes the server.
 */
public class SubscribeRejectedException extends RuntimeException {

	/**
	 * Why the node refused.
	 */
	public enum Reason {

		/** The node does not know the command: Redis older than 7.0, or the command is renamed or disabled. */
		COMMAND_NOT_AVAILABLE,

		/** The ACL user may not run the command. */
		COMMAND_NOT_PERMITTED,

		/** The ACL user may not use one of the channels. */
		CHANNEL_NOT_PERMITTED

	}

	private final Reason reason;

	private final NodeAddress node;

	private final List<String> channels;

	private final String serverAnswer;

	private SubscribeRejectedException(Reason reason, NodeAddress node, List<String> channels, String serverAnswer,
			String message, Throwable cause) {
		super(message, cause);
		this.reason = reason;
		this.node = node;
		this.channels = List.copyOf(channels);
		this.serverAnswer = serverAnswer;
	}

	/**
	 * Explain an error reply to a subscribe or unsubscribe.
	 * @param node the node that answered
	 * @param subscribe whether the command was {@code SSUBSCRIBE} (else {@code SUNSUBSCRIBE})
	 * @param channels the command's channels (all of one slot)
	 * @param error the error reply
	 * @return the explanation, or {@code null} if the error is none of the {@link Reason reasons}
	 */
	public static @Nullable SubscribeRejectedException of(NodeAddress node, boolean subscribe, List<String> channels,
			Throwable error) {
		String answer = String.valueOf(error.getMessage());
		String upper = answer.toUpperCase(Locale.ROOT);
		String command = subscribe ? "SSUBSCRIBE" : "SUNSUBSCRIBE";
		if (upper.startsWith("ERR UNKNOWN COMMAND")) {
			return new SubscribeRejectedException(Reason.COMMAND_NOT_AVAILABLE, node, channels, answer,
					command + " is not available on " + node + " ('" + answer + "'): sharded pub/sub needs Redis 7.0 "
							+ "or newer, with " + command + " neither renamed nor disabled (rename-command); channels "
							+ channels,
					error);
		}
		if (!upper.startsWith("NOPERM")) {
			return null;
		}
		// The wording differs by server: only NOPERM is stable, and from 7.2 the text names the user, which may
		// contain "channel".
		if (!upper.contains("PERMISSIONS TO RUN") && upper.contains("CHANNEL")) {
			String which = (channels.size() == 1) ? "channel " + channels
					: "one of the channels " + channels + " (one " + command + " covers every channel of a slot, so "
							+ "a forbidden channel fails its whole slot)";
			return new SubscribeRejectedException(Reason.CHANNEL_NOT_PERMITTED, node, channels, answer,
					"Permission denied for " + which + " on " + node + " ('" + answer + "'): the Redis user's ACL "
							+ "channel rules (&pattern) must allow them",
					error);
		}
		return new SubscribeRejectedException(Reason.COMMAND_NOT_PERMITTED, node, channels, answer,
				"The Redis user may not run " + command + " on " + node + " ('" + answer + "'): grant it +"
						+ command.toLowerCase(Locale.ROOT) + " or +@pubsub; channels " + channels,
				error);
	}

	/**
	 * Why the node refused.
	 * @return the reason
	 */
	public Reason getReason() {
		return this.reason;
	}

	/**
	 * The node that refused.
	 * @return the node
	 */
	public NodeAddress getNode() {
		return this.node;
	}

	/**
	 * The channels of the refused command.
	 * @return the channels, all of one slot
	 */
	public List<String> getChannels() {
		return this.channels;
	}

	/**
	 * The node's error reply.
	 * @return e.g. {@code ERR unknown command 'SSUBSCRIBE', ...}
	 */
	public String getServerAnswer() {
		return this.serverAnswer;
	}

}
