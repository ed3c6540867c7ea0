package dev.shardpubsub.reconcile;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * Where one slot's subscription is in its life. Every change of phase is made by {@link SlotSubscription}'s
 * transition methods; the {@link SlotRouter} decides which, the {@link MessageGate} is told whose messages to take.
 *
 * <pre>
 *  Pending ──subscribed──▶ Settled ──push / lost connection──▶ Moving(holderLost)
 *     ▲                      ▲  │                                 │  ▲
 *     │ stop                 │  └──topology names another shard──▶ Moving(make before break)
 *     │                      │                                    │  │
 *     │                      └──────────subscribed────────────────┘  │ ROLE names a master
 *     │                                                               │
 *     └── any                     Moving ──the node that dropped it took it back──▶ AskingMaster
 * </pre>
 * A standby delivering during a move is the move's {@linkplain Moving#bridge() bridge}. A slot that no reachable node
 * serves stays {@link Pending} or {@link Moving} with a retry scheduled ({@link State#UNCOVERED} to the outside).
 */
sealed interface SlotPhase {

	/**
	 * What the read API shows for this phase while nothing failed.
	 * @return the state
	 */
	State state();

	/** Nothing held and no move: the first subscribe (or the first after a restart). */
	record Pending() implements SlotPhase {

		@Override
		public State state() {
			return State.PENDING;
		}

	}

	/**
	 * The holder confirmed the slot's channels.
	 * @param imported whether the holder is the master that imported the slot, held there by the subscription made
	 * ahead: on Redis 7.2+ and Valkey it drops that subscription at its own {@code SETSLOT … NODE}, whose push may come
	 * after the old owner's; if it does, it serves the slot and is subscribed again without asking its {@code ROLE}
	 */
	record Settled(boolean imported) implements SlotPhase {

		@Override
		public State state() {
			return State.SUBSCRIBED;
		}

	}

	/**
	 * The subscription is being made on another node (or again on the same one).
	 * @param reason why it moves
	 * @param detectedNanos when the cause was noticed, on the {@link System#nanoTime()} clock
	 * @param holderLost whether the holder's subscription is gone (a push, a lost connection); otherwise the holder
	 * still delivers and the move is made before break
	 * @param bridge the standby delivering meanwhile, or {@code null}
	 * @param roleAsked whether the node that dropped the slot need not be asked for its master ({@code ROLE}): asked
	 * already, or a replica that serves the slot if it accepts it
	 */
	record Moving(MoveReason reason, long detectedNanos, boolean holderLost, @Nullable NodeAddress bridge,
			boolean roleAsked) implements SlotPhase {

		@Override
		public State state() {
			return this.holderLost ? State.MOVING : State.SUBSCRIBED;
		}

		Moving lost(MoveReason why, long nanos) {
			// The first cause of a move is the one reported, with its time.
			return this.holderLost ? this : new Moving(why, nanos, true, this.bridge, this.roleAsked);
		}

		Moving bridgedBy(NodeAddress standby) {
			return new Moving(this.reason, this.detectedNanos, this.holderLost, standby, this.roleAsked);
		}

		Moving withoutRole() {
			return new Moving(this.reason, this.detectedNanos, this.holderLost, this.bridge, true);
		}

		Moving heldOnReplica() {
			return new Moving(this.reason, this.detectedNanos, false, this.bridge, true);
		}

		Moving because(MoveReason why) {
			return new Moving(why, this.detectedNanos, this.holderLost, this.bridge, this.roleAsked);
		}

	}

	/**
	 * The node that dropped the slot took our subscription back: after a failover it is a replica now, asked for
	 * its master ({@code ROLE}); its own messages are not taken meanwhile.
	 * @param move the move under way
	 * @param node the node asked
	 */
	record AskingMaster(Moving move, NodeAddress node) implements SlotPhase {

		@Override
		public State state() {
			return State.MOVING;
		}

	}

}
