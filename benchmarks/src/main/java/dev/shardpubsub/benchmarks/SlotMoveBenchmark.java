package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

/**
 * Measures how long a {@code @ShardListener} is deaf through planned slot moves, {@code CLUSTER FAILOVER} and
 * kill -9 of a master, against an embedded Redis Cluster (3 masters, 3 replicas, loopback), while an independent
 * publisher sends sequence numbers at a fixed rate. Settings are {@code bench.*} system properties; see
 * {@code benchmarks/README.md}.
 */
public final class SlotMoveBenchmark {

	private SlotMoveBenchmark() {
	}

	/**
	 * Run the benchmark and print per-run details and the summary.
	 * @param args ignored
	 */
	public static void main(String[] args) {
		BenchmarkSettings settings = BenchmarkSettings.fromSystemProperties();
		PrintStream out = System.out;
		String loadBefore = MachineFacts.load();
		int capacity = settings.rate() * 1800;
		int exitCode = 0;
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder()
			.masters(3)
			.replicasPerMaster(1)
			.nodeTimeout(Duration.ofMillis(settings.nodeTimeoutMillis()))
			.start()) {
			String facts = MachineFacts.describe(cluster.nodes().get(0)) + String.format(Locale.ROOT,
					"%ncluster: 3 masters + 3 replicas on loopback, cluster-node-timeout %d ms; "
							+ "channel '%s' (slot %d) at %d msg/s",
					settings.nodeTimeoutMillis(), settings.channel(), cluster.slotOf(settings.channel()),
					settings.rate());
			out.println(facts);
			out.println("nodes: " + cluster.nodesProperty());
			out.println("load average before: " + loadBefore);
			if (!settings.experiments().isEmpty()) {
				out.println("WHAT-IF EXPERIMENTS ON (not the library's behaviour): " + settings.experiments());
			}
			List<String> addresses = cluster.nodes().stream().map(RedisNode::address).toList();
			ReceiptLog receipts = new ReceiptLog(capacity, addresses);
			PublishLog published = new PublishLog(capacity);
			MoveEventLog moves = new MoveEventLog();
			SubscribeTrace trace = settings.trace() ? new SubscribeTrace() : null;
			List<Disruption> disruptions;
			long started = System.nanoTime();
			try (PlainLettuce lettuce = new PlainLettuce();
					ConfigurableApplicationContext context = BenchmarkApplication.start(cluster, settings, receipts,
							moves, trace);
					IndependentPublisher publisher = new IndependentPublisher(lettuce.client(), addresses,
							settings.channel(), settings.rate(), published)) {
				BenchmarkRun run = new BenchmarkRun(cluster, context.getBean(ShardSubscriptions.class), settings,
						lettuce.client());
				run.awaitHeldBy(run.owner());
				publisher.start();
				BenchmarkRun.sleep(settings.warmupSeconds() * 1000L);
				exitCode = runPhases(run, out);
				publisher.stop();
				BenchmarkRun.sleep(settings.drainMillis());
				disruptions = run.disruptions();
			}
			List<Disruption> closed = disruptions.stream().filter((disruption) -> disruption.endNanos != 0).toList();
			Results results = new Results(settings, closed, LossAnalysis.of(published, receipts, closed, addresses),
					moves, trace, addresses);
			new RunDetails(results, out).print();
			new WhereTimeGoes(results).print(out);
			new SummaryTable(results, out).print();
			out.println(facts);
			out.printf(Locale.ROOT,
					"load average before: %s, after: %s; benchmark took %.0f s; receipts rejected: %d%n", loadBefore,
					MachineFacts.load(), (System.nanoTime() - started) / 1e9, receipts.rejected());
		}
		out.flush();
		System.exit(exitCode);
	}

	private static int runPhases(BenchmarkRun run, PrintStream out) {
		BenchmarkSettings settings = run.settings;
		try {
			if (settings.warmupMoves() > 0) {
				progress(out, "warm-up: %d moves (not measured)", settings.warmupMoves());
				new PlannedMovePhase(run).run("warmup", settings.warmupMoves(), settings.plannedQuietMillis());
			}
			if (settings.runs("planned")) {
				progress(out, "phase 1: %d planned moves", settings.plannedMoves());
				new PlannedMovePhase(run).run("planned", settings.plannedMoves(), settings.plannedQuietMillis());
			}
			if (settings.runs("gaps")) {
				progress(out, "phase 2: %d moves for the gap", settings.gapMoves());
				new PlannedMovePhase(run).run("gaps", settings.gapMoves(), settings.gapQuietMillis());
			}
			if (settings.runs("failover")) {
				progress(out, "phase 3: %d CLUSTER FAILOVERs", settings.failovers());
				new FailoverPhase(run).run(settings.failovers(), settings.failoverQuietMillis());
			}
			if (settings.runs("kill")) {
				progress(out, "phase 4: %d kill -9", settings.kills());
				new KillPhase(run).run(settings.kills(), settings.killQuietMillis());
			}
			return 0;
		}
		catch (RuntimeException ex) {
			run.endPhase();
			out.println("Benchmark phase failed, reporting what was measured: " + ex);
			ex.printStackTrace(out);
			return 1;
		}
	}

	private static void progress(PrintStream out, String format, Object... args) {
		out.printf(Locale.ROOT, "[%s] %s%n", java.time.LocalTime.now().withNano(0), String.format(format, args));
	}

}
