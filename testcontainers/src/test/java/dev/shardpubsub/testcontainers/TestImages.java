package dev.shardpubsub.testcontainers;

/**
 * The image the tests start clusters from: {@code SHARD_PUBSUB_CLUSTER_IMAGE} (or
 * {@code -Dshardpubsub.cluster-image}), by default the official {@code redis:7.4}.
 */
final class TestImages {

	private TestImages() {
	}

	static String image() {
		String property = System.getProperty("shardpubsub.cluster-image");
		if (property != null && !property.isBlank()) {
			return property;
		}
		String variable = System.getenv("SHARD_PUBSUB_CLUSTER_IMAGE");
		return (variable != null && !variable.isBlank()) ? variable : "redis:7.4";
	}

}
