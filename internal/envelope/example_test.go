package envelope_test

import (
	"crypto/rand"
	"fmt"

	"github.com/custos-mpc/custos/internal/envelope"
)

// A node seals a round-2 share for party 2; the coordinator relays bytes it
// cannot read; party 2 parses, verifies, decrypts and checks for replay.
func Example() {
	alice, _ := envelope.NewIdentity(rand.Reader) // party 1
	bob, _ := envelope.NewIdentity(rand.Reader)   // party 2
	bobPub := bob.Public()

	var session [envelope.SessionSize]byte
	_, _ = rand.Read(session[:])
	hdr := envelope.Header{Session: session, Protocol: "frost-ed25519/dkg", Round: 2, Sender: 1, Recipient: 2}
	env, err := envelope.Seal(alice, &bobPub, hdr, []byte("secret share for party 2"))
	if err != nil {
		panic(err)
	}
	wire := env.Marshal() // → coordinator → party 2

	guard := envelope.NewGuard(envelope.GuardConfig{})
	_ = guard.OpenSession(session, "frost-ed25519/dkg", 2)
	_ = guard.SetRound(session, 2)

	got, _ := envelope.Parse(wire)
	payload, err := envelope.Open(got, alice.Public(), bob) // alice.Public() comes from the pinned roster
	if err != nil {
		panic(err)
	}
	fmt.Println(string(payload), guard.Accept(got) == nil, guard.Accept(got) == nil)
	// Output: secret share for party 2 true false
}
