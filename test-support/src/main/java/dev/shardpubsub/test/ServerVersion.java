package dev.shardpubsub.test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Name and version of a running server, read from {@code INFO server}: {@code redis_version}, or for Valkey
 * ({@code server_name:valkey}) its own {@code valkey_version} (Valkey also reports a {@code redis_version} for
 * compatibility, 7.2.4 on 8.0).
 * <p>
 * Sharded pub/sub behaves differently across versions; tests choose their expectations with the methods here, so
 * that a server that changes behaviour fails them.
 *
 * @param name {@code "Redis"} or {@code "Valkey"}
 * @param major major version
 * @param minor minor version
 * @param patch patch version
 * @see RedisNode#serverVersion()
 */
public record ServerVersion(String name, int major, int minor, int patch) {

	private static final Pattern NUMBERS = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

	/**
	 * Parse the reply of {@code INFO server}.
	 * @param infoServer the reply (other sections may be included)
	 * @return the version
	 * @throws IllegalArgumentException if no version is found
	 */
	public static ServerVersion parse(String infoServer) {
		boolean valkey = "valkey".equalsIgnoreCase(field(infoServer, "server_name"));
		String version = valkey ? field(infoServer, "valkey_version") : field(infoServer, "redis_version");
		Matcher matcher = NUMBERS.matcher((version != null) ? version : "");
		if (!matcher.find()) {
			throw new IllegalArgumentException("No server version in INFO server:\n" + infoServer);
		}
		return new ServerVersion(valkey ? "Valkey" : "Redis", Integer.parseInt(matcher.group(1)),
				Integer.parseInt(matcher.group(2)), Integer.parseInt(matcher.group(3)));
	}

	/** @return whether the server is Valkey (else Redis) */
	public boolean isValkey() {
		return "Valkey".equals(this.name);
	}

	/**
	 * Compare with a version of the same product.
	 * @param major major version
	 * @param minor minor version
	 * @return whether this version is {@code major.minor} or later
	 */
	public boolean isAtLeast(int major, int minor) {
		return this.major > major || (this.major == major && this.minor >= minor);
	}

	/**
	 * Whether a node that takes a slot over drops the shard subscribers it already had for that slot, with a
	 * {@code sunsubscribe} push: the replica promoted by {@code CLUSTER FAILOVER}, and the importing node at its own
	 * {@code CLUSTER SETSLOT <slot> NODE <itself>}. Redis 7.2 and later and every Valkey do; Redis 7.0 keeps them.
	 * @return {@code true} for Redis 7.2+ and Valkey
	 */
	public boolean dropsSubscribersOnTakeover() {
		return isValkey() || isAtLeast(7, 2);
	}

	/** @return e.g. {@code "Redis 7.0.15"} or {@code "Valkey 8.0.1"} */
	@Override
	public String toString() {
		return this.name + " " + this.major + "." + this.minor + "." + this.patch;
	}

	private static String field(String info, String name) {
		for (String line : info.split("\\r?\\n")) {
			if (line.startsWith(name + ":")) {
				return line.substring(name.length() + 1).trim();
			}
		}
		return null;
	}

}
