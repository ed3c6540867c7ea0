package dev.shardpubsub.sample.orders.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The live demo's command line.
 */
final class DemoOptions {

	static final String USAGE = """
			Usage: ./demo [options]
			  --short              one quick pass of every event (what CI runs; about a minute)
			  --duration <time>    keep going through the events until this much time has passed, e.g. 10m, 90s
			                       (default: one pass)
			  --server <path>      the redis-server or valkey-server for the embedded cluster, e.g.
			                       ../shared/redis-servers/valkey-8.0.1/valkey-server (default: redis-server on the PATH,
			                       or SHARD_PUBSUB_REDIS_SERVER); redis-cli/valkey-cli is taken from the same folder
			  --nodes <h:p,...>    use an existing cluster (spring.data.redis.cluster.nodes) instead of starting one;
			                       only the reshard (needs redis-cli) and CLUSTER FAILOVER are done to it
			  --publisher <which>  lettuce: plain Lettuce SPUBLISH, independent of the starter (default; a publish
			                       that fails is counted as a publish error, not sent again); starter: the
			                       starter's ShardPublisher (sends publishes stranded on a crashed master again)
			  --rate <msg/s>       messages per second over all channels (default 1500)
			  --help""";

	boolean quick;

	Duration duration = Duration.ZERO;

	String server;

	String nodes;

	int rate = 1500;

	String publisher = "lettuce";

	boolean help;

	List<String> appArguments = new ArrayList<>();

	static DemoOptions parse(String[] args) {
		DemoOptions options = new DemoOptions();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			String value = (arg.contains("=")) ? arg.substring(arg.indexOf('=') + 1) : null;
			String name = (value != null) ? arg.substring(0, arg.indexOf('=')) : arg;
			switch (name) {
				case "--short" -> options.quick = true;
				case "--help", "-h" -> options.help = true;
				case "--duration" -> options.duration = duration((value != null) ? value : next(args, ++i, name));
				case "--server" -> options.server = (value != null) ? value : next(args, ++i, name);
				case "--nodes", "--spring.data.redis.cluster.nodes" ->
					options.nodes = (value != null) ? value : next(args, ++i, name);
				case "--publisher" -> options.publisher = (value != null) ? value : next(args, ++i, name);
				case "--rate" -> options.rate = Integer.parseInt((value != null) ? value : next(args, ++i, name));
				default -> throw new IllegalArgumentException("Unknown option '" + arg + "'\n" + USAGE);
			}
		}
		return options;
	}

	private static String next(String[] args, int index, String name) {
		if (index >= args.length) {
			throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
		}
		return args[index];
	}

	static Duration duration(String text) {
		String value = text.trim().toLowerCase();
		if (value.endsWith("ms")) {
			return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
		}
		long amount = Long.parseLong(value.substring(0, value.length() - 1));
		return switch (value.charAt(value.length() - 1)) {
			case 's' -> Duration.ofSeconds(amount);
			case 'm' -> Duration.ofMinutes(amount);
			case 'h' -> Duration.ofHours(amount);
			default -> Duration.parse(text);
		};
	}

}
