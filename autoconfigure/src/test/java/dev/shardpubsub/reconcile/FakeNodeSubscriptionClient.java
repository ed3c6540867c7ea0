package dev.shardpubsub.reconcile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.SlotHash;

import dev.shardpubsub.node.MovedException;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.node.NodeSubscriptionListener;
import dev.shardpubsub.node.NodeUnavailableException;
import dev.shardpubsub.cluster.NodeAddress;

/**
 * An in-memory cluster of nodes answering {@code SSUBSCRIBE} / {@code SUNSUBSCRIBE} the way Redis does: a node
 * outside the slot's shard answers {@code MOVED} to the owner, a replica accepts its master's slots, an uncovered
 * slot answers {@code CLUSTERDOWN}, a down node is unreachable. Records every command in order and what each node
 * holds, and plays the server side: pushes, lost connections and messages.
 * <p>
 * Commands are answered at once, on the caller's thread, unless {@link #hold held}: then they stay in flight until
 * {@link #releaseHeld released} (answered against the cluster as it is then) or failed by a lost connection.
 */
final class FakeNodeSubscriptionClient implements NodeSubscriptionClient {

	enum Type {

		SSUBSCRIBE, SSUBSCRIBE_ASKING, SUNSUBSCRIBE

	}

	record Command(Type type, NodeAddress node, List<String> channels) {

		int slot() {
			return this.channels.isEmpty() ? -1 : SlotHash.getSlot(this.channels.get(0));
		}

		boolean isSubscribe() {
			return this.type == Type.SSUBSCRIBE || this.type == Type.SSUBSCRIBE_ASKING;
		}

		boolean isUnsubscribe() {
			return this.type == Type.SUNSUBSCRIBE;
		}

		boolean isProbe() {
			return !this.channels.isEmpty() && this.channels.get(0).startsWith("{probe}");
		}

		@Override
		public String toString() {
			return this.type + " " + this.node + " " + this.channels;
		}

	}

	/**
	 * A command in flight; {@code queued} when it is held only because an earlier command to its node is.
	 */
	private record Held(Command command, CompletableFuture<Void> future, boolean queued) {
	}

	private final Object monitor = new Object();

	private ClusterLayout cluster;

	private final List<NodeAddress> roleQueries = new ArrayList<>();

	private boolean roleRefused;

	private final Set<NodeAddress> down = new HashSet<>();

	private final Set<String> importing = new HashSet<>();

	private final Map<NodeAddress, Set<String>> subscriptions = new HashMap<>();

	private final Map<NodeAddress, RuntimeException> errors = new HashMap<>();

	private final Map<NodeAddress, NodeAddress> redirects = new HashMap<>();

	private final List<Command> commands = new ArrayList<>();

	private final List<Command> commandsAfterClose = new ArrayList<>();

	private final List<NodeAddress> released = new ArrayList<>();

	private final List<NodeAddress> resets = new ArrayList<>();

	private final List<NodeAddress> releasedWhileHolding = new ArrayList<>();

	private final Set<NodeAddress> connected = new LinkedHashSet<>();

	private final List<Held> held = new ArrayList<>();

	private final List<String> violations = new ArrayList<>();

	private Predicate<Command> holding = (command) -> false;

	private volatile NodeSubscriptionListener listener;

	private boolean closed;

	FakeNodeSubscriptionClient(ClusterLayout cluster) {
		this.cluster = cluster;
	}

	// The cluster

	/**
	 * Change what the nodes serve, without telling anyone (no push, no event).
	 */
	void cluster(ClusterLayout cluster) {
		synchronized (this.monitor) {
			this.cluster = cluster;
		}
	}

	ClusterLayout cluster() {
		synchronized (this.monitor) {
			return this.cluster;
		}
	}

	void markDown(NodeAddress node) {
		synchronized (this.monitor) {
			this.down.add(node);
		}
	}

	/**
	 * Make a node answer every {@code SSUBSCRIBE} with an error.
	 */
	void failWith(NodeAddress node, RuntimeException error) {
		synchronized (this.monitor) {
			this.errors.put(node, error);
		}
	}

	void clearFailure(NodeAddress node) {
		synchronized (this.monitor) {
			this.errors.remove(node);
		}
	}

	/**
	 * Make a node answer every {@code SSUBSCRIBE} with {@code MOVED} to another node, whatever it serves.
	 */
	void redirect(NodeAddress node, NodeAddress to) {
		synchronized (this.monitor) {
			this.redirects.put(node, to);
		}
	}

	/**
	 * Keep matching commands in flight until released.
	 */
	void hold(Predicate<Command> which) {
		synchronized (this.monitor) {
			this.holding = which;
		}
	}

	/**
	 * Answer the held commands that match, in order, and stop holding such commands. Like a connection, a node
	 * answers in order: a command queued behind a held one is answered once that one is.
	 */
	void releaseHeld(Predicate<Command> which) {
		List<Held> answering = new ArrayList<>();
		synchronized (this.monitor) {
			this.holding = this.holding.and(which.negate());
			Set<NodeAddress> blocked = new HashSet<>();
			for (Iterator<Held> iterator = this.held.iterator(); iterator.hasNext();) {
				Held next = iterator.next();
				NodeAddress node = next.command().node();
				if (!blocked.contains(node) && (next.queued() || which.test(next.command()))) {
					iterator.remove();
					answering.add(next);
				}
				else {
					blocked.add(node);
				}
			}
		}
		answering.forEach((next) -> answer(next.command(), next.future()));
	}

	void releaseAllHeld() {
		releaseHeld((command) -> true);
	}

	List<Command> heldCommands() {
		synchronized (this.monitor) {
			return this.held.stream().map(Held::command).toList();
		}
	}

	// Server side

	/**
	 * The node drops a subscription on its own and pushes {@code sunsubscribe}, unless the connection was closed
	 * in the meantime (then there is nobody to push to).
	 * @return whether the push was sent
	 */
	boolean push(NodeAddress node, String channel) {
		synchronized (this.monitor) {
			if (!this.connected.contains(node)) {
				return false;
			}
			Set<String> channels = this.subscriptions.get(node);
			if (channels == null || !channels.remove(channel)) {
				this.violations.add("push of " + channel + " from " + node + ", which does not hold it");
			}
		}
		this.listener.onServerUnsubscribe(node, channel);
		return true;
	}

	/**
	 * The node stops serving a slot: it pushes {@code sunsubscribe} for each of the slot's channels it holds (the
	 * client may close the connection between two pushes, when it has moved everything elsewhere already).
	 * @return the channels the node held
	 */
	List<String> pushSlot(NodeAddress node, int slot) {
		List<String> channels;
		synchronized (this.monitor) {
			channels = this.subscriptions.getOrDefault(node, Set.of())
				.stream()
				.filter((channel) -> SlotHash.getSlot(channel) == slot)
				.sorted()
				.toList();
		}
		channels.forEach((channel) -> push(node, channel));
		return channels;
	}

	/**
	 * The connection to the node breaks: what it held is gone and what was in flight fails.
	 */
	void dropConnection(NodeAddress node) {
		List<Held> failing = new ArrayList<>();
		synchronized (this.monitor) {
			this.subscriptions.remove(node);
			this.connected.remove(node);
			for (Iterator<Held> iterator = this.held.iterator(); iterator.hasNext();) {
				Held next = iterator.next();
				if (next.command().node().equals(node)) {
					iterator.remove();
					failing.add(next);
				}
			}
		}
		failing.forEach((next) -> next.future()
			.completeExceptionally(new NodeUnavailableException(node, "connection lost", null)));
		this.listener.onConnectionLost(node, "connection lost");
	}

	/**
	 * The node sends a message to this client, if it holds the channel's subscription.
	 * @return whether the message was sent
	 */
	boolean deliver(NodeAddress node, String channel, String payload) {
		synchronized (this.monitor) {
			if (!this.subscriptions.getOrDefault(node, Set.of()).contains(channel)) {
				return false;
			}
		}
		this.listener.onMessage(node, channel, payload.getBytes(StandardCharsets.UTF_8));
		return true;
	}

	/**
	 * {@code SPUBLISH} on the slot's owner: the owner and its replicas send it to this client where it holds the
	 * channel.
	 * @return how many copies this client received
	 */
	int publish(String channel, String payload) {
		List<NodeAddress> holders = new ArrayList<>();
		synchronized (this.monitor) {
			int slot = SlotHash.getSlot(channel);
			this.subscriptions.forEach((node, channels) -> {
				if (channels.contains(channel) && this.cluster.serves(node, slot) && !this.down.contains(node)) {
					holders.add(node);
				}
			});
		}
		holders.forEach((node) -> this.listener.onMessage(node, channel, payload.getBytes(StandardCharsets.UTF_8)));
		return holders.size();
	}

	// What happened

	List<Command> commands() {
		synchronized (this.monitor) {
			return List.copyOf(this.commands);
		}
	}

	List<Command> commandsAfterClose() {
		synchronized (this.monitor) {
			return List.copyOf(this.commandsAfterClose);
		}
	}

	Set<String> subscribedOn(NodeAddress node) {
		synchronized (this.monitor) {
			return Set.copyOf(this.subscriptions.getOrDefault(node, Set.of()));
		}
	}

	List<NodeAddress> released() {
		synchronized (this.monitor) {
			return List.copyOf(this.released);
		}
	}

	List<NodeAddress> releasedWhileHolding() {
		synchronized (this.monitor) {
			return List.copyOf(this.releasedWhileHolding);
		}
	}

	/**
	 * What Redis would have refused or never done (a cross-slot command, a push of a channel not held).
	 */
	List<String> violations() {
		synchronized (this.monitor) {
			return List.copyOf(this.violations);
		}
	}

	boolean isClosed() {
		synchronized (this.monitor) {
			return this.closed;
		}
	}

	// NodeSubscriptionClient

	/**
	 * Make a node import a slot: {@code ASKING} + {@code SSUBSCRIBE} is accepted there.
	 * @param node the node
	 * @param slot the slot
	 */
	void importing(NodeAddress node, int slot) {
		synchronized (this.monitor) {
			this.importing.add(node + "/" + slot);
		}
	}

	@Override
	public CompletableFuture<Void> subscribe(NodeAddress node, List<String> channels) {
		return submit(new Command(Type.SSUBSCRIBE, node, List.copyOf(channels)));
	}

	@Override
	public CompletableFuture<Void> subscribeImporting(NodeAddress node, List<String> channels) {
		return submit(new Command(Type.SSUBSCRIBE_ASKING, node, List.copyOf(channels)));
	}

	@Override
	public CompletableFuture<Void> unsubscribe(NodeAddress node, List<String> channels) {
		return submit(new Command(Type.SUNSUBSCRIBE, node, List.copyOf(channels)));
	}

	private CompletableFuture<Void> submit(Command command) {
		CompletableFuture<Void> future = new CompletableFuture<>();
		boolean hold;
		synchronized (this.monitor) {
			if (this.closed) {
				// Like the Lettuce client, the next command opens new connections (a restart after stop()).
				this.commandsAfterClose.add(command);
				this.closed = false;
			}
			this.commands.add(command);
			if (!this.down.contains(command.node())) {
				this.connected.add(command.node());
			}
			boolean queued = this.held.stream().anyMatch((next) -> next.command().node().equals(command.node()));
			hold = queued || this.holding.test(command);
			if (hold) {
				this.held.add(new Held(command, future, queued && !this.holding.test(command)));
			}
		}
		if (!hold) {
			answer(command, future);
		}
		return future;
	}

	private void answer(Command command, CompletableFuture<Void> future) {
		RuntimeException error = null;
		synchronized (this.monitor) {
			NodeAddress node = command.node();
			int slot = command.slot();
			if (this.closed) {
				error = new NodeUnavailableException(node, "client closed", null);
			}
			else if (this.down.contains(node)) {
				this.connected.remove(node);
				error = new NodeUnavailableException(node, "connection refused", null);
			}
			else if (command.isUnsubscribe()) {
				Set<String> channels = this.subscriptions.get(node);
				if (channels != null) {
					command.channels().forEach(channels::remove);
				}
			}
			else if (command.channels().stream().anyMatch((channel) -> SlotHash.getSlot(channel) != slot)) {
				this.violations.add("cross-slot " + command);
				error = new RedisCommandExecutionException(
						"CROSSSLOT Keys in request don't hash to the same slot");
			}
			else if (this.errors.containsKey(node)) {
				error = this.errors.get(node);
			}
			else if (this.redirects.containsKey(node)) {
				error = new MovedException(slot, this.redirects.get(node));
			}
			else if (this.cluster.serves(node, slot)
					|| command.type() == Type.SSUBSCRIBE_ASKING && this.importing.contains(node + "/" + slot)) {
				this.subscriptions.computeIfAbsent(node, (key) -> new LinkedHashSet<>()).addAll(command.channels());
			}
			else {
				NodeAddress owner = this.cluster.owner(slot);
				error = (owner != null) ? new MovedException(slot, owner)
						: new RedisCommandExecutionException("CLUSTERDOWN Hash slot not served");
			}
		}
		if (error != null) {
			future.completeExceptionally(error);
		}
		else {
			future.complete(null);
		}
	}

	@Override
	public void release(NodeAddress node) {
		synchronized (this.monitor) {
			this.released.add(node);
			this.connected.remove(node);
			Set<String> holding = this.subscriptions.remove(node);
			if (holding != null && !holding.isEmpty()) {
				this.releasedWhileHolding.add(node);
			}
		}
	}

	@Override
	public long serverChannelCount(NodeAddress node) {
		synchronized (this.monitor) {
			boolean busy = this.held.stream().anyMatch((next) -> next.command().node().equals(node));
			Set<String> channels = this.subscriptions.get(node);
			return (busy || channels == null) ? -1 : channels.size();
		}
	}

	@Override
	public void reset(NodeAddress node, String reason) {
		synchronized (this.monitor) {
			this.resets.add(node);
		}
		dropConnection(node);
	}

	/**
	 * The node loses a subscription without a push (what the subscription audit is for).
	 */
	void forget(NodeAddress node, String channel) {
		synchronized (this.monitor) {
			this.subscriptions.getOrDefault(node, new HashSet<>()).remove(channel);
		}
	}

	List<NodeAddress> resets() {
		synchronized (this.monitor) {
			return List.copyOf(this.resets);
		}
	}

	@Override
	public Set<NodeAddress> connectedNodes() {
		synchronized (this.monitor) {
			return Set.copyOf(this.connected);
		}
	}

	@Override
	public CompletableFuture<NodeAddress> masterOf(NodeAddress node) {
		synchronized (this.monitor) {
			if (this.down.contains(node)) {
				return CompletableFuture.failedFuture(new NodeUnavailableException(node, "connection refused", null));
			}
			this.roleQueries.add(node);
			if (this.roleRefused) {
				return CompletableFuture.failedFuture(new io.lettuce.core.RedisCommandExecutionException(
						"ERR Can't execute 'role': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
								+ "allowed in this context"));
			}
			return CompletableFuture.completedFuture(this.cluster.masterOf(node));
		}
	}

	@Override
	public void connect(NodeAddress node) {
		synchronized (this.monitor) {
			if (!this.down.contains(node)) {
				this.connected.add(node);
			}
		}
	}

	/**
	 * Answer {@code ROLE} with an error, as a RESP2 connection in subscribed mode does.
	 */
	void refuseRole() {
		synchronized (this.monitor) {
			this.roleRefused = true;
		}
	}

	List<NodeAddress> roleQueries() {
		synchronized (this.monitor) {
			return List.copyOf(this.roleQueries);
		}
	}

	@Override
	public void setListener(NodeSubscriptionListener listener) {
		this.listener = listener;
	}

	@Override
	public void close() {
		List<Held> failing;
		synchronized (this.monitor) {
			this.closed = true;
			this.connected.clear();
			failing = new ArrayList<>(this.held);
			this.held.clear();
		}
		failing.forEach((next) -> next.future()
			.completeExceptionally(new NodeUnavailableException(next.command().node(), "client closed", null)));
	}

}
