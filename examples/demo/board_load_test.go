package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The board's load driver: n participants on one board, each moving its
// cursor at a steady rate over real WebSockets, against demo processes
// (one, or two sharing a broker). By default it runs small, as a test of
// the fan-out; the flags make it the measurement reported for the board:
//
//	go test ./examples/demo -run TestBoardLoad -v -board-n 50 -board-rate 30 -board-for 10s [-board-broker redis://127.0.0.1:6379] [-board-json]
var (
	boardN        = flag.Int("board-n", 4, "TestBoardLoad: participants")
	boardRate     = flag.Float64("board-rate", 30, "TestBoardLoad: cursor moves per second per participant")
	boardFor      = flag.Duration("board-for", time.Second, "TestBoardLoad: how long the participants move")
	boardBroker   = flag.String("board-broker", "", "TestBoardLoad: run two nodes sharing this broker (redis://… or nats://…); empty for one node")
	boardJSONWire = flag.Bool("board-json", false, "TestBoardLoad: cursors as JSON text frames both ways instead of binary")
)

// boardLoad is the result of a run.
type boardLoad struct {
	Moves     int64           // cursor moves sent
	Delivered int64           // positions received, over all receivers
	Frames    int64           // "cursors" frames received
	Bytes     int64           // bytes of those frames
	Latency   []time.Duration // move → receipt, one per position received
	CPU       time.Duration   // the server processes' CPU time during the run
	Elapsed   time.Duration
	Missing   []string // receivers that never saw some sender
}

func (r boardLoad) String() string {
	s := r.Elapsed.Seconds()
	slices.Sort(r.Latency)
	q := func(p float64) time.Duration {
		if len(r.Latency) == 0 {
			return 0
		}
		return r.Latency[min(len(r.Latency)-1, int(p*float64(len(r.Latency))))]
	}
	perMove := time.Duration(0)
	if r.Moves > 0 {
		perMove = r.CPU / time.Duration(r.Moves)
	}
	return fmt.Sprintf("moves in %.0f/s; positions out %.0f/s in %.0f frames/s (%.1f B/position); latency p50 %v p99 %v max %v; server CPU %.0f%% of a core, %v per move",
		float64(r.Moves)/s, float64(r.Delivered)/s, float64(r.Frames)/s, float64(r.Bytes)/float64(max(r.Delivered, 1)),
		q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), q(1).Round(10*time.Microsecond),
		100*r.CPU.Seconds()/s, perMove.Round(100*time.Nanosecond))
}

// TestBoardLoad drives a board with many participants and checks that
// every participant saw every other one move; with -v it prints the
// figures.
func TestBoardLoad(t *testing.T) {
	bin := buildDemo(t)
	cl := newDemoCluster(t, bin, *boardBroker)
	nodes := []*demoNode{cl.start("a")}
	if *boardBroker != "" {
		nodes = append(nodes, cl.start("b"))
	}
	r, err := driveBoard(t.Context(), nodes, *boardN, *boardRate, *boardFor, !*boardJSONWire)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d participants on %d node(s), %s cursors: %v", *boardN, len(nodes), map[bool]string{true: "binary", false: "JSON"}[!*boardJSONWire], r)
	if len(r.Missing) > 0 {
		t.Errorf("receivers that never saw a sender move: %v", r.Missing)
	}
}

// cpuTime returns the user and system CPU time of process pid so far,
// from /proc.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	// Linux reports clock ticks of 1/100 s (USER_HZ) on every platform Go
	// runs on.
	return time.Duration(utime+stime) * 10 * time.Millisecond, errors.Join(err1, err2)
}

// driveBoard runs n participants, alternating between nodes, on a fresh
// board for d, each moving rate times a second, and measures what the
// others receive. Participant i moves along y = i with x its move's
// sequence number, so a receiver knows which move each position is.
func driveBoard(ctx context.Context, nodes []*demoNode, n int, rate float64, d time.Duration, binaryWire bool) (boardLoad, error) {
	topic := fmt.Sprintf("board:load-%d", time.Now().UnixNano())
	clients := make([]*boardClient, n)
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.close()
			}
		}
	}()
	for i := range clients {
		base := nodes[i%len(nodes)].url
		res, err := http.Get(base + "/dev/token?user=p" + strconv.Itoa(i))
		if err != nil {
			return boardLoad{}, err
		}
		tok, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return boardLoad{}, fmt.Errorf("token: %d %v", res.StatusCode, err)
		}
		if clients[i], err = dialBoard(base, string(tok)); err != nil {
			return boardLoad{}, err
		}
		if err := clients[i].join(topic, binaryWire); err != nil {
			return boardLoad{}, err
		}
	}

	// sent[i][x] is when participant i sent move x, in Unix nanoseconds.
	sent := make([][]atomic.Int64, n)
	for i := range sent {
		sent[i] = make([]atomic.Int64, 1<<16)
	}
	var (
		mu     sync.Mutex // guards result
		result boardLoad
		wg     sync.WaitGroup
	)
	// seen[r][s]: receiver r saw sender s move.
	seen := make([][]bool, n)
	for r, c := range clients {
		seen[r] = make([]bool, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var delivered, frames, bytes int64
			for {
				// Until the connection is closed at the end of the run.
				f, err := c.read(time.Minute)
				if err != nil {
					break
				}
				if f.Event != "cursors" {
					continue
				}
				now := time.Now().UnixNano()
				frames++
				bytes += int64(f.Size)
				for _, cur := range f.Cursors {
					s := int(cur.Y)
					if s >= n {
						continue
					}
					seen[r][s] = true
					delivered++
					if at := sent[s][cur.X].Load(); at > 0 {
						lat = append(lat, time.Duration(now-at))
					}
				}
			}
			mu.Lock()
			result.Delivered += delivered
			result.Frames += frames
			result.Bytes += bytes
			result.Latency = append(result.Latency, lat...)
			mu.Unlock()
		}()
	}

	// Let the joins' presence traffic settle before measuring.
	time.Sleep(500 * time.Millisecond)
	cpu0 := make([]time.Duration, len(nodes))
	for i, nd := range nodes {
		var err error
		if cpu0[i], err = cpuTime(nd.cmd.Process.Pid); err != nil {
			return boardLoad{}, err
		}
	}
	start := time.Now()
	var moves atomic.Int64
	var swg sync.WaitGroup
	errc := make(chan error, n)
	interval := time.Duration(float64(time.Second) / rate)
	for i, c := range clients {
		swg.Add(1)
		go func() {
			defer swg.Done()
			// Spread the senders over the interval.
			next := start.Add(interval * time.Duration(i) / time.Duration(n))
			for x := uint16(1); time.Since(start) < d && x < boardCursorGone-1; x++ {
				time.Sleep(time.Until(next))
				next = next.Add(interval)
				sent[i][x].Store(time.Now().UnixNano())
				if err := c.cursor(x, uint16(i), binaryWire); err != nil {
					errc <- err
					return
				}
				moves.Add(1)
			}
		}()
	}
	swg.Wait()
	elapsed := time.Since(start)
	// What is still in flight arrives within a second.
	time.Sleep(time.Second)
	var cpu time.Duration
	for i, nd := range nodes {
		c, err := cpuTime(nd.cmd.Process.Pid)
		if err != nil {
			return boardLoad{}, err
		}
		cpu += c - cpu0[i]
	}
	for _, c := range clients {
		c.close()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return boardLoad{}, err
	default:
	}
	result.Moves, result.Elapsed, result.CPU = moves.Load(), elapsed, cpu
	for r := range seen {
		for s := range seen[r] {
			if s != r && !seen[r][s] {
				result.Missing = append(result.Missing, fmt.Sprintf("p%d missed p%d", r, s))
			}
		}
	}
	return result, ctx.Err()
}
