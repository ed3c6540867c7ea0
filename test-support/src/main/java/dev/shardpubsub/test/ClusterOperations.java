package dev.shardpubsub.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.cluster.SlotHash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology changes for tests on an {@link EmbeddedRedisCluster}: slot migration, failover, crashes, pauses and
 * uncovered slots. Every operation that changes the topology returns once all live nodes agree on the result
 * (see {@link #awaitAgreement(Duration)}), except {@link #kill(RedisNode)}, {@link #pause(RedisNode)} and
 * {@link #resume(RedisNode)}, which only act on the process.
 */
public final class ClusterOperations {

	private static final Logger logger = LoggerFactory.getLogger(ClusterOperations.class);

	private static final int MIGRATE_BATCH = 100;

	private static final int MIGRATE_TIMEOUT_MILLIS = 60_000;

	private final EmbeddedRedisCluster cluster;

	private final Duration defaultTimeout;

	private final Set<Integer> deliberatelyUncovered = ConcurrentHashMap.newKeySet();

	// Slots a node owned when we killed or paused it, so awaitFailoverOf can tell who took them over.
	private final Map<String, Integer> firstSlotAtLoss = new ConcurrentHashMap<>();

	ClusterOperations(EmbeddedRedisCluster cluster, Duration defaultTimeout) {
		this.cluster = cluster;
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
	public RedisNode ownerOf(int slot) {
		String owner = currentView().ownerId(slot);
		return (owner != null) ? node(owner) : null;
	}

	/**
	 * The master owning a shard channel's slot.
	 * @param channel the channel
	 * @return the owner, or {@code null} if no node owns the slot
	 */
	public RedisNode ownerOfChannel(String channel) {
		return ownerOf(slotOf(channel));
	}

	/**
	 * The replicas of a master, as the cluster sees them now.
	 * @param master a master
	 * @return its running replicas
	 */
	public List<RedisNode> replicasOf(RedisNode master) {
		List<RedisNode> replicas = new ArrayList<>();
		for (String id : currentView().replicaIdsOf(master.nodeId())) {
			RedisNode replica = node(id);
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
	public int migrateSlot(int slot, RedisNode target) {
		return migrateSlots(slot, slot, target);
	}

	/**
	 * Move a range of slots with their keys to another master, slot by slot, then wait for agreement once.
	 * @param fromSlot first slot (inclusive)
	 * @param toSlot last slot (inclusive)
	 * @param target the new owner, a master
	 * @return how many keys were moved in total
	 * @see #migrateSlot(int, RedisNode)
	 */
	public int migrateSlots(int fromSlot, int toSlot, RedisNode target) {
		int moved = 0;
		for (int slot = fromSlot; slot <= toSlot; slot++) {
			RedisNode source = requireOwner(slot);
			if (source != target) {
				beginMigration(slot, source, target);
				moved += finishMigration(slot, source, target);
			}
		}
		awaitAgreement();
		logger.info("Migrated slots {}-{} to {}: {} keys moved", fromSlot, toSlot, target, moved);
		return moved;
	}

	/**
	 * First half of a migration, for make-before-break tests: {@code SETSLOT IMPORTING} on the target and
	 * {@code SETSLOT MIGRATING} on the source. The slot stays open until {@link #finishSlotMigration}.
	 * @param slot the slot
	 * @param target the master that will own it
	 */
	public void beginSlotMigration(int slot, RedisNode target) {
		beginMigration(slot, requireOwner(slot), target);
	}

	/**
	 * Second half of a migration started with {@link #beginSlotMigration}: move the keys, hand the slot over, wait
	 * for agreement.
	 * @param slot the slot
	 * @param target the master given to {@link #beginSlotMigration}
	 * @return how many keys were moved
	 */
	public int finishSlotMigration(int slot, RedisNode target) {
		int moved = finishMigration(slot, requireOwner(slot), target);
		awaitAgreement();
		return moved;
	}

	private void beginMigration(int slot, RedisNode source, RedisNode target) {
		target.commands().clusterSetSlotImporting(slot, source.nodeId());
		source.commands().clusterSetSlotMigrating(slot, target.nodeId());
	}

	private int finishMigration(int slot, RedisNode source, RedisNode target) {
		int moved = 0;
		while (true) {
			List<String> keys = source.commands().clusterGetKeysInSlot(slot, MIGRATE_BATCH);
			if (keys.isEmpty()) {
				break;
			}
			source.commands().migrate(target.host(), target.port(), 0, MIGRATE_TIMEOUT_MILLIS,
					MigrateArgs.Builder.keys(keys));
			moved += keys.size();
		}
		assignEverywhere(slot, source, target);
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
	public void setSlotNode(int slot, RedisNode target) {
		RedisNode source = requireOwner(slot);
		if (source == target) {
			return;
		}
		long keys = source.commands().clusterCountKeysInSlot(slot);
		if (keys > 0) {
			throw new IllegalStateException("Slot " + slot + " holds " + keys + " keys on " + source
					+ "; CLUSTER SETSLOT NODE would refuse to move it. Use migrateSlot.");
		}
		target.commands().clusterSetSlotImporting(slot, source.nodeId());
		assignEverywhere(slot, source, target);
		awaitAgreement();
	}

	private void assignEverywhere(int slot, RedisNode source, RedisNode target) {
		target.commands().clusterSetSlotNode(slot, target.nodeId());
		if (source != null && source.isLive()) {
			source.commands().clusterSetSlotNode(slot, target.nodeId());
		}
		for (RedisNode master : this.cluster.masters()) {
			if (master != target && master != source && master.isLive()) {
				master.commands().clusterSetSlotNode(slot, target.nodeId());
			}
		}
		SlotClaims.keep(slot, target);
	}

	/**
	 * {@link #failover(RedisNode, Duration)} with the {@link #defaultTimeout() default timeout}.
	 * @param master the master to demote
	 * @return the promoted replica
	 */
	public RedisNode failover(RedisNode master) {
		return failover(master, this.defaultTimeout);
	}

	/**
	 * Planned failover: {@code CLUSTER FAILOVER} on one of the master's replicas, then wait until that replica is
	 * master, the old master its replica, and all nodes agree.
	 * @param master the master to demote
	 * @param timeout how long to wait
	 * @return the promoted replica
	 */
	public RedisNode failover(RedisNode master, Duration timeout) {
		List<RedisNode> replicas = replicasOf(master);
		RedisNode replica = replicas.stream().filter(RedisNode::isLive).findFirst().orElseThrow(
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
		logger.info("Failed over {} to {}", master, replica);
		return replica;
	}

	/**
	 * Crash a node: {@code SIGKILL}, no goodbye to the cluster. Returns at once; see
	 * {@link #awaitFailoverOf(RedisNode, Duration)} and {@link #restart(RedisNode)}.
	 * @param node the node
	 */
	public void kill(RedisNode node) {
		rememberSlots(node);
		node.kill();
		logger.info("Killed {}", node);
	}

	/**
	 * Start a stopped (or kill and start a running) node on its port and directory; it keeps its {@code nodes.conf}
	 * and so rejoins with its node id. A master that was failed over comes back as a replica. Waits until it is
	 * back and all nodes agree.
	 * @param node the node
	 */
	public void restart(RedisNode node) {
		if (node.isRunning()) {
			node.kill();
		}
		node.launch(null);
		node.awaitReady(this.defaultTimeout);
		awaitAgreement();
		logger.info("Restarted {}", node);
	}

	/**
	 * Freeze a node with {@code SIGSTOP}: its connections stay open but it answers nothing. Returns at once.
	 * @param node the node
	 */
	public void pause(RedisNode node) {
		rememberSlots(node);
		node.signal("STOP", true);
		logger.info("Paused {}", node);
	}

	/**
	 * Thaw a node paused with {@link #pause(RedisNode)} ({@code SIGCONT}). Returns at once; call
	 * {@link #awaitAgreement()} to wait until it has caught up.
	 * @param node the node
	 */
	public void resume(RedisNode node) {
		node.signal("CONT", false);
		logger.info("Resumed {}", node);
	}

	/**
	 * {@link #awaitFailoverOf(RedisNode, Duration)} with the {@link #defaultTimeout() default timeout}.
	 * @param lostMaster a killed or paused master
	 * @return the promoted replica
	 */
	public RedisNode awaitFailoverOf(RedisNode lostMaster) {
		return awaitFailoverOf(lostMaster, this.defaultTimeout);
	}

	/**
	 * Wait until a killed or paused master's slots are served by another live node (one of its replicas, promoted
	 * after {@code cluster-node-timeout}) and all live nodes agree.
	 * @param lostMaster a master stopped with {@link #kill(RedisNode)} or {@link #pause(RedisNode)}
	 * @param timeout how long to wait
	 * @return the promoted replica
	 */
	public RedisNode awaitFailoverOf(RedisNode lostMaster, Duration timeout) {
		Integer slot = this.firstSlotAtLoss.get(lostMaster.nodeId());
		if (slot == null) {
			throw new IllegalStateException(lostMaster + " owned no slots when it was killed or paused");
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		awaitAgreement(timeout);
		RedisNode promoted = ownerOf(slot);
		awaitAgreement(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
		logger.info("{} took over from {}", promoted, lostMaster);
		return promoted;
	}

	private void rememberSlots(RedisNode node) {
		if (node.isLive()) {
			List<Integer> slots = currentView().slotsOf(node.nodeId());
			if (!slots.isEmpty()) {
				this.firstSlotAtLoss.put(node.nodeId(), slots.get(0));
			}
		}
	}

	ClusterView currentView() {
		for (RedisNode node : this.cluster.nodes()) {
			if (node.isLive()) {
				return ClusterView.parse(node.commands().clusterNodes());
			}
		}
		throw new IllegalStateException("No live node in " + this.cluster);
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
	 * slots removed with {@link #removeSlot(int)} are uncovered), all see the same owner for every slot and the
	 * same role for every live node, no slot is mid-migration, every slot owner is live, and every replica is
	 * linked to its master.
	 * @param timeout how long to wait
	 * @throws IllegalStateException on timeout, listing the disagreements and every node's {@code CLUSTER NODES}
	 */
	public void awaitAgreement(Duration timeout) {
		Waits.until(timeout, "the cluster nodes to agree",
				() -> Agreement.check(this.cluster.nodes(), this.deliberatelyUncovered));
	}

	RedisNode node(String nodeId) {
		return Agreement.byId(this.cluster.nodes(), nodeId);
	}

	private RedisNode requireOwner(int slot) {
		RedisNode owner = ownerOf(slot);
		if (owner == null) {
			throw new IllegalStateException("Slot " + slot + " has no owner");
		}
		return owner;
	}

	/**
	 * Leave a slot without owner: {@code CLUSTER DELSLOTS} on every node, so that nobody serves it (shard
	 * subscribers of the slot on its old owner get a {@code sunsubscribe} push). With full coverage required, the
	 * cluster state turns {@code fail}; {@link #awaitAgreement} accepts that until {@link #assignSlot} is called.
	 * @param slot the slot
	 */
	public void removeSlot(int slot) {
		this.deliberatelyUncovered.add(slot);
		UncoveredSlots.remove(this.cluster.nodes(), slot, this.defaultTimeout);
		awaitAgreement();
	}

	/**
	 * Give an uncovered slot to a master ({@code CLUSTER ADDSLOTS}) and wait until every node agrees. Only the
	 * master needs the command: every other node accepts the claim by gossip because nobody owns the slot
	 * (about half a second on 7.0.15).
	 * @param slot the slot, uncovered
	 * @param master the new owner
	 */
	public void assignSlot(int slot, RedisNode master) {
		UncoveredSlots.assign(this.cluster.nodes(), slot, master, this.defaultTimeout);
		this.deliberatelyUncovered.remove(slot);
		awaitAgreement();
	}

}
