package dev.shardpubsub.testcontainers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether the live nodes of a {@link RedisClusterContainer} agree: every one reports {@code cluster_state:ok}, sees
 * the same owner for every slot and the same role for every live node, no slot is being migrated, every owner is
 * live and every replica of a live master is linked to it.
 */
final class ClusterAgreement {

	private ClusterAgreement() {
	}

	/**
	 * @param nodes every node; killed and paused ones are skipped
	 * @return {@code null} when they agree, else the problems and every node's view
	 */
	static String check(List<ContainerRedisNode> nodes) {
		Map<ContainerRedisNode, ClusterNodesView> views = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for (ContainerRedisNode node : nodes) {
			if (!node.isLive()) {
				continue;
			}
			try {
				views.put(node, ClusterNodesView.parse(node.commands().clusterNodes()));
				if (!node.commands().clusterInfo().contains("cluster_state:ok")) {
					problems.add(node + " does not report cluster_state:ok");
				}
			}
			catch (RuntimeException ex) {
				problems.add(node + " did not answer: " + ex);
			}
		}
		if (views.isEmpty()) {
			return "no live node";
		}
		ClusterNodesView reference = views.values().iterator().next();
		for (Map.Entry<ContainerRedisNode, ClusterNodesView> each : views.entrySet()) {
			ClusterNodesView view = each.getValue();
			if (view.isMigrating()) {
				problems.add(each.getKey() + " has a slot in migration");
			}
			int slot = reference.firstDifference(view);
			if (slot >= 0) {
				problems.add(each.getKey() + " sees another owner of slot " + slot + " (and maybe more)");
			}
			checkRoles(each.getKey(), view, views, problems);
		}
		for (int slot = 0; slot < ClusterNodesView.SLOTS; slot++) {
			ContainerRedisNode owner = byId(nodes, reference.ownerId(slot));
			if (owner == null || !owner.isLive()) {
				problems.add("slot " + slot + " (and maybe more) has no live owner: " + owner);
				break;
			}
		}
		if (problems.isEmpty()) {
			return null;
		}
		StringBuilder diagnostic = new StringBuilder();
		problems.forEach((problem) -> diagnostic.append(" - ").append(problem).append('\n'));
		views.forEach((node, view) -> diagnostic.append("CLUSTER NODES of ").append(node).append(":\n")
			.append(view.raw().strip()).append('\n'));
		return diagnostic.toString();
	}

	private static void checkRoles(ContainerRedisNode node, ClusterNodesView view,
			Map<ContainerRedisNode, ClusterNodesView> views, List<String> problems) {
		ClusterNodesView.Entry me = view.myself();
		for (Map.Entry<ContainerRedisNode, ClusterNodesView> other : views.entrySet()) {
			ClusterNodesView.Entry seen = other.getValue().entry(me.id());
			if (seen == null || seen.isUnhealthy() || seen.isMaster() != me.isMaster()) {
				problems.add(other.getKey() + " sees " + node + " as " + ((seen != null) ? seen.flags() : "unknown")
						+ ", it is " + (me.isMaster() ? "a master" : "a replica"));
			}
		}
		if (!me.isMaster()) {
			ContainerRedisNode master = byId(views.keySet(), me.masterId());
			if (master != null && !node.commands().info("replication").contains("master_link_status:up")) {
				problems.add(node + " is not yet linked to its master " + master);
			}
		}
	}

	static ContainerRedisNode byId(Iterable<ContainerRedisNode> nodes, String nodeId) {
		if (nodeId == null) {
			return null;
		}
		for (ContainerRedisNode node : nodes) {
			if (nodeId.equals(node.nodeId())) {
				return node;
			}
		}
		return null;
	}

}
