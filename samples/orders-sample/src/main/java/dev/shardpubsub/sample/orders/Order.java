package dev.shardpubsub.sample.orders;

/**
 * An order, sent as JSON.
 *
 * @param id the order number
 * @param region the region
 * @param amount the amount in cents
 */
public record Order(long id, String region, long amount) {
}
