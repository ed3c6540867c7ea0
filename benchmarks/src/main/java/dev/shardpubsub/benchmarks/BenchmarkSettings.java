package dev.shardpubsub.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What to run, read from {@code bench.*} system properties (see {@code benchmarks/README.md}).
 *
 * @param channel the shard channel published and listened to
 * @param rate messages per second
 * @param nodeTimeoutMillis {@code cluster-node-timeout} of the embedded cluster
 * @param warmupSeconds publishing before the first measured phase
 * @param warmupMoves single-slot moves during the warm-up (reported, not measured)
 * @param phases the phases to run: {@code planned}, {@code gaps}, {@code failover}, {@code kill}
 * @param plannedMoves single-slot moves of phase 1
 * @param plannedQuietMillis quiet period after each move of phase 1
 * @param gapMoves single-slot moves of phase 2
 * @param gapQuietMillis quiet period after each move of phase 2
 * @param failovers {@code CLUSTER FAILOVER}s of phase 3
 * @param failoverQuietMillis quiet period after each failover
 * @param kills kill -9 runs of phase 4
 * @param killQuietMillis quiet period after each promotion and after each restart
 * @param probeIntervalMicros how often the promotion probe asks the replica for its {@code ROLE}
 * @param drainMillis how long to wait for the last messages after publishing stopped
 * @param trace whether to time the reconciler's SSUBSCRIBE commands (a thin wrapper of the node client)
 * @param experiments what-if changes to measure, none by default: {@code async-refresh}, {@code refresh-on-push},
 * {@code keep-connections}
 */
public record BenchmarkSettings(String channel, int rate, int nodeTimeoutMillis, int warmupSeconds, int warmupMoves,
		Set<String> phases,
		int plannedMoves, int plannedQuietMillis, int gapMoves, int gapQuietMillis, int failovers,
		int failoverQuietMillis, int kills, int killQuietMillis, int probeIntervalMicros, int drainMillis,
		boolean trace, Set<String> experiments) {

	/**
	 * Read the settings from system properties, with the defaults of the documented run.
	 * @return the settings
	 */
	public static BenchmarkSettings fromSystemProperties() {
		String phases = System.getProperty("bench.phases", "planned,gaps,failover,kill");
		String experiments = System.getProperty("bench.experiments", "");
		return new BenchmarkSettings(System.getProperty("bench.channel", "bench:{seq}"), integer("bench.rate", 2000),
				integer("bench.node-timeout-ms", 1000), integer("bench.warmup-seconds", 3),
				integer("bench.warmup-moves", 3),
				words(phases),
				integer("bench.planned.moves", 20), integer("bench.planned.quiet-ms", 500),
				integer("bench.gaps.moves", 120), integer("bench.gaps.quiet-ms", 100),
				integer("bench.failover.count", 10), integer("bench.failover.quiet-ms", 1000),
				integer("bench.kill.count", 5), integer("bench.kill.quiet-ms", 1000),
				integer("bench.probe-interval-us", 1000), integer("bench.drain-ms", 2000),
				Boolean.parseBoolean(System.getProperty("bench.trace", "true")), words(experiments));
	}

	/**
	 * Whether a what-if experiment is on.
	 * @param experiment the experiment name
	 * @return {@code true} if asked for
	 */
	public boolean experiment(String experiment) {
		return this.experiments.contains(experiment);
	}

	private static Set<String> words(String list) {
		return Arrays.stream(list.split(","))
			.map((word) -> word.trim().toLowerCase(Locale.ROOT))
			.filter((word) -> !word.isEmpty())
			.collect(Collectors.toCollection(LinkedHashSet::new));
	}

	/**
	 * Whether a phase is selected.
	 * @param phase the phase name
	 * @return {@code true} to run it
	 */
	public boolean runs(String phase) {
		return this.phases.contains(phase);
	}

	/** @return messages per millisecond, to turn lost messages into deaf milliseconds */
	public double messagesPerMilli() {
		return this.rate / 1000.0;
	}

	private static int integer(String name, int defaultValue) {
		String value = System.getProperty(name);
		return (value != null && !value.isBlank()) ? Integer.parseInt(value.trim()) : defaultValue;
	}

}
