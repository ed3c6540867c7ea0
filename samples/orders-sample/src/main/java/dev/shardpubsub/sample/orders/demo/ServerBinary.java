package dev.shardpubsub.sample.orders.demo;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which {@code redis-server} (or {@code valkey-server}) the embedded cluster runs: the one given, else
 * {@code SHARD_PUBSUB_REDIS_SERVER}, else the first on the {@code PATH}.
 */
final class ServerBinary {

	private ServerBinary() {
	}

	static String resolve(String given) {
		String explicit = (given != null) ? given : System.getenv("SHARD_PUBSUB_REDIS_SERVER");
		if (explicit != null && !explicit.isBlank()) {
			Path path = Path.of(explicit).toAbsolutePath();
			if (Files.isDirectory(path)) {
				for (String name : new String[] { "redis-server", "valkey-server" }) {
					if (Files.isExecutable(path.resolve(name)) && Files.isRegularFile(path.resolve(name))) {
						return path.resolve(name).toString();
					}
				}
			}
			if (!Files.isExecutable(path)) {
				throw new IllegalArgumentException(path + " is not an executable redis-server or valkey-server");
			}
			return path.toString();
		}
		for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
			for (String name : new String[] { "redis-server", "valkey-server" }) {
				Path path = Path.of(dir.isEmpty() ? "." : dir, name);
				if (Files.isRegularFile(path) && Files.isExecutable(path)) {
					return path.toString();
				}
			}
		}
		throw new IllegalStateException("No redis-server or valkey-server on the PATH: install Redis 7.0 or newer "
				+ "('apt-get install -y redis-server') or give one with --server <path>");
	}

}
