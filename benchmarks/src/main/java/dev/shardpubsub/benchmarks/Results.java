package dev.shardpubsub.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything measured, ready to be reported.
 *
 * @param settings the settings
 * @param disruptions every disruption, in time order
 * @param analysis lost and duplicated messages per window
 * @param moves the library's move events
 * @param trace the reconciler's commands, or {@code null} when not traced
 * @param addresses the nodes, by the index the logs use
 */
record Results(BenchmarkSettings settings, List<Disruption> disruptions, LossAnalysis analysis, MoveEventLog moves,
		SubscribeTrace trace, List<String> addresses) {

	String port(int nodeIndex) {
		return (nodeIndex >= 0 && nodeIndex < this.addresses.size()) ? RunDetails.port(this.addresses.get(nodeIndex))
				: "?";
	}

	List<Disruption> ofKind(String kind) {
		return this.disruptions.stream().filter((disruption) -> disruption.kind.equals(kind)).toList();
	}

	WindowStats stats(Disruption disruption) {
		return this.analysis.of(disruption);
	}

	List<MoveEventLog.Entry> events(Disruption disruption) {
		return this.moves.detectedBetween(disruption.operationNanos, disruption.eventsUntilNanos);
	}

	MoveBreakdown breakdown(Disruption disruption) {
		return (this.trace != null)
				? MoveBreakdown.of(this.trace.between(disruption.operationNanos, disruption.eventsUntilNanos)) : null;
	}

	/** The gaps in microseconds of the move events of a kind of disruption, filtered by a reason if not null. */
	List<Long> gapsMicros(String kind, String reason) {
		List<Long> gaps = new ArrayList<>();
		for (Disruption disruption : ofKind(kind)) {
			for (MoveEventLog.Entry entry : events(disruption)) {
				if (reason == null || entry.event().getReason().name().equals(reason)) {
					gaps.add(entry.gapMicros());
				}
			}
		}
		return gaps;
	}

	int lost(String kind) {
		return ofKind(kind).stream().mapToInt((disruption) -> stats(disruption).lost).sum();
	}

	int duplicates(String kind) {
		return ofKind(kind).stream().mapToInt((disruption) -> stats(disruption).duplicates).sum();
	}

	double averageDeafMillis(String kind) {
		List<Disruption> runs = ofKind(kind);
		return runs.isEmpty() ? Double.NaN : lost(kind) / this.settings.messagesPerMilli() / runs.size();
	}

	double maxDeafMillis(String kind) {
		return ofKind(kind).stream().mapToDouble((disruption) -> stats(disruption).deafMillis(this.settings)).max()
			.orElse(Double.NaN);
	}

}
