/**
 * A Redis Cluster in one Testcontainers container: {@link dev.shardpubsub.testcontainers.RedisClusterContainer}
 * runs every node of the cluster from the image's own {@code redis-server} (or {@code valkey-server}), with the
 * addresses the host can reach; {@link dev.shardpubsub.testcontainers.ContainerClusterOperations} moves slots, fails
 * masters over, kills, restarts and pauses nodes; and
 * {@link dev.shardpubsub.testcontainers.RedisClusterContainerConnectionDetailsFactory} makes
 * {@code @ServiceConnection} fill in Spring Boot's Redis connection details, cluster flavour.
 * {@link dev.shardpubsub.testcontainers.DisabledWithoutContainerEngine} skips a test class on a machine without
 * Docker or Podman.
 */
package dev.shardpubsub.testcontainers;
