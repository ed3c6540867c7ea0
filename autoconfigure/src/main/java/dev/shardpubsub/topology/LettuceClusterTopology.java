package dev.shardpubsub.topology;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import reactor.core.Disposable;

/**
 * {@link ClusterTopology} read from a Lettuce {@link RedisClusterClient}'s {@code Partitions}.
 */
public class LettuceClusterTopology implements ClusterTopology {

	private final Supplier<RedisClusterClient> client;

	/**
	 * Create a topology source.
	 * @param client the cluster client (resolved lazily: Boot's connection factory starts it)
	 */
	public LettuceClusterTopology(Supplier<RedisClusterClient> client) {
		this.client = client;
	}

	@Override
	public SlotOwnership current() {
		return SlotOwnership.of(this.client.get().getPartitions());
	}

	@Override
	public CompletableFuture<SlotOwnership> refresh() {
		RedisClusterClient cluster = this.client.get();
		return cluster.refreshPartitionsAsync().toCompletableFuture()
			.thenApply((ignored) -> SlotOwnership.of(cluster.getPartitions()));
	}

	@Override
	public AutoCloseable onChange(Consumer<SlotOwnership> listener) {
		RedisClusterClient cluster = this.client.get();
		// Lettuce 6.8 publishes this event before it reloads its Partitions (lettuce #2860): use after().
		Disposable subscription = cluster.getResources().eventBus().get()
			.filter(ClusterTopologyChangedEvent.class::isInstance)
			.map(ClusterTopologyChangedEvent.class::cast)
			.filter((event) -> isOurs(cluster, event))
			.subscribe((event) -> listener.accept(SlotOwnership.of(event.after())));
		return subscription::dispose;
	}

	// The event bus is shared by every client of the same ClientResources, maybe of other clusters.
	private static boolean isOurs(RedisClusterClient cluster, ClusterTopologyChangedEvent event) {
		for (RedisClusterNode node : event.after()) {
			if (cluster.getPartitions().getPartitionByNodeId(node.getNodeId()) != null) {
				return true;
			}
		}
		return false;
	}

}
