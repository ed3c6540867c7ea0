package dev.shardpubsub.reconcile;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.SlotOwnership;

/**
 * An immutable cluster layout for tests: which master owns which slots and which replica follows which master.
 * Feeds both the truth of {@link FakeNodeSubscriptionClient} and the view of {@link FakeClusterTopology}, which can
 * differ (a stale view).
 */
final class ClusterLayout {

	static final String HOST = "127.0.0.1";

	static final NodeAddress A = node(7000);

	static final NodeAddress B = node(7001);

	static final NodeAddress C = node(7002);

	static final NodeAddress A_REPLICA = node(7003);

	static final NodeAddress B_REPLICA = node(7004);

	static final NodeAddress C_REPLICA = node(7005);

	/** Owns only the slot of the {@code {probe}} hash tag, used by the tests' barriers and nothing else. */
	static final NodeAddress PROBE = node(7010);

	static final int PROBE_SLOT = SlotHash.getSlot("{probe}");

	private final Map<NodeAddress, BitSet> slotsByMaster;

	private final Map<NodeAddress, NodeAddress> masterByReplica;

	/** Nodes the cluster flags {@code fail}. */
	private final Set<NodeAddress> failing;

	private ClusterLayout(Map<NodeAddress, BitSet> slotsByMaster, Map<NodeAddress, NodeAddress> masterByReplica) {
		this(slotsByMaster, masterByReplica, Set.of());
	}

	private ClusterLayout(Map<NodeAddress, BitSet> slotsByMaster, Map<NodeAddress, NodeAddress> masterByReplica,
			Set<NodeAddress> failing) {
		this.slotsByMaster = slotsByMaster;
		this.masterByReplica = masterByReplica;
		this.failing = failing;
	}

	static NodeAddress node(int port) {
		return new NodeAddress(HOST, port);
	}

	/**
	 * Three masters with a replica each, like {@code redis-cli --cluster create --cluster-replicas 1}, plus the
	 * probe node: A 0-5460, B 5461-10922, C 10923-16383 (without the probe slot).
	 */
	static ClusterLayout standard() {
		return builder().master(A, 0, 5460)
			.master(B, 5461, 10922)
			.master(C, 10923, 16383)
			.master(PROBE, PROBE_SLOT, PROBE_SLOT)
			.replica(A_REPLICA, A)
			.replica(B_REPLICA, B)
			.replica(C_REPLICA, C)
			.build();
	}

	static Builder builder() {
		return new Builder();
	}

	NodeAddress owner(int slot) {
		for (Map.Entry<NodeAddress, BitSet> entry : this.slotsByMaster.entrySet()) {
			if (entry.getValue().get(slot)) {
				return entry.getKey();
			}
		}
		return null;
	}

	/**
	 * What {@code ROLE} says: the master a replica follows, or the node itself.
	 */
	NodeAddress masterOf(NodeAddress node) {
		return this.masterByReplica.getOrDefault(node, node);
	}

	/**
	 * Whether a node serves a slot: it owns it, or it is a replica of its owner.
	 */
	boolean serves(NodeAddress node, int slot) {
		NodeAddress owner = owner(slot);
		return owner != null && (owner.equals(node) || owner.equals(this.masterByReplica.get(node)));
	}

	/**
	 * The same layout with one slot owned by another master (or by nobody when {@code to} is null).
	 */
	ClusterLayout withSlot(int slot, NodeAddress to) {
		Map<NodeAddress, BitSet> slots = copySlots();
		slots.values().forEach((owned) -> owned.clear(slot));
		if (to != null) {
			slots.computeIfAbsent(to, (node) -> new BitSet(SlotHash.SLOT_COUNT)).set(slot);
		}
		return new ClusterLayout(slots, new LinkedHashMap<>(this.masterByReplica));
	}

	ClusterLayout withoutSlot(int slot) {
		return withSlot(slot, null);
	}

	/**
	 * The same layout after a failover: the replica owns its master's slots and the old master follows it.
	 */
	ClusterLayout withPromoted(NodeAddress replica) {
		NodeAddress master = this.masterByReplica.get(replica);
		Map<NodeAddress, BitSet> slots = new LinkedHashMap<>();
		this.slotsByMaster.forEach((node, owned) -> slots.put(node.equals(master) ? replica : node,
				(BitSet) owned.clone()));
		Map<NodeAddress, NodeAddress> replicas = new LinkedHashMap<>();
		this.masterByReplica.forEach((node, of) -> {
			if (!node.equals(replica)) {
				replicas.put(node, of.equals(master) ? replica : of);
			}
		});
		replicas.put(master, replica);
		return new ClusterLayout(slots, replicas);
	}

	/**
	 * The same layout with a node flagged {@code fail} (crashed, or frozen and failed over).
	 */
	ClusterLayout withFailing(NodeAddress node) {
		Set<NodeAddress> failing = new HashSet<>(this.failing);
		failing.add(node);
		return new ClusterLayout(this.slotsByMaster, this.masterByReplica, Set.copyOf(failing));
	}

	SlotOwnership ownership() {
		return SlotOwnership.of(nodes());
	}

	/**
	 * The layout as Lettuce describes it.
	 */
	List<RedisClusterNode> nodes() {
		List<RedisClusterNode> nodes = new ArrayList<>();
		this.slotsByMaster.forEach((master, owned) -> {
			RedisClusterNode node = clusterNode(master, NodeFlag.UPSTREAM);
			node.setSlots(owned.stream().boxed().toList());
			nodes.add(node);
		});
		this.masterByReplica.forEach((replica, master) -> {
			RedisClusterNode node = clusterNode(replica, NodeFlag.REPLICA);
			node.setSlaveOf(nodeId(master));
			node.setSlots(List.of());
			nodes.add(node);
		});
		for (RedisClusterNode node : nodes) {
			if (this.failing.contains(new NodeAddress(node.getUri().getHost(), node.getUri().getPort()))) {
				Set<NodeFlag> flags = EnumSet.copyOf(node.getFlags());
				flags.add(NodeFlag.FAIL);
				node.setFlags(flags);
			}
		}
		return nodes;
	}

	private static RedisClusterNode clusterNode(NodeAddress address, NodeFlag flag) {
		RedisClusterNode node = new RedisClusterNode();
		node.setUri(RedisURI.create(address.host(), address.port()));
		node.setNodeId(nodeId(address));
		node.setConnected(true);
		node.setFlags(EnumSet.of(flag));
		return node;
	}

	private static String nodeId(NodeAddress address) {
		return "node-" + address.port();
	}

	private Map<NodeAddress, BitSet> copySlots() {
		Map<NodeAddress, BitSet> slots = new LinkedHashMap<>();
		this.slotsByMaster.forEach((node, owned) -> slots.put(node, (BitSet) owned.clone()));
		return slots;
	}

	static final class Builder {

		private final Map<NodeAddress, BitSet> slotsByMaster = new LinkedHashMap<>();

		private final Map<NodeAddress, NodeAddress> masterByReplica = new LinkedHashMap<>();

		/**
		 * A master owning a range of slots (inclusive); a later range takes slots from earlier owners.
		 */
		Builder master(NodeAddress master, int from, int to) {
			this.slotsByMaster.values().forEach((owned) -> owned.clear(from, to + 1));
			this.slotsByMaster.computeIfAbsent(master, (node) -> new BitSet(SlotHash.SLOT_COUNT)).set(from, to + 1);
			return this;
		}

		Builder replica(NodeAddress replica, NodeAddress master) {
			this.masterByReplica.put(replica, master);
			return this;
		}

		ClusterLayout build() {
			return new ClusterLayout(this.slotsByMaster, this.masterByReplica);
		}

	}

}
