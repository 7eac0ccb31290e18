// Package localcluster starts a coordinator and share nodes as separate
// processes of the custos binary on loopback, each with its own
// configuration, certificate and sealed keystore, set up through the same
// commands an operator runs (coordinator init/issue, node init). It backs
// `custos bench cluster` and the multi-process tests.
package localcluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/custos-mpc/custos/internal/platform"
	"github.com/custos-mpc/custos/internal/wire"
)

// Options configure a local cluster.
type Options struct {
	Nodes        int
	RoundTimeout time.Duration // default 2s
	// Env is added to every process's environment (e.g. GOMAXPROCS).
	Env []string
	// PresignPool, if positive, sets the coordinator's ECDSA presignature
	// pool high watermark (ceremony.presign_pool).
	PresignPool int
}

// Cluster is a running coordinator and nodes.
type Cluster struct {
	Bin, Dir    string
	AdminAddr   string
	NodesAddr   string
	CAFile      string
	AdminCert   string
	AdminKey    string
	AuthKey     ed25519.PrivateKey
	AuthKeyFile string
	procs       map[string]*proc
	opts        Options
}

// proc is one started process; done closes when it has exited.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (c *Cluster) run(args ...string) error {
	cmd := exec.Command(c.Bin, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("localcluster: custos %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Start sets up and starts a cluster under dir with the custos binary bin.
func Start(bin, dir string, opts Options) (*Cluster, error) {
	if opts.Nodes < 1 {
		return nil, fmt.Errorf("localcluster: need at least one node")
	}
	if opts.RoundTimeout <= 0 {
		opts.RoundTimeout = 2 * time.Second
	}
	c := &Cluster{Bin: bin, Dir: dir, procs: map[string]*proc{}, opts: opts}
	cdir := filepath.Join(dir, "coordinator")
	if err := os.MkdirAll(cdir, 0o700); err != nil {
		return nil, err
	}
	if err := c.run("coordinator", "init", "--dir", cdir); err != nil {
		return nil, err
	}
	var err error
	if c.NodesAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	if c.AdminAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(cdir, "coordinator.yaml")
	yml, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	for _, r := range [][2]string{
		{`listen: ":7400"`, "listen: " + c.NodesAddr},
		{"admin_listen: 127.0.0.1:7401", "admin_listen: " + c.AdminAddr},
		{"metrics_address: 127.0.0.1:9100", "metrics_address: 127.0.0.1:0"},
		{"round_timeout: 5s", "round_timeout: " + opts.RoundTimeout.String()},
		{"presign_pool: 16", "presign_pool: " + strconv.Itoa(max(opts.PresignPool, 0))},
	} {
		if r[0] == "presign_pool: 16" && opts.PresignPool <= 0 {
			continue
		}
		yml = bytes.Replace(yml, []byte(r[0]), []byte(r[1]), 1)
	}
	if err := os.WriteFile(cfgPath, yml, 0o644); err != nil {
		return nil, err
	}
	_, c.AuthKey, _ = ed25519.GenerateKey(rand.Reader)
	c.AuthKeyFile = filepath.Join(dir, "authorization.key")
	if err := os.WriteFile(c.AuthKeyFile, []byte(hex.EncodeToString(c.AuthKey.Seed())), 0o600); err != nil {
		return nil, err
	}
	passFile := filepath.Join(dir, "passphrase")
	pass := make([]byte, 16)
	rand.Read(pass) //nolint:errcheck
	if err := os.WriteFile(passFile, []byte(hex.EncodeToString(pass)), 0o600); err != nil {
		return nil, err
	}
	rosterPath := filepath.Join(dir, "roster.json")
	authPub := hex.EncodeToString(c.AuthKey.Public().(ed25519.PublicKey))
	for i := 1; i <= opts.Nodes; i++ {
		name := NodeName(i)
		ndir := filepath.Join(dir, name)
		if err := c.run("coordinator", "issue", "--dir", cdir, "--name", name, "--out", filepath.Join(ndir, "tls")); err != nil {
			return nil, err
		}
		// Three operators and one trust domain per node.
		if err := c.run("node", "init", "--dir", ndir, "--id", name, "--operator", "operator-"+strconv.Itoa(i%3),
			"--trust-domain", "domain-"+strconv.Itoa(i), "--coordinator", c.NodesAddr, "--authorization-key", authPub,
			"--roster", rosterPath, "--passphrase-file", passFile, "--metrics", "127.0.0.1:0"); err != nil {
			return nil, err
		}
	}
	roster, err := os.ReadFile(rosterPath)
	if err != nil {
		return nil, err
	}
	for _, d := range append([]string{cdir}, nodeDirs(dir, opts.Nodes)...) {
		if err := os.WriteFile(filepath.Join(d, "roster.json"), roster, 0o644); err != nil {
			return nil, err
		}
	}
	c.CAFile = filepath.Join(cdir, "tls", "ca.crt")
	c.AdminCert = filepath.Join(cdir, "tls", "admin-admin.crt")
	c.AdminKey = filepath.Join(cdir, "tls", "admin-admin.key")
	if err := c.start("coordinator", "coordinator", "--config", cfgPath); err != nil {
		return nil, err
	}
	for i := 1; i <= opts.Nodes; i++ {
		if err := c.StartNode(i); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// NodeName is the id of node i (1-based).
func NodeName(i int) string { return "node-" + strconv.Itoa(i) }

func nodeDirs(dir string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = filepath.Join(dir, NodeName(i+1))
	}
	return out
}

func (c *Cluster) start(name string, args ...string) error {
	logf, err := os.OpenFile(c.LogFile(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.Bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), c.opts.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the driver
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait() //nolint:errcheck // the exit status is not needed
		logf.Close()
		close(p.done)
	}()
	c.procs[name] = p
	return nil
}

// StartNode starts (or restarts) node i.
func (c *Cluster) StartNode(i int) error {
	name := NodeName(i)
	return c.start(name, "node", "--config", filepath.Join(c.Dir, name, "node.yaml"))
}

// Kill sends SIGKILL to a process ("coordinator" or a node name).
func (c *Cluster) Kill(name string) {
	if p := c.procs[name]; p != nil {
		p.cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck
		<-p.done
	}
}

// Pause freezes a process with SIGSTOP: it keeps its connections but
// handles nothing until Resume. Tests use it to hold a session open.
func (c *Cluster) Pause(name string) {
	if p := c.procs[name]; p != nil && !p.exited() {
		p.cmd.Process.Signal(syscall.SIGSTOP) //nolint:errcheck
	}
}

// Resume continues a process frozen by Pause.
func (c *Cluster) Resume(name string) {
	if p := c.procs[name]; p != nil && !p.exited() {
		p.cmd.Process.Signal(syscall.SIGCONT) //nolint:errcheck
	}
}

// LogFile is the file that collects a process's output ("coordinator" or
// a node name), across restarts.
func (c *Cluster) LogFile(name string) string { return filepath.Join(c.Dir, name+".log") }

// Stop terminates every process.
func (c *Cluster) Stop() {
	for _, p := range c.procs {
		if !p.exited() {
			p.cmd.Process.Signal(syscall.SIGCONT) //nolint:errcheck // a paused process would not act on SIGTERM
			p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
		}
	}
	deadline := time.After(10 * time.Second)
	for _, p := range c.procs {
		select {
		case <-p.done:
		case <-deadline:
			p.cmd.Process.Kill() //nolint:errcheck
			<-p.done
		}
	}
}

// Admin dials the coordinator's admin API.
func (c *Cluster) Admin() (wire.AdminClient, func(), error) {
	return platform.DialAdmin(c.AdminAddr, c.CAFile, c.AdminCert, c.AdminKey, "localhost")
}

// WaitOnline waits until every node is connected.
func (c *Cluster) WaitOnline(ctx context.Context, admin wire.AdminClient) error {
	if err := platform.WaitOnline(ctx, admin, c.opts.Nodes, 60*time.Second); err != nil {
		return fmt.Errorf("localcluster: %w; logs in %s", err, c.Dir)
	}
	return nil
}

// Memory is one process's resident memory in MiB: now and the peak.
type Memory struct {
	Name       string
	RSSMiB     float64
	PeakRSSMiB float64
}

// Memory reads every running process's resident memory from /proc.
func (c *Cluster) Memory() []Memory {
	var out []Memory
	for name, p := range c.procs {
		if p.exited() {
			continue
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		if err != nil {
			continue
		}
		m := Memory{Name: name}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 {
				continue
			}
			kb, _ := strconv.ParseFloat(fields[1], 64)
			switch fields[0] {
			case "VmRSS:":
				m.RSSMiB = kb / 1024
			case "VmHWM:":
				m.PeakRSSMiB = kb / 1024
			}
		}
		f.Close()
		out = append(out, m)
	}
	return out
}
