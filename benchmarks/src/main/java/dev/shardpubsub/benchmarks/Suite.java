package dev.shardpubsub.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.EmbeddedRedisClusterBuilder;

/**
 * The benchmark suite on one server: the side-by-side run against node-redis ({@link MoveScenario}), cold subscribe
 * and heap at scale ({@link ScaleRun}), and throughput against raw Lettuce ({@link ThroughputComparison}). Prints
 * the tables and writes {@code <out>/<server>.tsv} and {@code <out>/<server>.png}. With {@code --chart <png>
 * <tsv>…} it only draws the chart of earlier runs. Options: {@code benchmarks/README.md}.
 */
public final class Suite {

	private Suite() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("--chart")) {
			List<Path> files = Arrays.stream(args).skip(2).map(Path::of).toList();
			DeafnessChart.write(Path.of(args[1]), files);
			return;
		}
		SuiteSettings settings = SuiteSettings.parse(args);
		Files.createDirectories(settings.out());
		PrintStream out = System.out;
		String loadBefore = MachineFacts.load();
		long started = System.nanoTime();
		String server = resolve(settings.server());
		RedisCli cli = RedisCli.besides(server);
		EmbeddedRedisClusterBuilder builder = EmbeddedRedisCluster.builder().masters(3).replicasPerMaster(1);
		if (server.contains(File.separator)) {
			builder.redisServer(server);
		}
		int exitCode = 0;
		try (EmbeddedRedisCluster cluster = builder.start()) {
			String version = cluster.serverVersion().toString();
			String name = version.replace(' ', '-').toLowerCase(Locale.ROOT);
			out.println(MachineFacts.describe(cluster.nodes().get(0)));
			out.printf(Locale.ROOT, "server: %s (%s), client %s; 3 masters + 3 replicas on loopback, "
					+ "cluster-node-timeout %d ms%nload average before: %s%n", version, server, cli.executable(),
					cluster.nodeTimeout().toMillis(), loadBefore);
			List<String> tsv = new ArrayList<>();
			MoveScenario scenario = new MoveScenario(cluster, cli, settings, out);
			out.printf(Locale.ROOT, "our application (a JVM of its own) with %d channels, one measured (%s, slot %d) at "
					+ "%d msg/s from a publisher JVM; node-redis 6.3.1 %s; %d rounds of fresh processes, each: %d planned "
					+ "moves, %d reshards with %d keys, %d CLUSTER FAILOVER, %d kill -9; warm-up moves: %d%n",
					settings.channels(), scenario.channel, scenario.slot, settings.rate(),
					settings.peer() ? "on the same channel" : "not run", settings.rounds(), settings.planned(),
					settings.reshards(), settings.keys(), settings.failovers(), settings.kills(), settings.warmupMoves());
			List<MoveScenario.Outcome> outcomes = scenario.run();
			EventTable table = new EventTable(outcomes, settings.rate());
			table.printEvents(out);
			String loadAfterMoves = MachineFacts.load();
			List<Long> gaps = plannedGaps(outcomes);
			for (MoveScenario.Outcome outcome : outcomes) {
				out.println("round " + outcome.round() + ", our moves of the measured slot (MOVED slot gap-us "
						+ "detected-nanos reason): " + outcome.moves());
			}
			List<ScaleRun.Result> scale = new ArrayList<>();
			for (int count : settings.scale()) {
				out.printf(Locale.ROOT, "cold subscribe of %,d channels in a fresh JVM%n", count);
				scale.add(ScaleRun.run(cluster, cli, count, out));
			}
			double[] throughput = null;
			if (settings.throughputMessages() > 0) {
				out.println("throughput on one channel: @ShardListener vs raw Lettuce RedisClusterPubSubListener");
				throughput = ThroughputComparison.run(cluster, settings.throughputMessages(), out);
			}
			String loadAfter = MachineFacts.load();
			table.printSummary(out, version);
			tsv.add("server\t" + version + "\tload " + loadBefore.split(",")[0] + " -> " + loadAfter.split(",")[0]);
			for (EventTable.Summary summary : table.summaries()) {
				tsv.add(String.join("\t", "deaf", summary.kind(), EventTable.text(summary.oursFirst()),
						EventTable.text(summary.theirsFirst()), EventTable.text(summary.oursSteady()),
						EventTable.text(summary.theirsSteady()), Integer.toString(summary.firsts() + summary.steady()),
						EventTable.text(summary.oursSteadyMean()), EventTable.text(summary.oursSteadyMax()),
						EventTable.text(summary.theirsSteadyMean()), summary.oursFirstValues(),
						summary.theirsFirstValues(), summary.oursDuplicates() + "/" + summary.theirsDuplicates()));
			}
			out.println();
			out.println("our resubscribe gap per planned move (SubscriptionMovedEvent#getGap, us): with "
					+ settings.channels() + " channels, median " + (gaps.isEmpty() ? "-" : Percentiles.of(gaps).at(50))
					+ " of " + gaps.size() + ": " + gaps);
			tsv.add("gap\t" + settings.channels() + "\t" + gaps);
			for (ScaleRun.Result result : scale) {
				out.println(result.describe());
				tsv.add(String.format(Locale.ROOT, "scale\t%d\t%d\t%d\t%d\t%s", result.channels(), result.coldMillis(),
						result.heapBytes(), result.heapBeforeBytes(), result.gapMicros()));
			}
			if (scale.size() >= 2) {
				ScaleRun.Result small = scale.get(0);
				ScaleRun.Result large = scale.get(scale.size() - 1);
				out.printf(Locale.ROOT, "heap per channel between %,d and %,d channels: %,d bytes%n", small.channels(),
						large.channels(), (large.heapBytes() - small.heapBytes()) / (large.channels() - small.channels()));
			}
			if (throughput != null) {
				out.printf(Locale.ROOT, "one @ShardListener %,.0f msg/s, raw Lettuce listener %,.0f msg/s (medians of 5 "
						+ "rounds); ratio ours:raw %.2f (median of the rounds' ratios)%n", throughput[0], throughput[1],
						throughput[2]);
				tsv.add(String.format(Locale.ROOT, "throughput\t%.0f\t%.0f\t%.2f", throughput[0], throughput[1],
						throughput[2]));
			}
			out.printf(Locale.ROOT, "load average before: %s, after the side-by-side run: %s, at the end: %s; "
					+ "suite took %.0f s%n", loadBefore, loadAfterMoves, loadAfter, (System.nanoTime() - started) / 1e9);
			Path tsvFile = settings.out().resolve(name + ".tsv");
			Files.write(tsvFile, tsv);
			DeafnessChart.write(settings.out().resolve(name + ".png"), List.of(tsvFile));
			out.println("wrote " + tsvFile + " and " + settings.out().resolve(name + ".png"));
		}
		catch (RuntimeException ex) {
			out.println("Suite failed: " + ex);
			ex.printStackTrace(out);
			exitCode = 1;
		}
		out.flush();
		System.exit(exitCode);
	}

	/** The gap of the first move in each planned move's window, in order. */
	private static List<Long> plannedGaps(List<MoveScenario.Outcome> outcomes) {
		List<Long> gaps = new ArrayList<>();
		for (MoveScenario.Outcome outcome : outcomes) {
			List<Events.Event> events = outcome.events();
			for (int i = 0; i < events.size(); i++) {
				if (events.get(i).kind().equals(Events.PLANNED)) {
					long start = events.get(i).startNanos();
					long end = (i + 1 < events.size()) ? events.get(i + 1).startNanos() : Long.MAX_VALUE;
					outcome.moves().stream()
						.map((line) -> line.split(" "))
						.filter((fields) -> Long.parseLong(fields[3]) >= start && Long.parseLong(fields[3]) < end)
						.findFirst()
						.ifPresent((fields) -> gaps.add(Long.parseLong(fields[2])));
				}
			}
		}
		return gaps;
	}

	/** A server named without a folder is looked up on the {@code PATH}. */
	private static String resolve(String server) throws IOException {
		if (server.contains(File.separator)) {
			return Path.of(server).toAbsolutePath().normalize().toString();
		}
		for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			Path candidate = Path.of(directory, server);
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		throw new IOException(server + " is not on the PATH");
	}

}
