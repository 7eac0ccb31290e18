//go:build unix

package keystore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests re-execute the test binary as a child that consumes
// nonces and is SIGKILLed, then reopen the store in the parent.
const (
	crashEnvMode = "CUSTOS_KEYSTORE_CRASH_CHILD"
	crashEnvPath = "CUSTOS_KEYSTORE_CRASH_PATH"
)

// crashSealer must be derivable identically in parent and child.
const crashPassphrase = "crash-test-passphrase"

func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnvMode)
	if mode == "" {
		t.Skip("runs only as the child of a crash test")
	}
	ctx := context.Background()
	st, err := openSQLite(os.Getenv(crashEnvPath), passSealer(t, crashPassphrase))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	switch mode {
	case "once":
		sec, err := st.ConsumeNonce(ctx, "k", "n0")
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		// Persist, then send: the "send" is this line on stdout. Then die
		// without closing anything.
		fmt.Printf("consumed n0 %s\n", sec.Bytes())
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	case "loop":
		for i := 0; ; i++ {
			id := fmt.Sprintf("n%d", i)
			if _, err := st.ConsumeNonce(ctx, "k", id); err != nil {
				fmt.Println("error:", err)
				os.Exit(3)
			}
			fmt.Println("consumed", id)
		}
	}
	os.Exit(4)
}

func runCrashChild(t *testing.T, path, mode string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvMode+"="+mode, crashEnvPath+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

func wantKilled(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child exited with %v, want SIGKILL", err)
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL", err)
	}
}

func TestCrashRightAfterConsumeCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "node.db")
	st := openTest(t, path, passSealer(t, crashPassphrase))
	for i := range 2 {
		if err := st.PutNonce(ctx, "k", fmt.Sprintf("n%d", i), []byte(fmt.Sprintf("secret-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	cmd, lines := runCrashChild(t, path, "once")
	var got []string
	for lines.Scan() {
		got = append(got, lines.Text())
	}
	wantKilled(t, cmd)
	if len(got) != 1 || got[0] != "consumed n0 secret-0" {
		t.Fatalf("child printed %q", got)
	}

	st = openTest(t, path, passSealer(t, crashPassphrase))
	defer st.Close()
	if _, err := st.ConsumeNonce(ctx, "k", "n0"); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("consume after crash: %v, want ErrNonceUsed", err)
	}
	if err := st.PutNonce(ctx, "k", "n0", []byte("secret-0")); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("re-insert after crash: %v, want ErrNonceUsed", err)
	}
	if sec, err := st.ConsumeNonce(ctx, "k", "n1"); err != nil || string(sec.Bytes()) != "secret-1" {
		t.Fatalf("the other nonce: %v", err)
	}
}

// A child consumes nonces in a loop and prints each id after its consume
// returns; the parent kills it mid-stream. Every id the child "sent" must be
// recorded as consumed (and possibly one more, committed but not sent).
func TestCrashDuringConsumeLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	const total = 400
	path := filepath.Join(t.TempDir(), "node.db")
	st := openTest(t, path, passSealer(t, crashPassphrase))
	for i := range total {
		if err := st.PutNonce(ctx, "k", fmt.Sprintf("n%d", i), []byte("s")); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	cmd, lines := runCrashChild(t, path, "loop")
	sent := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for len(sent) < 25 {
		if !lines.Scan() {
			t.Fatalf("child stopped early: %v (after %d)", lines.Err(), len(sent))
		}
		line := lines.Text()
		if !strings.HasPrefix(line, "consumed ") {
			t.Fatalf("child: %s", line)
		}
		sent[strings.TrimPrefix(line, "consumed ")] = true
		select {
		case <-deadline:
			t.Fatal("child too slow")
		default:
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() { // drain what the child sent before it died
		sent[strings.TrimPrefix(lines.Text(), "consumed ")] = true
	}
	wantKilled(t, cmd)

	st = openTest(t, path, passSealer(t, crashPassphrase))
	defer st.Close()
	unsentButConsumed := 0
	for i := range total {
		id := fmt.Sprintf("n%d", i)
		_, err := st.ConsumeNonce(ctx, "k", id)
		switch {
		case sent[id] && !errors.Is(err, ErrNonceUsed):
			t.Fatalf("%s was sent but is not recorded consumed: %v", id, err)
		case !sent[id] && errors.Is(err, ErrNonceUsed):
			unsentButConsumed++ // lost, never reused: allowed
		case !sent[id] && err != nil:
			t.Fatalf("%s: %v", id, err)
		}
	}
	if unsentButConsumed > 1 {
		t.Fatalf("%d nonces consumed but not sent; at most the one in flight may be", unsentButConsumed)
	}
}
