package dev.shardpubsub.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisFuture;

/**
 * Removes a slot from every node's map and gives it back: {@code DELSLOTS} is local to one node, so it has to be
 * sent to all of them.
 */
final class UncoveredSlots {

	private UncoveredSlots() {
	}

	static void remove(List<RedisNode> nodes, int slot, Duration timeout) {
		Waits.until(timeout, "slot " + slot + " to be unassigned on every node", () -> {
			List<RedisNode> owning = nodesStillAssigning(nodes, slot);
			if (owning.isEmpty()) {
				// Re-check once after a gossip round: a node that had not yet forgotten the slot may have
				// advertised its old owner to one that already had.
				Waits.sleep(Duration.ofMillis(200));
				owning = nodesStillAssigning(nodes, slot);
				if (owning.isEmpty()) {
					return null;
				}
			}
			// Sent to all at once to keep the window for such re-adoption short.
			List<CompletableFuture<String>> replies = new ArrayList<>();
			for (RedisNode node : owning) {
				RedisFuture<String> reply = node.connection().async().clusterDelSlots(slot);
				replies.add(reply.toCompletableFuture().exceptionally((ex) -> ex.getMessage()));
			}
			replies.forEach(CompletableFuture::join);
			return "still assigned on " + owning;
		});
	}

	private static List<RedisNode> nodesStillAssigning(List<RedisNode> nodes, int slot) {
		List<RedisNode> owning = new ArrayList<>();
		for (RedisNode node : nodes) {
			if (node.isLive() && ClusterView.parse(node.commands().clusterNodes()).ownerId(slot) != null) {
				owning.add(node);
			}
		}
		return owning;
	}

	static void assign(List<RedisNode> nodes, int slot, RedisNode master, Duration timeout) {
		master.commands().clusterAddSlots(slot);
		Waits.until(timeout, "slot " + slot + " to be owned by " + master + " on every node", () -> {
			for (RedisNode node : nodes) {
				if (node.isLive()) {
					String owner = ClusterView.parse(node.commands().clusterNodes()).ownerId(slot);
					if (!master.nodeId().equals(owner)) {
						return node + " says the owner is " + ClusterView.shortId(owner);
					}
				}
			}
			return null;
		});
	}

}
