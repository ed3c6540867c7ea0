package dev.shardpubsub.node;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

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

	/** Gets exactly one reply, so commands behind it cannot be completed by its confirmations. */
	boolean pipelinable() {
		return isChannelCommand() && this.channels.size() == 1 && !this.asking;
	}

	/** A subscribe or unsubscribe of no channel: completes once everything queued before it is done. */
	boolean isBarrier() {
		return isChannelCommand() && this.channels.isEmpty();
	}

	private boolean isChannelCommand() {
		return this.kind == Kind.SUBSCRIBE || this.kind == Kind.UNSUBSCRIBE;
	}

}
