// Package round is the contract every custos protocol engine follows.
//
// A session has a unique id and an agreed, sorted list of nonzero, distinct
// party identifiers. A party is a sans-I/O state machine: a [Machine] takes
// incoming [Message] values one at a time and returns the messages to send;
// it never touches the network, the disk, goroutines or the clock. Rounds are
// written as [Round] values: each declares which messages it expects and, once
// they are all in, turns them into the next round, a result, or an
// [*AbortError] naming the culprits.
//
// # Echo broadcast
//
// A round whose messages are broadcast is made consistent before its
// messages are used: every party sends an echo carrying, for each party in
// the session, a hash of the broadcast it received from that party (its own
// included). A party that sees another party's echo disagree with its own
// view at position j aborts naming party j, the sender that equivocated.
// Messages are assumed to arrive over authenticated channels (in custos the
// envelopes are signed by each node's identity key), so the evidence of an
// equivocation is the pair of differing digests together with the echo
// that reported the other one.
//
// # Security
//
// Machine validates every envelope-level field before a round sees it:
// session id, protocol name, round number, sender in the party list and not
// the receiver itself, recipient, and one message per sender and slot. A
// second, different message for a slot already filled is an equivocation
// and aborts naming its sender; an identical copy is ignored. Payload
// parsing is the round's job and must name the sender on failure.
package round
