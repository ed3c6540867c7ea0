package dev.shardpubsub.sample.orders.demo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the whole demo run saw: the channels that stayed deaf, and each event's range of sequence numbers.
 */
final class Totals {

	final Set<String> deaf = new HashSet<>();

	// per event: the last numbers published before it began and when its operation returned
	final List<long[][]> ranges = new ArrayList<>();

}
