package dev.shardpubsub.event;

/**
 * Why a subscription moved.
 */
public enum MoveReason {

	/** The node pushed {@code sunsubscribe}: the slot moved away (reshard, failover). */
	SERVER_PUSH,

	/** The topology showed a new owner for the slot. */
	TOPOLOGY_CHANGE,

	/** The connection was lost and the same node took the subscription again. */
	RECONNECT,

	/** The connection was lost and the node did not come back: another node took the subscription. */
	CRASH,

	/**
	 * The connection was lost and the standby subscription on another node of the shard took over at once (see
	 * {@code shard-pubsub.reconcile.standby}).
	 */
	STANDBY,

	/** No node served the slot; a retry found one. */
	UNCOVERED_RETRY

}
