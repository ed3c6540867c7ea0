package dev.shardpubsub.sample.orders.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * One reading of {@code CLUSTER NODES}: the masters, their replicas and which node owns each slot.
 */
final class ClusterNodes {

	private final List<Node> nodes;

	private final String[] owners = new String[16384];

	private ClusterNodes(List<Node> nodes) {
		this.nodes = nodes;
		for (Node node : nodes) {
			for (int[] range : node.slots()) {
				for (int slot = range[0]; slot <= range[1]; slot++) {
					this.owners[slot] = node.id();
				}
			}
		}
	}

	static ClusterNodes parse(String text) {
		List<Node> nodes = new ArrayList<>();
		for (String line : text.split("\n")) {
			String[] fields = line.trim().split(" ");
			if (fields.length < 8) {
				continue;
			}
			String address = fields[1].contains("@") ? fields[1].substring(0, fields[1].indexOf('@')) : fields[1];
			address = address.contains(",") ? address.substring(0, address.indexOf(',')) : address;
			List<int[]> slots = new ArrayList<>();
			for (int i = 8; i < fields.length; i++) {
				if (fields[i].isEmpty() || fields[i].startsWith("[")) {
					continue;
				}
				String[] bounds = fields[i].split("-");
				int low = Integer.parseInt(bounds[0]);
				slots.add(new int[] { low, (bounds.length > 1) ? Integer.parseInt(bounds[1]) : low });
			}
			boolean master = fields[2].contains("master");
			boolean failed = fields[2].contains("fail") && !fields[2].contains("fail?");
			nodes.add(new Node(fields[0], address, master, failed, "-".equals(fields[3]) ? null : fields[3], slots));
		}
		return new ClusterNodes(nodes);
	}

	List<Node> masters() {
		return this.nodes.stream().filter((node) -> node.master() && !node.failed() && node.slotCount() > 0).toList();
	}

	List<Node> replicasOf(Node master) {
		return this.nodes.stream().filter((node) -> master.id().equals(node.masterId()) && !node.failed()).toList();
	}

	Node byId(String id) {
		return this.nodes.stream().filter((node) -> node.id().equals(id)).findFirst().orElse(null);
	}

	Node byAddress(String address) {
		return this.nodes.stream().filter((node) -> node.address().equals(address)).findFirst().orElse(null);
	}

	String ownerOf(int slot) {
		return this.owners[slot];
	}

	/**
	 * A node of the cluster.
	 *
	 * @param id node id
	 * @param address host:port
	 * @param master whether it is a master
	 * @param failed whether the cluster marked it failed
	 * @param masterId its master, for a replica
	 * @param slots its slot ranges
	 */
	record Node(String id, String address, boolean master, boolean failed, String masterId, List<int[]> slots) {

		int slotCount() {
			return this.slots.stream().mapToInt((range) -> range[1] - range[0] + 1).sum();
		}

		int port() {
			return Integer.parseInt(this.address.substring(this.address.lastIndexOf(':') + 1));
		}

		String shortName() {
			return ":" + port();
		}

	}

}
