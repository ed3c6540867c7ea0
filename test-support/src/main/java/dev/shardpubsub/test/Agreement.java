package dev.shardpubsub.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks that every live node of a cluster reports a healthy state and the same topology: the same owner for every
 * slot, the same role for every live node, no migration in progress, and replicas linked to their masters.
 */
final class Agreement {

	private Agreement() {
	}

	/**
	 * Ask every live node for its view and compare them.
	 * @param nodes all nodes of the cluster; stopped and paused ones are skipped
	 * @param deliberatelyUncovered slots left without owner on purpose: {@code cluster_state:fail} is accepted when
	 * exactly such slots are uncovered
	 * @return {@code null} when they agree, else a diagnostic listing the problems and every view
	 */
	static String check(List<? extends ClusterNode> nodes, Set<Integer> deliberatelyUncovered) {
		Map<ClusterNode, ClusterView> views = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for (ClusterNode node : nodes) {
			if (!node.isLive()) {
				continue;
			}
			try {
				ClusterView view = ClusterView.parse(node.commands().clusterNodes());
				views.put(node, view);
				checkState(node, view, node.commands().clusterInfo(), deliberatelyUncovered, problems);
			}
			catch (RuntimeException ex) {
				problems.add(node + " did not answer: " + ex);
			}
		}
		if (views.isEmpty()) {
			return "no live node";
		}
		checkSlots(nodes, views, problems);
		checkRoles(views, problems);
		checkReplicaLinks(nodes, views, problems);
		if (problems.isEmpty()) {
			return null;
		}
		StringBuilder diagnostic = new StringBuilder();
		problems.forEach((problem) -> diagnostic.append(" - ").append(problem).append('\n'));
		views.forEach((node, view) -> diagnostic.append("CLUSTER NODES of ").append(node).append(":\n")
			.append(view.raw().strip()).append('\n'));
		return diagnostic.toString();
	}

	private static void checkState(ClusterNode node, ClusterView view, String clusterInfo,
			Set<Integer> deliberatelyUncovered, List<String> problems) {
		if (clusterInfo.contains("cluster_state:ok")) {
			return;
		}
		Set<Integer> uncovered = view.uncoveredSlots();
		if (!uncovered.isEmpty() && deliberatelyUncovered.containsAll(uncovered)) {
			return;
		}
		problems.add(node + " reports cluster_state:fail, uncovered slots " + ClusterView.ranges(uncovered));
	}

	private static void checkSlots(List<? extends ClusterNode> nodes, Map<ClusterNode, ClusterView> views,
			List<String> problems) {
		Map.Entry<ClusterNode, ClusterView> reference = views.entrySet().iterator().next();
		String[] expected = reference.getValue().owners();
		for (Map.Entry<ClusterNode, ClusterView> other : views.entrySet()) {
			ClusterView view = other.getValue();
			if (!view.openSlots().isEmpty()) {
				problems.add(other.getKey() + " has slots in migration " + ClusterView.ranges(view.openSlots()));
			}
			String[] owners = view.owners();
			for (int slot = 0; slot < ClusterView.SLOTS; slot++) {
				if (!Objects.equals(expected[slot], owners[slot])) {
					problems.add("slot " + slot + " (and maybe more): " + reference.getKey() + " says owner "
							+ ClusterView.shortId(expected[slot]) + ", " + other.getKey() + " says "
							+ ClusterView.shortId(owners[slot]));
					break;
				}
			}
		}
		Set<String> owners = new TreeSet<>();
		for (String owner : expected) {
			if (owner != null) {
				owners.add(owner);
			}
		}
		for (String owner : owners) {
			ClusterNode node = byId(nodes, owner);
			if (node == null || !node.isLive()) {
				problems.add("slots " + ClusterView.ranges(reference.getValue().slotsOf(owner)) + " are owned by "
						+ ((node != null) ? node : ClusterView.shortId(owner)) + ", which is not live");
			}
		}
	}

	// Every live node's role as it sees itself must be what every other live node believes, with no failure flags.
	private static void checkRoles(Map<ClusterNode, ClusterView> views, List<String> problems) {
		for (Map.Entry<ClusterNode, ClusterView> self : views.entrySet()) {
			ClusterView.Entry me = self.getValue().myself();
			for (Map.Entry<ClusterNode, ClusterView> other : views.entrySet()) {
				ClusterView.Entry seen = other.getValue().entry(me.id());
				if (seen == null) {
					problems.add(other.getKey() + " does not know " + self.getKey());
				}
				else if (seen.isUnhealthy()) {
					problems.add(other.getKey() + " flags " + self.getKey() + " " + seen.flags());
				}
				else if (!seen.role().equals(me.role())) {
					problems.add(other.getKey() + " thinks " + self.getKey() + " is " + seen.role() + " but it is "
							+ me.role());
				}
			}
		}
	}

	private static void checkReplicaLinks(List<? extends ClusterNode> nodes, Map<ClusterNode, ClusterView> views,
			List<String> problems) {
		for (Map.Entry<ClusterNode, ClusterView> self : views.entrySet()) {
			ClusterView.Entry me = self.getValue().myself();
			if (me.isMaster()) {
				continue;
			}
			ClusterNode master = byId(nodes, me.masterId());
			if (master == null || !master.isLive()) {
				continue;
			}
			String replication = self.getKey().commands().info("replication");
			if (!replication.contains("master_link_status:up")) {
				problems.add(self.getKey() + " is not yet linked to its master " + master);
			}
		}
	}

	static <N extends ClusterNode> N byId(List<N> nodes, String nodeId) {
		for (N node : nodes) {
			if (node.nodeId() != null && node.nodeId().equals(nodeId)) {
				return node;
			}
		}
		return null;
	}

}
