package dev.shardpubsub.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The suite's settings, from its command line ({@code --name value}); see {@code benchmarks/README.md}.
 *
 * @param server the server executable ({@code --server}; else {@code SHARD_PUBSUB_REDIS_SERVER}, else
 * {@code redis-server} from the {@code PATH})
 * @param out folder for the suite's files ({@code --out})
 * @param nodeDir folder of the node-redis peer ({@code --node-dir})
 * @param rate messages per second on the measured channel
 * @param channels channels of the application, the measured one included
 * @param rounds rounds, each with fresh processes (so a first move after start)
 * @param planned planned moves of the empty slot, per round
 * @param reshards reshards of the slot with its keys, per round
 * @param keys keys in the slot for the reshards
 * @param pipeline keys per {@code MIGRATE} in a reshard
 * @param failovers {@code CLUSTER FAILOVER}s, per round
 * @param kills kill -9 of the slot's master, per round
 * @param quietMillis pause after each event
 * @param warmupMoves moves before the measured ones, not counted (0: the first move is the first after start)
 * @param scale channel counts for the cold-subscribe runs (empty: none)
 * @param throughputMessages messages per throughput round (0: no throughput comparison)
 * @param peer whether node-redis runs beside the starter
 */
record SuiteSettings(String server, Path out, Path nodeDir, int rate, int channels, int rounds, int planned, int reshards,
		int keys, int pipeline, int failovers, int kills, int quietMillis, int warmupMoves, List<Integer> scale,
		int throughputMessages, boolean peer) {

	static SuiteSettings parse(String[] args) {
		Map<String, String> options = new HashMap<>();
		for (int i = 0; i < args.length; i++) {
			if (!args[i].startsWith("--")) {
				throw new IllegalArgumentException("Unexpected argument: " + args[i]);
			}
			String name = args[i].substring(2);
			boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
			options.put(name, flag ? "true" : args[++i]);
		}
		options.remove("suite");
		boolean quick = Boolean.parseBoolean(options.remove("quick"));
		String server = options.remove("server");
		if (server == null) {
			server = System.getenv("SHARD_PUBSUB_REDIS_SERVER");
		}
		if (server == null) {
			server = "redis-server";
		}
		SuiteSettings settings = new SuiteSettings(server, Path.of(take(options, "out", "benchmarks/target/suite")),
				Path.of(take(options, "node-dir", "benchmarks/node")), number(options, "rate", 2000),
				number(options, "channels", 300), number(options, "rounds", quick ? 1 : 5),
				number(options, "planned", quick ? 5 : 10), number(options, "reshards", quick ? 2 : 3),
				number(options, "keys", 3000),
				number(options, "pipeline", 20), number(options, "failovers", quick ? 2 : 3),
				number(options, "kills", 1), number(options, "quiet-ms", 1000),
				number(options, "warmup-moves", 0), counts(take(options, "scale", quick ? "10000" : "10000,100000")),
				number(options, "throughput-messages", quick ? 100_000 : 200_000),
				!Boolean.parseBoolean(take(options, "no-peer", "false")));
		if (!options.isEmpty()) {
			throw new IllegalArgumentException("Unknown options: " + options.keySet());
		}
		return settings;
	}

	private static String take(Map<String, String> options, String name, String fallback) {
		String value = options.remove(name);
		return (value != null) ? value : fallback;
	}

	private static int number(Map<String, String> options, String name, int fallback) {
		return Integer.parseInt(take(options, name, Integer.toString(fallback)).replace("_", ""));
	}

	private static List<Integer> counts(String text) {
		List<Integer> counts = new ArrayList<>();
		for (String part : text.split(",")) {
			if (!part.isBlank() && !part.equals("none")) {
				counts.add(Integer.parseInt(part.trim().replace("_", "")));
			}
		}
		return counts;
	}

}
