package dev.shardpubsub.testcontainers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One node's {@code CLUSTER NODES} answer: the nodes it knows with their flags and masters, the owner of every
 * slot, and whether a slot is being migrated.
 */
final class ClusterNodesView {

	static final int SLOTS = 16384;

	private final String raw;

	private final Map<String, Entry> entries = new LinkedHashMap<>();

	private final String[] owners = new String[SLOTS];

	private boolean migrating;

	private Entry myself;

	private ClusterNodesView(String raw) {
		this.raw = raw;
	}

	static ClusterNodesView parse(String clusterNodes) {
		ClusterNodesView view = new ClusterNodesView(clusterNodes);
		clusterNodes.lines().filter((line) -> !line.isBlank()).forEach((line) -> view.add(line.trim().split(" ")));
		return view;
	}

	// <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
	private void add(String[] fields) {
		Set<String> flags = Set.of(fields[2].split(","));
		Entry entry = new Entry(fields[0], flags, "-".equals(fields[3]) ? null : fields[3]);
		this.entries.put(entry.id(), entry);
		if (flags.contains("myself")) {
			this.myself = entry;
		}
		for (int i = 8; i < fields.length; i++) {
			String range = fields[i];
			if (range.startsWith("[")) {
				this.migrating = true;
			}
			else {
				int dash = range.indexOf('-');
				int low = Integer.parseInt((dash < 0) ? range : range.substring(0, dash));
				int high = (dash < 0) ? low : Integer.parseInt(range.substring(dash + 1));
				for (int slot = low; slot <= high; slot++) {
					this.owners[slot] = entry.id();
				}
			}
		}
	}

	String raw() {
		return this.raw;
	}

	Entry myself() {
		return this.myself;
	}

	Entry entry(String nodeId) {
		return this.entries.get(nodeId);
	}

	/** @return the id of the slot's owner, or {@code null} */
	String ownerId(int slot) {
		return this.owners[slot];
	}

	boolean isMigrating() {
		return this.migrating;
	}

	/** @return the first slot a master owns, or -1 */
	int firstSlotOf(String nodeId) {
		for (int slot = 0; slot < SLOTS; slot++) {
			if (nodeId.equals(this.owners[slot])) {
				return slot;
			}
		}
		return -1;
	}

	/** @return the first slot whose owner differs from the other view's, or -1 */
	int firstDifference(ClusterNodesView other) {
		for (int slot = 0; slot < SLOTS; slot++) {
			String mine = this.owners[slot];
			if ((mine == null) ? other.owners[slot] != null : !mine.equals(other.owners[slot])) {
				return slot;
			}
		}
		return -1;
	}

	List<String> replicaIdsOf(String masterId) {
		List<String> replicas = new ArrayList<>();
		this.entries.values().stream().filter((entry) -> masterId.equals(entry.masterId()))
			.forEach((entry) -> replicas.add(entry.id()));
		return replicas;
	}

	/**
	 * One line of {@code CLUSTER NODES}.
	 * @param id the node id
	 * @param flags {@code myself}, {@code master}, {@code slave}, {@code fail?}, {@code fail}, ...
	 * @param masterId the master of a replica, else {@code null}
	 */
	record Entry(String id, Set<String> flags, String masterId) {

		boolean isMaster() {
			return this.flags.contains("master");
		}

		boolean isUnhealthy() {
			return this.flags.contains("fail") || this.flags.contains("fail?") || this.flags.contains("handshake")
					|| this.flags.contains("noaddr");
		}

	}

}
