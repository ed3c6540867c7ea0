package dev.shardpubsub.sample.orders.demo;

/**
 * What the publisher sent and the application received over a range of sequence numbers.
 */
final class Counts {

	long sent;

	long received;

	long lost;

	long duplicates;

}
