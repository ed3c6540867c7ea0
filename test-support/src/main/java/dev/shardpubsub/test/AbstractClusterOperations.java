package dev.shardpubsub.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.cluster.SlotHash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology changes for tests on a Redis Cluster, whatever runs its servers: slot migration, failover, crashes and
 * pauses. Every operation that changes the topology returns once all live nodes agree on the result (see
 * {@link #awaitAgreement(Duration)}), except {@link #kill}, {@link #pause} and {@link #resume}, which only act on
 * the process.
 * <p>
 * Subclasses say which nodes there are and how a process is killed, restarted and signalled:
 * {@link ClusterOperations} for an {@link EmbeddedRedisCluster}, {@code ContainerClusterOperations} for a cluster in
 * a container.
 * @param <N> the node type
 */
public abstract class AbstractClusterOperations<N extends ClusterNode> {

	private final Logger logger = LoggerFactory.getLogger(getClass());

	private final Duration defaultTimeout;

	private final Set<Integer> deliberatelyUncovered = ConcurrentHashMap.newKeySet();

	// The first slot a node owned when it was killed or paused, so awaitFailoverOf can tell who took it over.
	private final Map<String, Integer> firstSlotAtLoss = new ConcurrentHashMap<>();

	/**
	 * Create operations whose methods without a timeout wait at most {@code defaultTimeout}.
	 * @param defaultTimeout the timeout of the methods without one
	 */
	protected AbstractClusterOperations(Duration defaultTimeout) {
		this.defaultTimeout = defaultTimeout;
	}

	/** @return the timeout of the methods without one: 30 s, or 20 node timeouts if that is longer */
	public Duration defaultTimeout() {
		return this.defaultTimeout;
	}

	/**
	 * The hash slot of a key or channel, honouring {@code {hash tags}}.
	 * @param keyOrChannel the key or channel
	 * @return the slot, 0 to 16383
	 */
	public int slotOf(String keyOrChannel) {
		return SlotHash.getSlot(keyOrChannel);
	}

	/**
	 * The master owning a slot according to the cluster (the view of the first live node).
	 * @param slot the slot
	 * @return the owner, or {@code null} if no node owns the slot
	 */
	public N ownerOf(int slot) {
		String owner = currentView().ownerId(slot);
		return (owner != null) ? node(owner) : null;
	}

	/**
	 * The master owning a shard channel's slot.
	 * @param channel the channel
	 * @return the owner, or {@code null} if no node owns the slot
	 */
	public N ownerOfChannel(String channel) {
		return ownerOf(slotOf(channel));
	}

	/**
	 * The replicas of a master, as the cluster sees them now.
	 * @param master a master
	 * @return its running replicas
	 */
	public List<N> replicasOf(N master) {
		List<N> replicas = new ArrayList<>();
		for (String id : currentView().replicaIdsOf(master.nodeId())) {
			N replica = node(id);
			if (replica != null && replica.isRunning()) {
				replicas.add(replica);
			}
		}
		return replicas;
	}

	/**
	 * Move a slot and its keys to another master, as {@code redis-cli --cluster reshard} does: {@code SETSLOT
	 * IMPORTING} on the target, {@code MIGRATING} on the source, {@code MIGRATE} the keys in batches, then
	 * {@code SETSLOT NODE} on the target, the source and every other master; then wait for agreement.
	 * @param slot the slot
	 * @param target the new owner, a master
	 * @return how many keys were moved (0 if the target already owned the slot)
	 */
	public int migrateSlot(int slot, N target) {
		return migrateSlots(slot, slot, target);
	}

	/**
	 * Move a range of slots with their keys to another master, slot by slot, then wait for agreement once.
	 * @param fromSlot first slot (inclusive)
	 * @param toSlot last slot (inclusive)
	 * @param target the new owner, a master
	 * @return how many keys were moved in total
	 * @see #migrateSlot(int, ClusterNode)
	 */
	public int migrateSlots(int fromSlot, int toSlot, N target) {
		int moved = 0;
		for (int slot = fromSlot; slot <= toSlot; slot++) {
			N source = requireOwner(slot);
			if (source != target) {
				SlotMoves.begin(slot, source, target);
				moved += SlotMoves.finish(slot, source, target, migrationHost(target), masters());
			}
		}
		awaitAgreement();
		this.logger.info("Migrated slots {}-{} to {}: {} keys moved", fromSlot, toSlot, target, moved);
		return moved;
	}

	/**
	 * First half of a migration, for make-before-break tests: {@code SETSLOT IMPORTING} on the target and
	 * {@code SETSLOT MIGRATING} on the source. The slot stays open until {@link #finishSlotMigration}.
	 * @param slot the slot
	 * @param target the master that will own it
	 */
	public void beginSlotMigration(int slot, N target) {
		SlotMoves.begin(slot, requireOwner(slot), target);
	}

	/**
	 * Second half of a migration started with {@link #beginSlotMigration}: move the keys, hand the slot over, wait
	 * for agreement.
	 * @param slot the slot
	 * @param target the master given to {@link #beginSlotMigration}
	 * @return how many keys were moved
	 */
	public int finishSlotMigration(int slot, N target) {
		int moved = SlotMoves.finish(slot, requireOwner(slot), target, migrationHost(target), masters());
		awaitAgreement();
		return moved;
	}

	/**
	 * Move an empty slot without key migration: {@code CLUSTER SETSLOT <slot> NODE <target>} on the target, the
	 * source, then every other master; then wait for agreement. The target is marked {@code IMPORTING} first, as
	 * in a reshard, so that taking the slot bumps its config epoch and the new owner wins by epoch everywhere. (On
	 * 7.0.15 the move also converges without it, because nodes treat a slot its owner stopped claiming as free,
	 * but that does not hold for every server version.)
	 * @param slot the slot; must hold no keys (use {@link #migrateSlot} otherwise)
	 * @param target the new owner, a master
	 */
	public void setSlotNode(int slot, N target) {
		N source = requireOwner(slot);
		if (source == target) {
			return;
		}
		long keys = source.commands().clusterCountKeysInSlot(slot);
		if (keys > 0) {
			throw new IllegalStateException("Slot " + slot + " holds " + keys + " keys on " + source
					+ "; CLUSTER SETSLOT NODE would refuse to move it. Use migrateSlot.");
		}
		target.commands().clusterSetSlotImporting(slot, source.nodeId());
		SlotMoves.assign(slot, source, target, masters());
		awaitAgreement();
	}

	/**
	 * {@link #failover(ClusterNode, Duration)} with the {@link #defaultTimeout() default timeout}.
	 * @param master the master to demote
	 * @return the promoted replica
	 */
	public N failover(N master) {
		return failover(master, this.defaultTimeout);
	}

	/**
	 * Planned failover: {@code CLUSTER FAILOVER} on one of the master's replicas, then wait until that replica is
	 * master, the old master its replica, and all nodes agree.
	 * @param master the master to demote
	 * @param timeout how long to wait
	 * @return the promoted replica
	 */
	public N failover(N master, Duration timeout) {
		List<N> replicas = replicasOf(master);
		N replica = replicas.stream().filter(ClusterNode::isLive).findFirst().orElseThrow(
				() -> new IllegalStateException(master + " has no live replica to fail over to: " + replicas));
		long deadline = System.nanoTime() + timeout.toNanos();
		long nextAttempt = 0;
		while (!replica.isMaster()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Timed out after " + timeout.toMillis() + " ms waiting for " + replica
						+ " to take over from " + master + "\n" + replica.logTail(20));
			}
			if (System.nanoTime() >= nextAttempt) {
				// A manual failover the master does not join in time (5 s in the server) is dropped: ask again.
				replica.commands().clusterFailover(false);
				nextAttempt = System.nanoTime() + Duration.ofSeconds(6).toNanos();
			}
			Waits.sleep(Waits.POLL_INTERVAL);
		}
		awaitAgreement(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
		this.logger.info("Failed over {} to {}", master, replica);
		return replica;
	}

	/**
	 * Crash a node: {@code SIGKILL}, no goodbye to the cluster. The node stays down until {@link #restart}. Returns
	 * at once; see {@link #awaitFailoverOf(ClusterNode, Duration)}.
	 * @param node the node
	 */
	public void kill(N node) {
		rememberSlots(node);
		killProcess(node);
		this.logger.info("Killed {}", node);
	}

	/**
	 * Start a stopped (or kill and start a running) node with its ports and {@code nodes.conf}, so it rejoins with
	 * its node id; a master that was failed over comes back as a replica. Waits until it is back and all nodes
	 * agree.
	 * @param node the node
	 */
	public void restart(N node) {
		restartProcess(node);
		awaitAgreement();
		this.logger.info("Restarted {}", node);
	}

	/**
	 * Freeze a node with {@code SIGSTOP}: its connections stay open but it answers nothing. Returns at once.
	 * @param node the node
	 */
	public void pause(N node) {
		rememberSlots(node);
		signalProcess(node, "STOP");
		this.logger.info("Paused {}", node);
	}

	/**
	 * Thaw a node paused with {@link #pause} ({@code SIGCONT}). Returns at once; call {@link #awaitAgreement()} to
	 * wait until it has caught up.
	 * @param node the node
	 */
	public void resume(N node) {
		signalProcess(node, "CONT");
		this.logger.info("Resumed {}", node);
	}

	/**
	 * {@link #awaitFailoverOf(ClusterNode, Duration)} with the {@link #defaultTimeout() default timeout}.
	 * @param lostMaster a killed or paused master
	 * @return the promoted replica
	 */
	public N awaitFailoverOf(N lostMaster) {
		return awaitFailoverOf(lostMaster, this.defaultTimeout);
	}

	/**
	 * Wait until a killed or paused master's slots are served by another live node (one of its replicas, promoted
	 * after {@code cluster-node-timeout}) and all live nodes agree.
	 * @param lostMaster a master stopped with {@link #kill} or {@link #pause}
	 * @param timeout how long to wait
	 * @return the promoted replica
	 */
	public N awaitFailoverOf(N lostMaster, Duration timeout) {
		Integer slot = this.firstSlotAtLoss.get(lostMaster.nodeId());
		if (slot == null) {
			throw new IllegalStateException(lostMaster + " owned no slots when it was killed or paused");
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		awaitAgreement(timeout);
		N promoted = ownerOf(slot);
		awaitAgreement(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
		this.logger.info("{} took over from {}", promoted, lostMaster);
		return promoted;
	}

	private void rememberSlots(N node) {
		if (node.isLive()) {
			List<Integer> slots = currentView().slotsOf(node.nodeId());
			if (!slots.isEmpty()) {
				this.firstSlotAtLoss.put(node.nodeId(), slots.get(0));
			}
		}
	}

	/**
	 * The cluster as its first live node sees it now ({@code CLUSTER NODES}).
	 * @return the view
	 * @throws IllegalStateException if no node is live
	 */
	public ClusterView currentView() {
		for (N node : nodes()) {
			if (node.isLive()) {
				return ClusterView.parse(node.commands().clusterNodes());
			}
		}
		throw new IllegalStateException("No live node in " + nodes());
	}

	/**
	 * Wait until all live nodes agree, with the {@link #defaultTimeout() default timeout}.
	 * @see #awaitAgreement(Duration)
	 */
	public void awaitAgreement() {
		awaitAgreement(this.defaultTimeout);
	}

	/**
	 * Wait until every live (running, not paused) node reports {@code cluster_state:ok} (or {@code fail} when only
	 * slots left uncovered on purpose, see {@link ClusterOperations#removeSlot(int)}, are uncovered), all see the
	 * same owner for every slot and the same role for every live node, no slot is mid-migration, every slot owner
	 * is live, and every replica is linked to its master.
	 * @param timeout how long to wait
	 * @throws IllegalStateException on timeout, listing the disagreements and every node's {@code CLUSTER NODES}
	 */
	public void awaitAgreement(Duration timeout) {
		Waits.until(timeout, "the cluster nodes to agree",
				() -> Agreement.check(nodes(), this.deliberatelyUncovered));
	}

	/**
	 * The slots left without owner on purpose, which {@link #awaitAgreement(Duration)} accepts as uncovered.
	 * @return the live, modifiable set
	 */
	protected Set<Integer> deliberatelyUncovered() {
		return this.deliberatelyUncovered;
	}

	/**
	 * The node with an id.
	 * @param nodeId the node id
	 * @return the node, or {@code null} if no node has this id
	 */
	protected N node(String nodeId) {
		return Agreement.byId(nodes(), nodeId);
	}

	private N requireOwner(int slot) {
		N owner = ownerOf(slot);
		if (owner == null) {
			throw new IllegalStateException("Slot " + slot + " has no owner");
		}
		return owner;
	}

	/** @return every node of the cluster, whatever its state */
	protected abstract List<N> nodes();

	/** @return the nodes that are masters now */
	protected abstract List<N> masters();

	/**
	 * The host a source node's {@code MIGRATE} reaches the target at.
	 * @param target the node the keys move to
	 * @return by default the target's {@link ClusterNode#host() host}
	 */
	protected String migrationHost(N target) {
		return target.host();
	}

	/**
	 * {@code SIGKILL} a node's process and drop its connection.
	 * @param node the node
	 */
	protected abstract void killProcess(N node);

	/**
	 * Start a node's process again on its ports and {@code nodes.conf} (killing it first if it runs), and wait until
	 * it answers.
	 * @param node the node
	 */
	protected abstract void restartProcess(N node);

	/**
	 * Send a signal to a node's process.
	 * @param node the node
	 * @param signal {@code STOP} (the node is paused afterwards) or {@code CONT} (it is not)
	 */
	protected abstract void signalProcess(N node, String signal);

}
