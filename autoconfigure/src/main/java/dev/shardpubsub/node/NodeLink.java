package dev.shardpubsub.node;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.cluster.NodeAddress;

/**
 * The pub/sub connection to one node and its queue of subscribe / unsubscribe commands.
 * <p>
 * A command completes only when the node confirmed every one of its channels. Lettuce completes a multi-channel
 * {@code SSUBSCRIBE} on the first confirmation, so a command pipelined behind it would be completed by its
 * remaining confirmations (and a {@code MOVED} error would be lost): a command of several channels goes on the wire
 * as one single-channel {@code SSUBSCRIBE} per channel, each of which gets exactly one reply, so subscribe and
 * unsubscribe commands are all pipelined (a slot's channels in one flush); a {@code ROLE}, a {@code PING} or a
 * subscribe after {@code ASKING} is sent alone. Tracking the commands in flight also tells our own
 * {@code SUNSUBSCRIBE} confirmations apart from the server's pushes. A subscribe and an unsubscribe of one channel are
 * never in flight together: the node could run them the other way round (Netty writes at once what the connection's
 * event loop thread sends, ahead of what another thread queued there a moment before), both confirmed, the channel
 * left unsubscribed. The second waits for the first's confirmation.
 * <p>
 * An idle subscription connection sends nothing, so nothing would time out on a frozen node: {@link #pingIfIdle}
 * sends a {@code PING} when nothing was in flight or received for a while. Unanswered, it fails the link like any other
 * command (any reply counts: {@code PONG} in RESP3, an empty string in RESP2, where it answers {@code ["pong", ""]}).
 */
final class NodeLink extends RedisPubSubAdapter<String, byte[]> {

	private final NodeAddress node;

	private final NodeSubscriptionListener listener;

	private final LinkLiveness liveness;

	private final Queue<NodeCommand> queue = new ArrayDeque<>();

	private volatile @Nullable StatefulRedisPubSubConnection<String, byte[]> connection;

	/** Channels of pipelined commands in flight at most: enough for a cold start, each answered well in time. */
	private static final int MAX_PIPELINE = 512;

	private final Deque<NodeCommand> inFlight = new ArrayDeque<>();

	/** The channels of the commands in flight: one wire command each. */
	private int inFlightChannels;

	private boolean closed;

	/** A thread is sending queued commands. */
	private boolean sending;

	/** Why the link failed, for the lost-connection report. */
	private @Nullable String failure;

	/** A {@code ROLE} still queued: later askers join it (one answers a burst of slots the node dropped together). */
	private @Nullable CompletableFuture<NodeAddress> queuedRole;

	/** The shard channels of this connection, as the node counted them in its latest (un)subscribe message. */
	private volatile long serverChannels;

	NodeLink(NodeAddress node, NodeSubscriptionListener listener, long timeoutMillis) {
		this.node = node;
		this.listener = listener;
		this.liveness = new LinkLiveness(timeoutMillis, (reason) -> {
			StatefulRedisPubSubConnection<String, byte[]> current = this.connection;
			fail(reason, null);
			if (current != null) {
				current.closeAsync();
			}
		});
	}

	NodeAddress node() {
		return this.node;
	}

	@Nullable StatefulRedisPubSubConnection<String, byte[]> connection() {
		return this.connection;
	}

	synchronized @Nullable String failure() {
		return this.failure;
	}

	void connected(StatefulRedisPubSubConnection<String, byte[]> connection) {
		connection.addListener(this);
		this.liveness.touch();
		this.serverChannels = 0;
		synchronized (this) {
			this.connection = connection;
			if (this.closed) {
				connection.closeAsync();
				return;
			}
		}
		sendNext();
	}

	/**
	 * Queue a subscribe or unsubscribe.
	 * @param subscribe {@code SSUBSCRIBE} or {@code SUNSUBSCRIBE}
	 * @param channels the channels
	 * @param defer only queue it: it is sent with the next {@link #sendNext()} (or the next command not deferred)
	 * @return completes when every channel is confirmed
	 */
	CompletableFuture<Void> submit(boolean subscribe, List<String> channels, boolean defer) {
		NodeCommand command = new NodeCommand(subscribe ? NodeCommand.Kind.SUBSCRIBE : NodeCommand.Kind.UNSUBSCRIBE,
				channels);
		return enqueue(command, !defer);
	}

	/**
	 * Subscribe channels of a slot the node is importing: {@code ASKING}, then {@code SSUBSCRIBE}, sent alone.
	 */
	CompletableFuture<Void> submitImporting(List<String> channels) {
		return enqueue(new NodeCommand(NodeCommand.Kind.SUBSCRIBE, channels, true), true);
	}

	/**
	 * Ask the node for its role: itself when it is a master, else the master it replicates.
	 */
	CompletableFuture<NodeAddress> master() {
		NodeCommand command = new NodeCommand(NodeCommand.Kind.ROLE, List.of());
		CompletableFuture<NodeAddress> answer;
		synchronized (this) {
			if (this.queuedRole != null && !this.queuedRole.isDone()) {
				return this.queuedRole;
			}
			answer = command.future.thenApply((ignored) -> command.master);
			this.queuedRole = answer;
		}
		enqueue(command, true);
		return answer;
	}

	/**
	 * How many shard channels the node holds for this connection, as it said in its latest {@code ssubscribe} or
	 * {@code sunsubscribe} message (a reply or a push); {@code -1} while commands are queued or in flight.
	 */
	synchronized long serverChannels() {
		return (this.connection == null || this.closed || !this.inFlight.isEmpty() || !this.queue.isEmpty()) ? -1
				: this.serverChannels;
	}

	/**
	 * Send a {@code PING} if the connection is up and has had no command in flight and nothing received for the
	 * given time; no answer within the command timeout fails the link and closes the connection.
	 * @param nowNanos the current {@link System#nanoTime()}
	 * @param idleNanos how long the connection must have been silent
	 * @return whether a {@code PING} was queued
	 */
	boolean pingIfIdle(long nowNanos, long idleNanos) {
		synchronized (this) {
			if (this.connection == null || this.closed || !this.inFlight.isEmpty() || !this.queue.isEmpty()
					|| !this.liveness.silentFor(nowNanos, idleNanos)) {
				return false;
			}
		}
		// Only its timeout matters (handled in send): an error reply shows the node is alive too.
		enqueue(new NodeCommand(NodeCommand.Kind.PING, List.of()), true);
		return true;
	}

	private CompletableFuture<Void> enqueue(NodeCommand command, boolean sendNow) {
		boolean rejected;
		synchronized (this) {
			rejected = this.closed;
			if (!rejected) {
				this.queue.add(command);
			}
		}
		if (rejected) {
			command.future.completeExceptionally(new NodeUnavailableException(this.node, "connection closed", null));
		}
		else if (sendNow) {
			sendNext();
		}
		return command.future;
	}

	/**
	 * Fail everything queued and refuse what comes; the connection is closed by the caller.
	 */
	void fail(String reason, @Nullable Throwable cause) {
		List<NodeCommand> failed;
		synchronized (this) {
			this.closed = true;
			if (this.failure == null) {
				this.failure = reason;
			}
			failed = new java.util.ArrayList<>(this.queue);
			this.queue.clear();
			this.queuedRole = null;
			failed.addAll(0, this.inFlight);
			this.inFlight.clear();
			this.inFlightChannels = 0;
		}
		failed.forEach((command) -> command.future
			.completeExceptionally(new NodeUnavailableException(this.node, reason, cause)));
	}

	/**
	 * Send what the queue allows, in queue order. One thread sends at a time (the reconciler's queuing a command,
	 * an I/O thread finishing one): two threads each taking a command and then sending it could put them on the wire
	 * in the other order, and a {@code SUNSUBSCRIBE} overtaken by the {@code SSUBSCRIBE} of the same channel would
	 * leave it unsubscribed while both were confirmed. When more than one command can go, they are written with
	 * automatic flushing off and flushed once, before the next thread may send. Also sends what was queued deferred.
	 */
	void sendNext() {
		synchronized (this) {
			if (this.sending) {
				// The sending thread takes this one too before it stops.
				return;
			}
			this.sending = true;
		}
		StatefulRedisPubSubConnection<String, byte[]> batch = null;
		try {
			while (true) {
				NodeCommand next = null;
				StatefulRedisPubSubConnection<String, byte[]> target = null;
				boolean more = false;
				synchronized (this) {
					NodeCommand head = this.queue.peek();
					if (head != null && this.connection != null && !this.closed && canSend(head)) {
						next = this.queue.poll();
						if (next.kind == NodeCommand.Kind.ROLE) {
							this.queuedRole = null;
						}
						this.inFlight.add(next);
						this.inFlightChannels += next.channels.size();
						target = this.connection;
						more = !this.queue.isEmpty();
					}
					else if (batch == null) {
						this.sending = false;
						return;
					}
				}
				if (next == null) {
					// Flushed before another thread may send; then the queue is looked at again.
					endBatch(batch);
					batch = null;
					continue;
				}
				if (batch == null && more) {
					target.setAutoFlushCommands(false);
					batch = target;
				}
				send(next, target);
			}
		}
		catch (RuntimeException | Error ex) {
			if (batch != null) {
				endBatch(batch);
			}
			synchronized (this) {
				this.sending = false;
			}
			throw ex;
		}
	}

	private static void endBatch(StatefulRedisPubSubConnection<String, byte[]> batch) {
		batch.flushCommands();
		batch.setAutoFlushCommands(true);
	}

	private boolean canSend(NodeCommand next) {
		NodeCommand first = this.inFlight.peekFirst();
		// A ROLE or PING goes alone, and nothing goes while it is in flight: the first command in flight tells.
		return first == null || (next.pipelinable() && first.pipelinable() && this.inFlightChannels < MAX_PIPELINE
				&& this.inFlight.stream().noneMatch((command) -> command.kind != next.kind
						&& next.channels.stream().anyMatch(command.pending::contains)));
	}

	private void send(NodeCommand next, StatefulRedisPubSubConnection<String, byte[]> target) {
		if (next.isBarrier()) {
			finish(next, null);
			return;
		}
		this.liveness.awaitAnswer(next);
		if (next.kind == NodeCommand.Kind.ROLE || next.kind == NodeCommand.Kind.PING) {
			sendAlone(next, target);
			return;
		}
		try {
			for (String channel : next.channels) {
				if (next.asking) {
					// Answered before its SSUBSCRIBE; a refusal shows in the SSUBSCRIBE's own answer (MOVED).
					target.async().dispatch(CommandType.ASKING, new StatusOutput<>(LettuceSupport.CODEC));
				}
				RedisFuture<Void> sent = (next.kind == NodeCommand.Kind.SUBSCRIBE) ? target.async().ssubscribe(channel)
						: target.async().sunsubscribe(channel);
				// The first error fails the command; the replies of its other channels find it finished.
				sent.whenComplete((ignored, error) -> {
					if (error != null) {
						finish(next, next.translate(error, this.node));
					}
				});
			}
		}
		catch (RuntimeException ex) {
			finish(next, next.translate(ex, this.node));
		}
	}

	/** A {@code ROLE} or a {@code PING}, alone on the wire. */
	private void sendAlone(NodeCommand command, StatefulRedisPubSubConnection<String, byte[]> target) {
		boolean role = command.kind == NodeCommand.Kind.ROLE;
		try {
			RedisFuture<?> sent = role ? target.async().role() : target.async().ping();
			sent.whenComplete((reply, error) -> {
				if (error == null && role) {
					command.master = NodeCommand.masterIn((List<?>) reply, this.node);
				}
				finish(command, (error != null) ? command.translate(error, this.node) : null);
			});
		}
		catch (RuntimeException ex) {
			finish(command, command.translate(ex, this.node));
		}
	}

	private void finish(NodeCommand command, @Nullable Throwable error) {
		synchronized (this) {
			if (!this.inFlight.remove(command)) {
				return;
			}
			this.inFlightChannels -= command.channels.size();
		}
		this.liveness.touch();
		if (error != null) {
			command.future.completeExceptionally(error);
		}
		else {
			command.future.complete(null);
		}
		sendNext();
	}

	@Override
	public void smessage(String channel, byte[] message) {
		this.liveness.touch();
		this.listener.onMessage(this.node, channel, message);
	}

	@Override
	public void ssubscribed(String channel, long count) {
		this.liveness.touch();
		this.serverChannels = count;
		confirm(true, channel);
	}

	@Override
	public void sunsubscribed(String channel, long count) {
		this.liveness.touch();
		this.serverChannels = count;
		if (!confirm(false, channel)) {
			this.listener.onServerUnsubscribe(this.node, channel);
		}
	}

	private boolean confirm(boolean subscribe, String channel) {
		NodeCommand completed = null;
		synchronized (this) {
			NodeCommand.Kind kind = subscribe ? NodeCommand.Kind.SUBSCRIBE : NodeCommand.Kind.UNSUBSCRIBE;
			NodeCommand match = this.inFlight.stream()
				.filter((command) -> command.kind == kind && command.pending.contains(channel))
				.findFirst()
				.orElse(null);
			if (match == null) {
				return false;
			}
			match.pending.remove(channel);
			if (match.pending.isEmpty()) {
				completed = match;
			}
		}
		if (completed != null) {
			finish(completed, null);
		}
		return true;
	}

}
