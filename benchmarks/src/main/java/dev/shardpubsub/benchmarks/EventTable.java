package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per event and per kind of event: messages the publisher had published on a master that each receiver lost or
 * received twice, and the deaf time they stand for (lost ÷ rate). The first event of each kind is reported apart
 * from the steady ones: in production moves are rare and each runs cold code.
 */
final class EventTable {

	private final List<Row> rows = new ArrayList<>();

	private final double messagesPerMilli;

	private final boolean peer;

	EventTable(List<MoveScenario.Outcome> outcomes, int rate) {
		this.messagesPerMilli = rate / 1000.0;
		this.peer = outcomes.get(0).theirs() != null;
		for (MoveScenario.Outcome outcome : outcomes) {
			count(outcome);
		}
	}

	private void count(MoveScenario.Outcome outcome) {
		List<Events.Event> events = outcome.events();
		int first = this.rows.size();
		for (Events.Event event : events) {
			this.rows.add(new Row(event));
		}
		PublishLog published = outcome.published();
		int window = 0;
		for (int seq = 0; seq < published.size(); seq++) {
			if (published.status(seq) != PublishLog.PUBLISHED) {
				continue;
			}
			long sent = published.sentNanos(seq);
			if (sent < events.get(0).startNanos()) {
				continue;
			}
			while (window + 1 < events.size() && sent >= events.get(window + 1).startNanos()) {
				window++;
			}
			Row row = this.rows.get(first + window);
			row.published++;
			int ours = (seq < outcome.ours().length) ? outcome.ours()[seq] & 0xff : 0;
			row.oursLost += (ours == 0) ? 1 : 0;
			row.oursDuplicates += Math.max(ours - 1, 0);
			if (this.peer) {
				int theirs = (seq < outcome.theirs().length) ? outcome.theirs()[seq] & 0xff : 0;
				row.theirsLost += (theirs == 0) ? 1 : 0;
				row.theirsDuplicates += Math.max(theirs - 1, 0);
			}
		}
	}

	void printEvents(PrintStream out) {
		out.println();
		out.println("Every event (lost = published on a master, never received; deaf = lost / rate)");
		out.printf(Locale.ROOT, "%-26s %5s %9s | %13s %6s | %13s %6s | %s%n", "event", "round", "published",
				"ours lost/dup", "deaf", "node lost/dup", "deaf", "detail");
		for (Row row : this.rows) {
			out.printf(Locale.ROOT, "%-26s %5s %9d | %7d/%-5d %6.1f | %7s/%-5s %6s | %s%n", row.event.kind(),
					row.event.round() + (row.event.kind().equals(Events.IDLE) ? "" : "." + (row.event.index() + 1)),
					row.published, row.oursLost, row.oursDuplicates, deaf(row.oursLost),
					this.peer ? Long.toString(row.theirsLost) : "-", this.peer ? Long.toString(row.theirsDuplicates) : "-",
					this.peer ? String.format(Locale.ROOT, "%.1f", deaf(row.theirsLost)) : "-", row.event.detail());
		}
	}

	/**
	 * The side-by-side table: per kind, the first event of each round (median over the rounds) and the median of the
	 * others, ours, node-redis's, ratio.
	 * @param out where to print
	 * @param server the server's name and version
	 */
	void printSummary(PrintStream out, String server) {
		out.println();
		out.println("Deaf ms per event, " + server + ": ours (the starter) / node-redis 6.3.1 / ratio ours:theirs");
		out.printf(Locale.ROOT, "%-26s | %-28s | %-28s | %-26s | %-7s | %s%n", "event",
				"first (median of rounds)", "steady (median)", "steady mean / max, ours", "n", "dup ours/node");
		for (Summary summary : summaries()) {
			out.printf(Locale.ROOT, "%-26s | %6s / %6s / ratio %5s | %6s / %6s / ratio %5s | %7s / %-7s mean node %6s | %2d + %-3d | %d/%s%n",
					summary.kind, text(summary.oursFirst), text(summary.theirsFirst),
					ratio(summary.oursFirst, summary.theirsFirst), text(summary.oursSteady), text(summary.theirsSteady),
					ratio(summary.oursSteady, summary.theirsSteady), text(summary.oursSteadyMean),
					text(summary.oursSteadyMax), text(summary.theirsSteadyMean), summary.firsts, summary.steady,
					summary.oursDuplicates, this.peer ? Long.toString(summary.theirsDuplicates) : "-");
		}
		for (Summary summary : summaries()) {
			out.printf(Locale.ROOT, "  first %s of each round: ours %s, node %s%n", summary.kind,
					summary.oursFirstValues, this.peer ? summary.theirsFirstValues : "-");
		}
		long idleOurs = 0;
		long idleTheirs = 0;
		for (Row row : this.rows) {
			if (row.event.kind().equals(Events.IDLE)) {
				idleOurs += row.oursLost;
				idleTheirs += row.theirsLost;
			}
		}
		out.printf(Locale.ROOT, "outside events (before the first, loading/deleting keys, restarting a killed node): "
				+ "lost ours %d, node %s%n", idleOurs, this.peer ? Long.toString(idleTheirs) : "-");
	}

	List<Summary> summaries() {
		List<Summary> summaries = new ArrayList<>();
		for (String kind : Events.KINDS) {
			List<Row> first = this.rows.stream()
				.filter((row) -> row.event.kind().equals(kind) && row.event.index() == 0)
				.toList();
			List<Row> steady = this.rows.stream()
				.filter((row) -> row.event.kind().equals(kind) && row.event.index() > 0)
				.toList();
			if (first.isEmpty()) {
				continue;
			}
			double[] oursFirst = first.stream().mapToDouble((row) -> deaf(row.oursLost)).toArray();
			double[] theirsFirst = first.stream().mapToDouble((row) -> deaf(row.theirsLost)).toArray();
			double[] ours = steady.stream().mapToDouble((row) -> deaf(row.oursLost)).toArray();
			double[] theirs = steady.stream().mapToDouble((row) -> deaf(row.theirsLost)).toArray();
			List<Row> all = new ArrayList<>(first);
			all.addAll(steady);
			summaries.add(new Summary(kind, first.size(), steady.size(), median(oursFirst),
					this.peer ? median(theirsFirst) : Double.NaN, median(ours), mean(ours), max(ours),
					this.peer ? median(theirs) : Double.NaN, this.peer ? mean(theirs) : Double.NaN,
					all.stream().mapToLong((row) -> row.oursDuplicates).sum(),
					all.stream().mapToLong((row) -> row.theirsDuplicates).sum(), values(oursFirst), values(theirsFirst)));
		}
		return summaries;
	}

	private static String values(double[] values) {
		return Arrays.stream(values).mapToObj(EventTable::text).toList().toString();
	}

	private double deaf(long lost) {
		return lost / this.messagesPerMilli;
	}

	static String text(double value) {
		return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
	}

	static String ratio(double ours, double theirs) {
		if (Double.isNaN(ours) || Double.isNaN(theirs)) {
			return "-";
		}
		if (theirs == 0) {
			return (ours == 0) ? "0/0" : "inf";
		}
		return String.format(Locale.ROOT, "%.2f", ours / theirs);
	}

	private static double median(double[] values) {
		if (values.length == 0) {
			return Double.NaN;
		}
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	private static double mean(double[] values) {
		return Arrays.stream(values).average().orElse(Double.NaN);
	}

	private static double max(double[] values) {
		return Arrays.stream(values).max().orElse(Double.NaN);
	}

	/**
	 * One kind of event, summed up.
	 *
	 * @param kind the kind
	 * @param firsts how many first events (one per round)
	 * @param steady how many others
	 * @param oursFirst our median deaf ms at the first event of a round
	 * @param theirsFirst node-redis's median at the first event of a round
	 * @param oursSteady our median deaf ms over the others
	 * @param oursSteadyMean our mean over the others
	 * @param oursSteadyMax our worst of the others
	 * @param theirsSteady node-redis's median over the others
	 * @param theirsSteadyMean node-redis's mean over the others
	 * @param oursDuplicates our duplicates over all
	 * @param theirsDuplicates node-redis's duplicates over all
	 * @param oursFirstValues our deaf ms at each round's first
	 * @param theirsFirstValues node-redis's at each round's first
	 */
	record Summary(String kind, int firsts, int steady, double oursFirst, double theirsFirst, double oursSteady,
			double oursSteadyMean, double oursSteadyMax, double theirsSteady, double theirsSteadyMean,
			long oursDuplicates, long theirsDuplicates, String oursFirstValues, String theirsFirstValues) {

	}

	private static final class Row {

		final Events.Event event;

		long published;

		long oursLost;

		long oursDuplicates;

		long theirsLost;

		long theirsDuplicates;

		Row(Events.Event event) {
			this.event = event;
		}

	}

}
