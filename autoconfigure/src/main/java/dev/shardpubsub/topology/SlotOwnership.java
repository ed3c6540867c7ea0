package dev.shardpubsub.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.cluster.SlotOwnerChange;

/**
 * An immutable snapshot of which master owns each hash slot, and which replicas serve each master.
 */
public final class SlotOwnership {

	private static final SlotOwnership EMPTY = new SlotOwnership(new NodeAddress[SlotHash.SLOT_COUNT], Map.of(),
			Set.of(), Set.of());

	private final NodeAddress[] owners;

	private final Map<NodeAddress, List<NodeAddress>> replicas;

	private final Set<NodeAddress> nodes;

	private final Set<NodeAddress> failing;

	private volatile @Nullable List<NodeAddress> masters;

	private SlotOwnership(NodeAddress[] owners, Map<NodeAddress, List<NodeAddress>> replicas,
			Set<NodeAddress> nodes, Set<NodeAddress> failing) {
		this.owners = owners;
		this.replicas = replicas;
		this.nodes = nodes;
		this.failing = failing;
	}

	/**
	 * A snapshot in which no slot is owned.
	 * @return the empty snapshot
	 */
	public static SlotOwnership empty() {
		return EMPTY;
	}

	/**
	 * Build a snapshot from Lettuce's view of the cluster.
	 * @param nodes the cluster nodes (e.g. {@code Partitions} or {@code ClusterTopologyChangedEvent#after()})
	 * @return the snapshot
	 */
	public static SlotOwnership of(Iterable<RedisClusterNode> nodes) {
		NodeAddress[] owners = new NodeAddress[SlotHash.SLOT_COUNT];
		Map<String, NodeAddress> byId = new HashMap<>();
		Set<NodeAddress> known = new HashSet<>();
		Set<NodeAddress> failing = new HashSet<>();
		for (RedisClusterNode node : nodes) {
			if (node.getUri() == null || node.is(NodeFlag.NOADDR) || node.is(NodeFlag.HANDSHAKE)) {
				continue;
			}
			NodeAddress address = NodeAddress.of(node.getUri());
			byId.put(node.getNodeId(), address);
			known.add(address);
			if (node.is(NodeFlag.FAIL) || node.is(NodeFlag.EVENTUAL_FAIL)) {
				failing.add(address);
			}
			if (node.is(NodeFlag.UPSTREAM)) {
				node.forEachSlot((slot) -> owners[slot] = address);
			}
		}
		Map<NodeAddress, List<NodeAddress>> replicas = new HashMap<>();
		for (RedisClusterNode node : nodes) {
			NodeAddress master = (node.getSlaveOf() != null) ? byId.get(node.getSlaveOf()) : null;
			NodeAddress address = (node.getUri() != null) ? byId.get(node.getNodeId()) : null;
			if (master != null && address != null && node.is(NodeFlag.REPLICA)) {
				replicas.computeIfAbsent(master, (key) -> new ArrayList<>()).add(address);
			}
		}
		replicas.values().forEach(Collections::sort);
		return new SlotOwnership(owners, Map.copyOf(replicas), Set.copyOf(known), Set.copyOf(failing));
	}

	/**
	 * The master that owns a slot.
	 * @param slot the hash slot
	 * @return its owner, or {@code null} when no master serves it
	 */
	public @Nullable NodeAddress owner(int slot) {
		return this.owners[slot];
	}

	/**
	 * The masters that own at least one slot, in address order.
	 * @return the masters
	 */
	public List<NodeAddress> masters() {
		List<NodeAddress> masters = this.masters;
		if (masters == null) {
			masters = java.util.Arrays.stream(this.owners).filter(Objects::nonNull).distinct().sorted().toList();
			this.masters = masters;
		}
		return masters;
	}

	/**
	 * Whether a node owns at least one slot.
	 * @param node the node
	 * @return whether it is a master with slots
	 */
	public boolean isMaster(NodeAddress node) {
		return masters().contains(node);
	}

	/**
	 * The masters that own slots and their replicas.
	 * @return the nodes that serve some slot
	 */
	public List<NodeAddress> servingNodes() {
		List<NodeAddress> nodes = new ArrayList<>(masters());
		for (NodeAddress master : masters()) {
			nodes.addAll(this.replicas.getOrDefault(master, List.of()));
		}
		return nodes;
	}

	/**
	 * Whether a node owns slots or replicates a master that does.
	 * @param node the node
	 * @return whether it serves some slot
	 */
	public boolean isServing(NodeAddress node) {
		return isMaster(node) || masters().stream().anyMatch((master) -> replicasOf(master).contains(node));
	}

	/**
	 * The replicas of a master.
	 * @param master the master
	 * @return its replicas, healthy ones first
	 */
	public List<NodeAddress> replicasOf(NodeAddress master) {
		List<NodeAddress> all = this.replicas.getOrDefault(master, List.of());
		List<NodeAddress> ordered = new ArrayList<>(all.size());
		all.stream().filter((node) -> !isFailing(node)).forEach(ordered::add);
		all.stream().filter(this::isFailing).forEach(ordered::add);
		return ordered;
	}

	/**
	 * Whether two nodes belong to one shard: the same node, a master and one of its replicas, or two replicas of
	 * one master. Every node of a shard delivers every message of the shard's slots.
	 * @param first a node
	 * @param second another node
	 * @return whether they serve the same shard in this view
	 */
	public boolean sameShard(NodeAddress first, NodeAddress second) {
		if (first.equals(second)) {
			return true;
		}
		for (Map.Entry<NodeAddress, List<NodeAddress>> shard : this.replicas.entrySet()) {
			NodeAddress master = shard.getKey();
			List<NodeAddress> replicas = shard.getValue();
			if ((master.equals(first) || replicas.contains(first)) && (master.equals(second) || replicas.contains(second))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The master of the shard a node serves: itself if it owns slots, else the slot-owning master it replicates.
	 * @param node a node
	 * @return the shard's master, or {@code null} if the node serves no slot in this view
	 */
	public @Nullable NodeAddress shardOf(NodeAddress node) {
		if (isMaster(node)) {
			return node;
		}
		for (NodeAddress master : masters()) {
			if (this.replicas.getOrDefault(master, List.of()).contains(node)) {
				return master;
			}
		}
		return null;
	}

	/**
	 * Whether the cluster flags the node as failing ({@code fail} or {@code fail?}).
	 * @param node the node
	 * @return whether it is flagged
	 */
	public boolean isFailing(NodeAddress node) {
		return this.failing.contains(node);
	}

	/**
	 * The number of slots that have an owner.
	 * @return the covered slot count
	 */
	public int coveredSlots() {
		int covered = 0;
		for (NodeAddress owner : this.owners) {
			if (owner != null) {
				covered++;
			}
		}
		return covered;
	}

	/**
	 * The slots whose owner differs between this snapshot and a newer one.
	 * @param newer the newer snapshot
	 * @return the changes, ordered by slot; empty when nothing moved
	 */
	public List<SlotOwnerChange> changesTo(SlotOwnership newer) {
		List<SlotOwnerChange> changes = new ArrayList<>();
		for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
			if (!Objects.equals(this.owners[slot], newer.owners[slot])) {
				changes.add(new SlotOwnerChange(slot, this.owners[slot], newer.owners[slot]));
			}
		}
		return changes;
	}

	/**
	 * Whether any master's set of replicas differs between this snapshot and a newer one.
	 * @param newer the newer snapshot
	 * @return whether replicas changed
	 */
	public boolean replicasDifferFrom(SlotOwnership newer) {
		return !this.replicas.equals(newer.replicas) || !this.failing.equals(newer.failing);
	}

	@Override
	public String toString() {
		return "SlotOwnership[" + coveredSlots() + " slots covered, " + this.nodes.size() + " nodes, failing="
				+ this.failing + "]";
	}

}
