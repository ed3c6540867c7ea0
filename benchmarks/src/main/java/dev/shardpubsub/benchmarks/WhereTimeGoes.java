package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Where the resubscribe time of the single-slot moves goes, from the {@link SubscribeTrace}: push to the first
 * {@code SSUBSCRIBE}, its {@code MOVED} round trip, the turnaround to the redirected {@code SSUBSCRIBE}, and that
 * one's round trip on an open or a new connection.
 */
final class WhereTimeGoes {

	private final List<MoveBreakdown> breakdowns = new ArrayList<>();

	WhereTimeGoes(Results results) {
		for (String kind : List.of("planned", "gaps")) {
			for (Disruption move : results.ofKind(kind)) {
				MoveBreakdown breakdown = results.breakdown(move);
				if (breakdown != null && breakdown.confirmedNanos() != 0) {
					this.breakdowns.add(breakdown);
				}
			}
		}
	}

	void print(PrintStream out) {
		if (this.breakdowns.isEmpty()) {
			return;
		}
		out.printf("%nWhere the time of a single-slot move goes (%d traced moves, µs: p50 / p90 / max)%n",
				this.breakdowns.size());
		out.println("| step | p50 | p90 | max | n |");
		out.println("|---|---|---|---|---|");
		row(out, "push → first SSUBSCRIBE handed to the node client (reconciler thread hop)", this.breakdowns,
				(b) -> b.firstSendNanos() - b.detectedNanos());
		row(out, "first SSUBSCRIBE (to the old owner) → its answer (MOVED)", this.breakdowns,
				(b) -> b.firstAnswerNanos() - b.firstSendNanos());
		List<MoveBreakdown> redirected = this.breakdowns.stream().filter((b) -> b.secondSendNanos() != 0).toList();
		row(out, "answer → redirected SSUBSCRIBE handed to the node client (reconciler turnaround)", redirected,
				(b) -> b.secondSendNanos() - b.firstAnswerNanos());
		row(out, "confirmed SSUBSCRIBE round trip, on a NEW connection", this.breakdowns.stream()
			.filter(MoveBreakdown::newConnection)
			.toList(), (b) -> b.confirmedNanos() - b.lastSendNanos());
		row(out, "confirmed SSUBSCRIBE round trip, on an open connection", this.breakdowns.stream()
			.filter((b) -> !b.newConnection())
			.toList(), (b) -> b.confirmedNanos() - b.lastSendNanos());
		row(out, "push → confirmed (total)", this.breakdowns, (b) -> b.confirmedNanos() - b.detectedNanos());
	}

	private static void row(PrintStream out, String step, List<MoveBreakdown> sample,
			ToLongFunction<MoveBreakdown> nanos) {
		List<Long> micros = sample.stream().map((b) -> nanos.applyAsLong(b) / 1000).toList();
		Percentiles percentiles = Percentiles.of(micros);
		out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d |%n", step, percentiles.at(50), percentiles.at(90),
				percentiles.max(), percentiles.count());
	}

}
