package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The summary: our figures next to the bars and the anchors measured with other clients on the same kind of
 * cluster (see {@code docs/benchmarks.md}).
 */
final class SummaryTable {

	private final Results results;

	private final PrintStream out;

	SummaryTable(Results results, PrintStream out) {
		this.results = results;
		this.out = out;
	}

	void print() {
		BenchmarkSettings settings = this.results.settings();
		this.out.printf("%nSUMMARY%s%n", settings.experiments().isEmpty() ? ""
				: " — WHAT-IF EXPERIMENTS " + settings.experiments() + ", not the library's behaviour");
		this.out.println("| measure | shard-pubsub (this run) | bar | verdict | node-redis 6.3.1 | Redisson 3.52.0 "
				+ "| Lettuce 6.8.2 by hand |");
		this.out.println("|---|---|---|---|---|---|---|");
		List<Disruption> planned = this.results.ofKind("planned");
		if (!planned.isEmpty()) {
			double deaf = this.results.averageDeafMillis("planned");
			row(String.format(Locale.ROOT, "deaf per planned single-slot move (avg of %d)", planned.size()),
					String.format(Locale.ROOT, "**%.2f ms** (max %.1f ms; %d lost, %d dup)", deaf,
							this.results.maxDeafMillis("planned"), this.results.lost("planned"),
							this.results.duplicates("planned")),
					"≤ 2 ms, 0 dup", verdict(deaf <= 2.0 && this.results.duplicates("planned") == 0),
					"3.9–4.1 ms", "deaf for good after the 1st move", "deaf for good");
		}
		List<Disruption> gapMoves = this.results.ofKind("gaps");
		if (!gapMoves.isEmpty()) {
			Percentiles gaps = Percentiles.of(this.results.gapsMicros("gaps", "SERVER_PUSH"));
			row(String.format(Locale.ROOT, "resubscribe gap, SubscriptionMovedEvent (%d events over %d moves)",
					gaps.count(), gapMoves.size()),
					String.format(Locale.ROOT, "p50 **%d µs**, p99 **%d µs**, max %d µs", gaps.at(50), gaps.at(99),
							gaps.max()),
					"–", "–", "–", "–", "–");
			double deaf = this.results.averageDeafMillis("gaps");
			row(String.format(Locale.ROOT, "deaf per move in that phase (avg of %d)", gapMoves.size()),
					String.format(Locale.ROOT, "%.2f ms (max %.1f ms; %d lost, %d dup)", deaf,
							this.results.maxDeafMillis("gaps"), this.results.lost("gaps"),
							this.results.duplicates("gaps")),
					"–", "–", "–", "–", "–");
		}
		List<Disruption> failovers = this.results.ofKind("failover");
		if (!failovers.isEmpty()) {
			double deaf = this.results.averageDeafMillis("failover");
			row(String.format(Locale.ROOT, "deaf through CLUSTER FAILOVER (avg of %d)", failovers.size()),
					String.format(Locale.ROOT, "**%.2f ms** (max %.1f ms; %d lost, %d dup)", deaf,
							this.results.maxDeafMillis("failover"), this.results.lost("failover"),
							this.results.duplicates("failover")),
					"≤ 10 ms, 0 dup", verdict(deaf <= 10.0 && this.results.duplicates("failover") == 0), "~50 ms",
					"~680 ms", "deaf for good");
		}
		List<Disruption> kills = this.results.ofKind("kill");
		if (!kills.isEmpty()) {
			List<Long> delivery = new ArrayList<>();
			List<Long> blind = new ArrayList<>();
			List<Long> promotion = new ArrayList<>();
			for (Disruption kill : kills) {
				WindowStats stats = this.results.stats(kill);
				if (kill.promotedNanos != 0 && stats.firstReceipt != 0) {
					delivery.add((stats.firstReceipt - kill.promotedNanos) / 1000);
				}
				if (stats.firstPublishedSent != 0) {
					blind.add((stats.firstPublishedSent - kill.measureFromNanos) / 1000);
				}
				if (kill.promotedNanos != 0) {
					promotion.add((kill.promotedNanos - kill.measureFromNanos) / 1000);
				}
			}
			Percentiles deliveries = Percentiles.of(delivery);
			boolean allMeasured = deliveries.count() == kills.size();
			row(String.format(Locale.ROOT, "kill -9: delivery after the promotion (avg of %d)", kills.size()),
					String.format(Locale.ROOT, "**%+.1f ms** (max %+.1f ms; %d lost, %d dup)%s",
							deliveries.mean() / 1000, deliveries.max() / 1000.0, this.results.lost("kill"),
							this.results.duplicates("kill"),
							allMeasured ? "" : " — only " + deliveries.count() + " measured"),
					"≤ 250 ms", verdict(allMeasured && deliveries.max() <= 250_000
							&& this.results.duplicates("kill") == 0),
					"+2.0–2.5 s", "+0.5–2.4 s", "deaf for good");
			row("kill -9: promotion after the kill / publisher could not publish (avg)",
					String.format(Locale.ROOT, "%.0f ms / %.0f ms", Percentiles.of(promotion).mean() / 1000,
							Percentiles.of(blind).mean() / 1000),
					"–", "–", "–", "–", "–");
			List<Disruption> restarts = this.results.ofKind("restart");
			row("restart of the killed node (rejoins as replica)",
					String.format(Locale.ROOT, "%d lost, %d dup over %d restarts", this.results.lost("restart"),
							this.results.duplicates("restart"), restarts.size()),
					"0", verdict(this.results.lost("restart") == 0 && this.results.duplicates("restart") == 0), "–",
					"–", "–");
		}
		WindowStats outside = this.results.analysis().outside();
		this.out.printf(Locale.ROOT,
				"%nRate %d msg/s on '%s'; deaf ms = lost / %.0f msg per ms. Outside the windows: %d lost, %d dup.%n",
				settings.rate(), settings.channel(), settings.messagesPerMilli(), outside.lost,
				outside.duplicates);
	}

	private void row(String... cells) {
		this.out.println("| " + String.join(" | ", cells) + " |");
	}

	private static String verdict(boolean met) {
		return met ? "met" : "**missed**";
	}

}
