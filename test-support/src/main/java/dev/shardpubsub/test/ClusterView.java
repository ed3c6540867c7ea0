package dev.shardpubsub.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One node's view of the cluster, parsed from {@code CLUSTER NODES}: who is master or replica of whom, which
 * master owns each slot, and which slots are being migrated.
 */
public final class ClusterView {

	/** The number of hash slots of a Redis Cluster. */
	public static final int SLOTS = 16384;

	private final String raw;

	private final Map<String, Entry> entries = new LinkedHashMap<>();

	private final String[] owners = new String[SLOTS];

	private final Set<Integer> openSlots = new TreeSet<>();

	private final BitSet myselfSlots = new BitSet(SLOTS);

	private Entry myself;

	private ClusterView(String raw) {
		this.raw = raw;
	}

	/**
	 * Parse a node's {@code CLUSTER NODES} answer.
	 * @param clusterNodes the answer
	 * @return the view
	 */
	public static ClusterView parse(String clusterNodes) {
		ClusterView view = new ClusterView(clusterNodes);
		for (String line : clusterNodes.split("\\r?\\n")) {
			if (!line.isBlank()) {
				view.parseLine(line.trim().split(" "));
			}
		}
		return view;
	}

	// <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
	private void parseLine(String[] fields) {
		String address = fields[1];
		int at = address.indexOf('@');
		String hostPort = (at >= 0) ? address.substring(0, at) : address;
		int colon = hostPort.lastIndexOf(':');
		Set<String> flags = new TreeSet<>(Arrays.asList(fields[2].split(",")));
		Entry entry = new Entry(fields[0], hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)),
				Collections.unmodifiableSet(flags), "-".equals(fields[3]) ? null : fields[3],
				Long.parseLong(fields[6]));
		this.entries.put(entry.id(), entry);
		if (flags.contains("myself")) {
			this.myself = entry;
		}
		for (int i = 8; i < fields.length; i++) {
			String slot = fields[i];
			if (slot.startsWith("[")) {
				// [slot->-importing-to] or [slot-<-importing-from]: a migration in progress
				this.openSlots.add(Integer.parseInt(slot.substring(1, slot.indexOf('-'))));
				continue;
			}
			int dash = slot.indexOf('-');
			int from = Integer.parseInt((dash < 0) ? slot : slot.substring(0, dash));
			int to = (dash < 0) ? from : Integer.parseInt(slot.substring(dash + 1));
			Arrays.fill(this.owners, from, to + 1, entry.id());
			if (entry == this.myself) {
				this.myselfSlots.set(from, to + 1);
			}
		}
	}

	/** @return the {@code CLUSTER NODES} answer as parsed */
	public String raw() {
		return this.raw;
	}

	Entry myself() {
		return this.myself;
	}

	Entry entry(String nodeId) {
		return this.entries.get(nodeId);
	}

	Iterable<Entry> entries() {
		return this.entries.values();
	}

	/**
	 * The owner of a slot. When two lines claim the slot (a stale claim), the later line wins.
	 * @param slot the slot
	 * @return the owner's node id, or {@code null} if no node claims the slot
	 */
	public String ownerId(int slot) {
		return this.owners[slot];
	}

	String[] owners() {
		return this.owners;
	}

	/**
	 * Whether the viewer has a node as master.
	 * @param nodeId the node id
	 * @return {@code true} if the viewer knows the node and flags it {@code master}
	 */
	public boolean isMaster(String nodeId) {
		Entry entry = this.entries.get(nodeId);
		return entry != null && entry.isMaster();
	}

	/**
	 * Whether the viewer claims a slot itself, on its {@code myself} line (whatever other lines say).
	 * @param slot the slot
	 * @return {@code true} if the viewer's own line lists the slot
	 */
	public boolean myselfClaims(int slot) {
		return this.myselfSlots.get(slot);
	}

	/**
	 * The slots of a master.
	 * @param nodeId the master's node id
	 * @return its slots in ascending order, empty if it owns none
	 */
	public List<Integer> slotsOf(String nodeId) {
		List<Integer> slots = new ArrayList<>();
		for (int slot = 0; slot < SLOTS; slot++) {
			if (nodeId.equals(this.owners[slot])) {
				slots.add(slot);
			}
		}
		return slots;
	}

	/**
	 * The replicas of a master, running or not.
	 * @param masterId the master's node id
	 * @return the node ids of its replicas
	 */
	public List<String> replicaIdsOf(String masterId) {
		List<String> replicas = new ArrayList<>();
		for (Entry entry : this.entries.values()) {
			if (masterId.equals(entry.masterId()) && !entry.isMaster()) {
				replicas.add(entry.id());
			}
		}
		return replicas;
	}

	Set<Integer> uncoveredSlots() {
		Set<Integer> uncovered = new TreeSet<>();
		for (int slot = 0; slot < SLOTS; slot++) {
			if (this.owners[slot] == null) {
				uncovered.add(slot);
			}
		}
		return uncovered;
	}

	Set<Integer> openSlots() {
		return this.openSlots;
	}

	/** One line of {@code CLUSTER NODES}. */
	record Entry(String id, String host, int port, Set<String> flags, String masterId, long configEpoch) {

		boolean isMaster() {
			return this.flags.contains("master");
		}

		/** Flags that mean the viewer does not (yet) consider the node a healthy member. */
		boolean isUnhealthy() {
			return this.flags.contains("fail") || this.flags.contains("fail?") || this.flags.contains("handshake")
					|| this.flags.contains("noaddr");
		}

		String role() {
			return isMaster() ? "master" : "replica of " + shortId(this.masterId);
		}

	}

	static String shortId(String nodeId) {
		return (nodeId != null && nodeId.length() > 8) ? nodeId.substring(0, 8) : String.valueOf(nodeId);
	}

	/** Compress slot numbers into ranges for messages, e.g. {@code [0-5460, 7000]}. */
	static String ranges(Iterable<Integer> slots) {
		StringBuilder text = new StringBuilder("[");
		int start = -1;
		int previous = -2;
		for (int slot : slots) {
			if (slot != previous + 1) {
				appendRange(text, start, previous);
				start = slot;
			}
			previous = slot;
		}
		appendRange(text, start, previous);
		return text.append(']').toString();
	}

	private static void appendRange(StringBuilder text, int start, int end) {
		if (start < 0) {
			return;
		}
		if (text.length() > 1) {
			text.append(", ");
		}
		text.append(start);
		if (end > start) {
			text.append('-').append(end);
		}
	}

}
