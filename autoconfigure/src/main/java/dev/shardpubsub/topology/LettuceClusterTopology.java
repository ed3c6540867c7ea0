package dev.shardpubsub.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import reactor.core.Disposable;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.cluster.SlotMigration;

/**
 * {@link ClusterTopology} read from a Lettuce {@link RedisClusterClient}'s {@code Partitions}.
 */
public class LettuceClusterTopology implements ClusterTopology {

	private final Supplier<RedisClusterClient> client;

	/** Asks the masters for their migrations; opened on first use. */
	private volatile @Nullable StatefulRedisClusterConnection<String, String> connection;

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

	@Override
	public CompletableFuture<List<SlotMigration>> migrations() {
		RedisClusterClient cluster = this.client.get();
		StatefulRedisClusterConnection<String, String> commands = connection(cluster);
		Map<String, NodeAddress> byId = new HashMap<>();
		List<String> masters = new ArrayList<>();
		for (RedisClusterNode node : cluster.getPartitions()) {
			if (node.getUri() == null || node.is(NodeFlag.NOADDR) || node.is(NodeFlag.HANDSHAKE)) {
				continue;
			}
			byId.put(node.getNodeId(), NodeAddress.of(node.getUri()));
			if (node.is(NodeFlag.UPSTREAM) && !node.is(NodeFlag.FAIL) && !node.is(NodeFlag.EVENTUAL_FAIL)) {
				masters.add(node.getNodeId());
			}
		}
		List<CompletableFuture<List<SlotMigration>>> answers = new ArrayList<>();
		for (String master : masters) {
			answers.add(commands.getConnectionAsync(master)
				.thenCompose((node) -> node.async().clusterNodes().toCompletableFuture())
				.thenApply((nodes) -> SlotMigration.parseMyself(nodes, byId))
				.exceptionally((error) -> List.of()));
		}
		return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
			.thenApply((ignored) -> answers.stream().flatMap((answer) -> answer.join().stream()).toList());
	}

	private StatefulRedisClusterConnection<String, String> connection(RedisClusterClient cluster) {
		StatefulRedisClusterConnection<String, String> current = this.connection;
		if (current == null) {
			synchronized (this) {
				if (this.connection == null) {
					this.connection = cluster.connect();
				}
				current = this.connection;
			}
		}
		return current;
	}

	@Override
	public void close() {
		StatefulRedisClusterConnection<String, String> current = this.connection;
		this.connection = null;
		if (current != null) {
			current.closeAsync();
		}
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
