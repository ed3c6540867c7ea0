package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.cluster.SlotHash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology changes for tests on a {@link RedisClusterContainer}, named as the embedded kit's
 * {@code dev.shardpubsub.test.ClusterOperations} names them: slot migration, failover, crashes and pauses. Every
 * operation that changes the topology returns once all live nodes agree on the result, except
 * {@link #kill(ContainerRedisNode)}, {@link #pause(ContainerRedisNode)} and {@link #resume(ContainerRedisNode)},
 * which only act on the process (by a signal sent inside the container).
 */
public final class ContainerClusterOperations {

	private static final Logger logger = LoggerFactory.getLogger(ContainerClusterOperations.class);

	private static final int MIGRATE_BATCH = 100;

	private static final int MIGRATE_TIMEOUT_MILLIS = 60_000;

	private final RedisClusterContainer container;

	private final Duration defaultTimeout;

	// The first slot a node owned when it was killed or paused, so awaitFailoverOf can tell who took it over.
	private final Map<String, Integer> firstSlotAtLoss = new ConcurrentHashMap<>();

	ContainerClusterOperations(RedisClusterContainer container, Duration defaultTimeout) {
		this.container = container;
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
	public ContainerRedisNode ownerOf(int slot) {
		return node(currentView().ownerId(slot));
	}

	/**
	 * The master owning a shard channel's slot.
	 * @param channel the channel
	 * @return the owner, or {@code null} if no node owns the slot
	 */
	public ContainerRedisNode ownerOfChannel(String channel) {
		return ownerOf(slotOf(channel));
	}

	/**
	 * The replicas of a master, as the cluster sees them now.
	 * @param master a master
	 * @return its running replicas
	 */
	public List<ContainerRedisNode> replicasOf(ContainerRedisNode master) {
		List<ContainerRedisNode> replicas = new ArrayList<>();
		for (String id : currentView().replicaIdsOf(master.nodeId())) {
			ContainerRedisNode replica = node(id);
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
	public int migrateSlot(int slot, ContainerRedisNode target) {
		return migrateSlots(slot, slot, target);
	}

	/**
	 * Move a range of slots with their keys to another master, slot by slot, then wait for agreement once.
	 * @param fromSlot first slot (inclusive)
	 * @param toSlot last slot (inclusive)
	 * @param target the new owner, a master
	 * @return how many keys were moved in total
	 */
	public int migrateSlots(int fromSlot, int toSlot, ContainerRedisNode target) {
		int moved = 0;
		for (int slot = fromSlot; slot <= toSlot; slot++) {
			ContainerRedisNode source = ownerOf(slot);
			if (source == null) {
				throw new IllegalStateException("Slot " + slot + " has no owner");
			}
			if (source != target) {
				moved += migrate(slot, source, target);
			}
		}
		awaitAgreement();
		logger.info("Migrated slots {}-{} to {}: {} keys moved", fromSlot, toSlot, target, moved);
		return moved;
	}

	/**
	 * Move an empty slot; the same as {@link #migrateSlot(int, ContainerRedisNode)}, which finds no key to move.
	 * @param slot the slot
	 * @param target the new owner, a master
	 */
	public void setSlotNode(int slot, ContainerRedisNode target) {
		migrateSlot(slot, target);
	}

	private int migrate(int slot, ContainerRedisNode source, ContainerRedisNode target) {
		target.commands().clusterSetSlotImporting(slot, source.nodeId());
		source.commands().clusterSetSlotMigrating(slot, target.nodeId());
		int moved = 0;
		while (true) {
			List<String> keys = source.commands().clusterGetKeysInSlot(slot, MIGRATE_BATCH);
			if (keys.isEmpty()) {
				break;
			}
			// The nodes share the container: the source reaches the target on the container's loopback.
			source.commands().migrate("127.0.0.1", target.port(), 0, MIGRATE_TIMEOUT_MILLIS,
					MigrateArgs.Builder.keys(keys));
			moved += keys.size();
		}
		target.commands().clusterSetSlotNode(slot, target.nodeId());
		source.commands().clusterSetSlotNode(slot, target.nodeId());
		for (ContainerRedisNode master : this.container.masters()) {
			if (master != target && master != source && master.isLive()) {
				master.commands().clusterSetSlotNode(slot, target.nodeId());
			}
		}
		return moved;
	}

	/**
	 * {@link #failover(ContainerRedisNode, Duration)} with the {@link #defaultTimeout() default timeout}.
	 * @param master the master to demote
	 * @return the promoted replica
	 */
	public ContainerRedisNode failover(ContainerRedisNode master) {
		return failover(master, this.defaultTimeout);
	}

	/**
	 * Planned failover: {@code CLUSTER FAILOVER} on one of the master's replicas, then wait until that replica is
	 * master, the old master its replica, and all nodes agree.
	 * @param master the master to demote
	 * @param timeout how long to wait
	 * @return the promoted replica
	 */
	public ContainerRedisNode failover(ContainerRedisNode master, Duration timeout) {
		ContainerRedisNode replica = replicasOf(master).stream().filter(ContainerRedisNode::isLive).findFirst()
			.orElseThrow(() -> new IllegalStateException(master + " has no live replica to fail over to"));
		long deadline = System.nanoTime() + timeout.toNanos();
		long nextAttempt = 0;
		while (!replica.isMaster()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Timed out after " + timeout.toMillis() + " ms waiting for " + replica
						+ " to take over from " + master);
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
	 * Crash a node: {@code SIGKILL} inside the container, no goodbye to the cluster. The node stays down until
	 * {@link #restart(ContainerRedisNode)}. Returns at once; see {@link #awaitFailoverOf(ContainerRedisNode)}.
	 * @param node the node
	 */
	public void kill(ContainerRedisNode node) {
		rememberSlots(node);
		this.container.execScript(ClusterStartScript.killCommand(node.port()));
		node.running(false);
		node.paused(false);
		node.closeConnection();
		logger.info("Killed {}", node);
	}

	/**
	 * Start a killed node again (or kill and start a running one) with its ports and {@code nodes.conf}, so it
	 * rejoins with its node id; a master that was failed over comes back as a replica. Waits until it answers and
	 * all nodes agree.
	 * @param node the node
	 */
	public void restart(ContainerRedisNode node) {
		if (node.isRunning()) {
			this.container.execScript(ClusterStartScript.killCommand(node.port()));
			node.closeConnection();
		}
		this.container.execScript(ClusterStartScript.restartCommand(node.port()));
		node.running(true);
		node.paused(false);
		node.awaitReady(this.defaultTimeout);
		awaitAgreement();
		logger.info("Restarted {}", node);
	}

	/**
	 * Freeze a node with {@code SIGSTOP}: its connections stay open but it answers nothing. Returns at once.
	 * @param node the node
	 */
	public void pause(ContainerRedisNode node) {
		rememberSlots(node);
		this.container.execScript(ClusterStartScript.signalCommand(node.port(), "STOP"));
		node.paused(true);
		logger.info("Paused {}", node);
	}

	/**
	 * Thaw a node paused with {@link #pause(ContainerRedisNode)} ({@code SIGCONT}). Returns at once; call
	 * {@link #awaitAgreement()} to wait until it has caught up.
	 * @param node the node
	 */
	public void resume(ContainerRedisNode node) {
		this.container.execScript(ClusterStartScript.signalCommand(node.port(), "CONT"));
		node.paused(false);
		logger.info("Resumed {}", node);
	}

	/**
	 * {@link #awaitFailoverOf(ContainerRedisNode, Duration)} with the {@link #defaultTimeout() default timeout}.
	 * @param lostMaster a killed or paused master
	 * @return the promoted replica
	 */
	public ContainerRedisNode awaitFailoverOf(ContainerRedisNode lostMaster) {
		return awaitFailoverOf(lostMaster, this.defaultTimeout);
	}

	/**
	 * Wait until a killed or paused master's slots are served by another live node (one of its replicas, promoted
	 * after {@code cluster-node-timeout}) and all live nodes agree.
	 * @param lostMaster a master stopped with {@link #kill} or {@link #pause}
	 * @param timeout how long to wait
	 * @return the promoted replica
	 */
	public ContainerRedisNode awaitFailoverOf(ContainerRedisNode lostMaster, Duration timeout) {
		Integer slot = this.firstSlotAtLoss.get(lostMaster.nodeId());
		if (slot == null) {
			throw new IllegalStateException(lostMaster + " owned no slots when it was killed or paused");
		}
		awaitAgreement(timeout);
		ContainerRedisNode promoted = ownerOf(slot);
		logger.info("{} took over from {}", promoted, lostMaster);
		return promoted;
	}

	/**
	 * Wait until all live nodes agree, with the {@link #defaultTimeout() default timeout}.
	 * @see #awaitAgreement(Duration)
	 */
	public void awaitAgreement() {
		awaitAgreement(this.defaultTimeout);
	}

	/**
	 * Wait until every live (running, not paused) node reports {@code cluster_state:ok}, all see the same owner for
	 * every slot and the same role for every live node, no slot is mid-migration, every slot owner is live, and
	 * every replica is linked to its master.
	 * @param timeout how long to wait
	 * @throws IllegalStateException on timeout, listing the disagreements and every node's {@code CLUSTER NODES}
	 */
	public void awaitAgreement(Duration timeout) {
		Waits.until(timeout, "the cluster nodes to agree", () -> ClusterAgreement.check(this.container.nodes()));
	}

	private void rememberSlots(ContainerRedisNode node) {
		if (node.isLive()) {
			int slot = currentView().firstSlotOf(node.nodeId());
			if (slot >= 0) {
				this.firstSlotAtLoss.put(node.nodeId(), slot);
			}
		}
	}

	ClusterNodesView currentView() {
		for (ContainerRedisNode node : this.container.nodes()) {
			if (node.isLive()) {
				return ClusterNodesView.parse(node.commands().clusterNodes());
			}
		}
		throw new IllegalStateException("No live node in " + this.container);
	}

	private ContainerRedisNode node(String nodeId) {
		return ClusterAgreement.byId(this.container.nodes(), nodeId);
	}

}
