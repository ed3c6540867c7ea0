package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Prints a few lines per disruption: what was lost or duplicated (and where, when), the library's move events,
 * and where the resubscription's time went.
 */
final class RunDetails {

	private final Results results;

	private final PrintStream out;

	RunDetails(Results results, PrintStream out) {
		this.results = results;
		this.out = out;
	}

	void print() {
		printMoves("warmup", "Warm-up moves (not in the summary)");
		printMoves("planned", "Phase 1: planned single-slot moves (CLUSTER SETSLOT ... NODE)");
		printMoves("gaps", "Phase 2: single-slot moves for the resubscribe gap");
		printFailovers();
		printKills();
		WindowStats outside = this.results.analysis().outside();
		this.out.printf(Locale.ROOT,
				"%nOutside every window (warm-up, between phases): published %d, lost %d, duplicates %d, failed %d, "
						+ "skipped %d%n",
				outside.published, outside.lost, outside.duplicates, outside.failed, outside.skipped);
		for (WindowStats.LostRun run : outside.lostRuns) {
			this.out.printf(Locale.ROOT, "       lost seq %d..%d, published on %s, %d with no receiver%n", run.firstSeq,
					run.firstSeq + run.length - 1, this.results.port(run.node), run.zeroReceivers);
		}
	}

	private void printMoves(String kind, String title) {
		List<Disruption> moves = this.results.ofKind(kind);
		if (moves.isEmpty()) {
			return;
		}
		this.out.printf("%n%s%n", title);
		for (Disruption move : moves) {
			WindowStats stats = this.results.stats(move);
			MoveBreakdown breakdown = this.results.breakdown(move);
			String publisherSwitch = (breakdown != null && stats.firstElsewhereSent != 0)
					? micros(stats.firstElsewhereSent - breakdown.detectedNanos()) + " us after the push" : "-";
			this.out.printf(Locale.ROOT,
					"  #%-3d %s -> %s  lost %d (%.1f ms) dup %d no-receiver %d | events: %s | "
							+ "publisher on the new owner %s%n",
					move.index + 1, port(move.from), port(move.to), stats.lost,
					stats.deafMillis(this.results.settings()), stats.duplicates, stats.zeroReceivers, events(move),
					publisherSwitch);
			if (breakdown != null) {
				this.out.printf(Locale.ROOT, "       push %.2f ms after the move started: %s%n",
						millis(breakdown.detectedNanos() - move.operationNanos), breakdown.timeline());
			}
			printLoss(move, (breakdown != null) ? breakdown.detectedNanos() : move.startNanos,
					(breakdown != null) ? "the push" : "the move");
		}
	}

	private void printFailovers() {
		List<Disruption> failovers = this.results.ofKind("failover");
		if (failovers.isEmpty()) {
			return;
		}
		this.out.printf("%nPhase 3: CLUSTER FAILOVER of the channel's master%n");
		for (Disruption failover : failovers) {
			WindowStats stats = this.results.stats(failover);
			this.out.printf(Locale.ROOT,
					"  #%-3d %s -> %s  promoted %s after CLUSTER FAILOVER | lost %d (%.1f ms) dup %d no-receiver %d | "
							+ "publisher could not publish on a master for %.1f ms (%d skipped, %d failed, "
							+ "%d on a replica) | events: %s | subscription on the new master after quiet + %d ms%n",
					failover.index + 1, port(failover.from), port(failover.to),
					since(failover.promotedNanos, failover.operationNanos), stats.lost,
					stats.deafMillis(this.results.settings()), stats.duplicates, stats.zeroReceivers,
					stats.publisherStallMillis(this.results.settings()), stats.skipped, stats.failed, stats.onReplica,
					events(failover), failover.settleMillis);
			printBreakdown(failover);
			printLoss(failover, failover.promotedNanos, "the promotion");
		}
	}

	private void printKills() {
		List<Disruption> kills = this.results.ofKind("kill");
		if (kills.isEmpty()) {
			return;
		}
		this.out.printf("%nPhase 4: kill -9 of the channel's master, then restart%n");
		for (Disruption kill : kills) {
			WindowStats stats = this.results.stats(kill);
			this.out.printf(Locale.ROOT,
					"  #%-3d %s killed, %s promoted %s after the kill (previous ROLE answer %s earlier) | "
							+ "delivery after promotion %s | publisher could not publish on a master for %s | "
							+ "lost %d dup %d (on replica: %d, %d of them received) | events: %s%n",
					kill.index + 1, port(kill.from), port(kill.to), since(kill.promotedNanos, kill.measureFromNanos),
					since(kill.promotedNanos, kill.lastReplicaNanos), since(stats.firstReceipt, kill.promotedNanos),
					since(stats.firstPublishedSent, kill.measureFromNanos), stats.lost, stats.duplicates,
					stats.onReplica, stats.onReplicaReceived, events(kill));
			printBreakdown(kill);
			printFirstPublished(stats, kill.promotedNanos);
			printLoss(kill, kill.measureFromNanos, "the kill");
		}
		for (Disruption restart : this.results.ofKind("restart")) {
			WindowStats stats = this.results.stats(restart);
			this.out.printf(Locale.ROOT, "  restart #%-3d %s  lost %d dup %d no-receiver %d | events: %s%n",
					restart.index + 1, port(restart.from), stats.lost, stats.duplicates, stats.zeroReceivers,
					events(restart));
			printTrace(restart);
			printLoss(restart, restart.startNanos, "the restart");
		}
	}

	private void printBreakdown(Disruption disruption) {
		MoveBreakdown breakdown = this.results.breakdown(disruption);
		if (breakdown != null) {
			this.out.printf(Locale.ROOT, "       detected %.2f ms after the operation: %s%n",
					millis(breakdown.detectedNanos() - disruption.operationNanos), breakdown.timeline());
		}
	}

	private void printLoss(Disruption disruption, long reference, String referenceName) {
		WindowStats stats = this.results.stats(disruption);
		if (disruption.ignoredMessages() > 0) {
			this.out.printf(Locale.ROOT,
					"       the reconciler ignored %d message(s) from a node not holding the subscription%n",
					disruption.ignoredMessages());
		}
		if (reference == 0) {
			return;
		}
		for (WindowStats.LostRun run : stats.lostRuns) {
			this.out.printf(Locale.ROOT,
					"       lost seq %d..%d (%d), sent %+.2f..%+.2f ms from %s, published on %s, %d with no receiver%n",
					run.firstSeq, run.firstSeq + run.length - 1, run.length, millis(run.firstSent - reference),
					millis(run.lastSent - reference), referenceName, this.results.port(run.node), run.zeroReceivers);
		}
		for (WindowStats.Duplicate duplicate : stats.duplicateSamples) {
			this.out.printf(Locale.ROOT,
					"       duplicate seq %d sent %+.2f ms from %s: first from %s, again from %s %.2f ms later%n",
					duplicate.seq(), millis(duplicate.sent() - reference), referenceName,
					this.results.port(duplicate.firstNode()), this.results.port(duplicate.secondNode()),
					millis(duplicate.apartNanos()));
		}
	}

	private void printFirstPublished(WindowStats stats, long promotedNanos) {
		if (promotedNanos == 0 || stats.firstPublished.isEmpty()) {
			return;
		}
		this.out.print("       first published after the kill (sent / received, ms from the promotion):");
		for (long[] message : stats.firstPublished) {
			String received = (message[2] != 0)
					? String.format(Locale.ROOT, "%+.1f", millis(message[2] - promotedNanos)) : "lost";
			this.out.printf(Locale.ROOT, " seq %d %+.1f / %s;", message[0], millis(message[1] - promotedNanos),
					received);
		}
		this.out.println();
	}

	private void printTrace(Disruption disruption) {
		if (this.results.trace() == null) {
			return;
		}
		for (SubscribeTrace.Entry entry : this.results.trace()
			.between(disruption.operationNanos, disruption.eventsUntilNanos)) {
			this.out.printf(Locale.ROOT, "       %+.2f ms %s %s%s%s%n",
					millis(entry.nanos() - disruption.operationNanos), entry.kind(), port(entry.node()),
					entry.newConnection() ? " (new conn)" : "",
					(entry.detail() != null) ? " " + entry.detail() : "");
		}
	}

	private String events(Disruption disruption) {
		List<MoveEventLog.Entry> events = this.results.events(disruption);
		if (events.isEmpty()) {
			return "none";
		}
		return events.stream()
			.map((entry) -> String.format(Locale.ROOT, "%s @%+.1fms gap %dus -> %s", entry.event().getReason(),
					millis(entry.event().getDetectedNanos() - disruption.operationNanos), entry.gapMicros(),
					port(String.valueOf(entry.event().getTo()))))
			.collect(Collectors.joining("; "));
	}

	static String since(long later, long earlier) {
		if (later == 0 || earlier == 0) {
			return "n/a";
		}
		return String.format(Locale.ROOT, "%+.1f ms", millis(later - earlier));
	}

	static double millis(long nanos) {
		return nanos / 1_000_000.0;
	}

	static long micros(long nanos) {
		return nanos / 1000;
	}

	static String port(String address) {
		return address.substring(address.lastIndexOf(':') + 1);
	}

}
