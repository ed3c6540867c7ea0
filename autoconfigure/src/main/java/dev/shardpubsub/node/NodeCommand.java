package dev.shardpubsub.node;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisCommandExecutionException;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.cluster.NodeAddress;

/**
 * One command queued on a {@link NodeLink}: its channels, the ones the node has not confirmed yet, and its result.
 */
final class NodeCommand {

	enum Kind {

		SUBSCRIBE, UNSUBSCRIBE, ROLE, PING

	}

	final Kind kind;

	final List<String> channels;

	final Set<String> pending;

	final CompletableFuture<Void> future = new CompletableFuture<>();

	/** A subscribe preceded by {@code ASKING}: the slot is being imported by the node. */
	final boolean asking;

	/** The master a {@code ROLE} answer names. */
	volatile @Nullable NodeAddress master;

	NodeCommand(Kind kind, List<String> channels) {
		this(kind, channels, false);
	}

	NodeCommand(Kind kind, List<String> channels, boolean asking) {
		this.kind = kind;
		this.asking = asking;
		this.channels = List.copyOf(channels);
		this.pending = new HashSet<>(channels);
	}

	/**
	 * Gets exactly one reply per wire command (its channels go one per command), so commands behind it cannot be
	 * completed by its confirmations.
	 */
	boolean pipelinable() {
		return isChannelCommand() && !this.asking;
	}

	/** A subscribe or unsubscribe of no channel: completes once everything queued before it is done. */
	boolean isBarrier() {
		return isChannelCommand() && this.channels.isEmpty();
	}

	/**
	 * The exception a failure of this command on a node is reported as: {@link MovedException},
	 * {@link SubscribeRejectedException}, the node's error, or {@link NodeUnavailableException} for anything else.
	 * @param error the failure
	 * @param node the node
	 * @return the exception
	 */
	Throwable translate(Throwable error, NodeAddress node) {
		Throwable cause = LettuceSupport.unwrap(error);
		if (cause instanceof RedisCommandExecutionException) {
			MovedException moved = MovedException.parse(cause.getMessage());
			if (moved != null) {
				return moved;
			}
			if (this.kind == Kind.ROLE || this.kind == Kind.PING) {
				return cause;
			}
			SubscribeRejectedException rejected = SubscribeRejectedException.of(node, this.kind == Kind.SUBSCRIBE,
					this.channels, cause);
			return (rejected != null) ? rejected : cause;
		}
		return new NodeUnavailableException(node, String.valueOf(cause.getMessage()), cause);
	}

	/**
	 * The master a {@code ROLE} reply names: {@code ["master", ...]} or {@code ["slave", host, port, ...]}, strings
	 * arriving as bytes through our codec.
	 * @param reply the reply
	 * @param node the node asked, its own master when it is one
	 * @return the master
	 */
	static NodeAddress masterIn(List<?> reply, NodeAddress node) {
		if (reply.size() >= 3 && !"master".equals(text(reply.get(0)))) {
			return new NodeAddress(text(reply.get(1)), Integer.parseInt(text(reply.get(2))));
		}
		return node;
	}

	private static String text(Object value) {
		return (value instanceof byte[] bytes) ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
	}

	private boolean isChannelCommand() {
		return this.kind == Kind.SUBSCRIBE || this.kind == Kind.UNSUBSCRIBE;
	}

}
