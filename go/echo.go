// echo measures loopback TCP echo with C concurrent connections of R round
// trips each: claim A4 (Go's netpoller scales to many connections with plain
// blocking-style code) with its latency distribution and throughput. The
// server, a goroutine per connection behind the netpoller, is listening
// before the timer starts; the sample is every client's connect, R round
// trips of a 64-byte message, and close. It deliberately does not measure
// bulk bandwidth or anything off this machine: only 127.0.0.1.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"versus/internal/contract"
	"versus/internal/sys"
)

// echoMessageBytes is the spec's fixed message size.
const echoMessageBytes = 64

// maxListenBacklog is the spec's backlog cap, the same in every variant.
const maxListenBacklog = 4096

var echoWorkload = contract.Workload{
	Name:      "echo",
	Variants:  []string{"net"},
	QuickSize: 10,
	Params: []contract.Param{
		{Key: "rounds", Default: 10, Min: 1, Max: math.MaxInt32},
		{Key: "message", Default: echoMessageBytes, Min: echoMessageBytes, Max: echoMessageBytes},
	},
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		conns := int(cfg.Size())
		rounds := int(cfg.Params["rounds"])
		soft, hard, err := sys.RaiseOpenFilesLimit()
		if err != nil {
			return nil, err
		}
		somaxconn, err := sys.Somaxconn()
		if err != nil {
			return nil, err
		}
		backlog := maxListenBacklog
		if somaxconn < maxListenBacklog {
			backlog = int(somaxconn)
		}
		b := &contract.Bench{
			Ops: int64(conns) * int64(rounds),
			Extra: map[string]interface{}{
				"nofile_soft":    soft,
				"nofile_hard":    hard,
				"listen_backlog": backlog,
				"connections":    conns,
			},
		}
		// Each connection is two sockets in this process, client and server
		// side, and 64 leaves room for the listener, the runtime and stdio.
		if need := 2*uint64(conns) + 64; need > soft {
			b.Skipped = fmt.Sprintf("needs %d open files for %d connections but RLIMIT_NOFILE is %d", need, conns, soft)
			return b, nil
		}
		server, err := startEchoServer(backlog)
		if err != nil {
			return nil, err
		}
		b.Close = server.close
		// Writing the latency lists once here pre-faults them; every sample
		// overwrites every slot.
		latency := make([]int64, conns*rounds)
		for i := range latency {
			latency[i] = -1
		}
		b.Sample = func(s *contract.Sample) (uint64, error) {
			sum, err := echoSample(s, server.addr, conns, rounds, latency, soft)
			if err != nil || !s.Last {
				return sum, err
			}
			h, err := contract.LatencyHistogram(latency)
			if err != nil {
				return 0, err
			}
			b.Histogram = h
			contract.AddLatencyExtra(b.Extra, h)
			b.Extra["throughput_per_s"] = float64(conns*rounds) / s.Elapsed().Seconds()
			return sum, nil
		}
		return b, nil
	},
}

// echoServer accepts on 127.0.0.1 and echoes every connection in its own
// goroutine.
type echoServer struct {
	listener *net.TCPListener
	addr     string
	accepted chan struct{}
}

// startEchoServer listens with net.Listen and then sets the backlog the spec
// asks for: net.Listen passes net.core.somaxconn itself, which can exceed
// 4096, and calling listen(2) again on a listening socket only changes its
// backlog.
func startEchoServer(backlog int) (*echoServer, error) {
	// KeepAlive -1: no TCP keep-alive on accepted connections, as in Rust, where
	// Go's default would add setsockopt calls to every connection inside the
	// timed region.
	ln, err := (&net.ListenConfig{KeepAlive: -1}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	tcp := ln.(*net.TCPListener)
	raw, err := tcp.SyscallConn()
	if err != nil {
		ln.Close()
		return nil, err
	}
	var listenErr error
	if err := raw.Control(func(fd uintptr) { listenErr = syscall.Listen(int(fd), backlog) }); err != nil {
		ln.Close()
		return nil, err
	}
	if listenErr != nil {
		ln.Close()
		return nil, fmt.Errorf("setting the listen backlog to %d: %w", backlog, listenErr)
	}
	server := &echoServer{listener: tcp, addr: ln.Addr().String(), accepted: make(chan struct{})}
	go server.accept()
	return server, nil
}

// accept runs until the listener closes. Any other accept error closes the
// listener too, so waiting clients fail at once instead of hanging.
func (e *echoServer) accept() {
	defer close(e.accepted)
	for {
		conn, err := e.listener.AcceptTCP()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(os.Stderr, "versus-go echo: accept: %v\n", err)
				e.listener.Close()
			}
			return
		}
		go echoServe(conn)
	}
}

func (e *echoServer) close() {
	e.listener.Close()
	<-e.accepted
}

// echoServe writes back whatever it reads until the client closes. A failed
// read or write ends the connection; the client sees that and fails the
// sample.
func echoServe(conn *net.TCPConn) {
	defer conn.Close()
	if err := conn.SetNoDelay(true); err != nil {
		return
	}
	var buf [echoMessageBytes]byte
	for {
		n, err := conn.Read(buf[:])
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// echoSample runs every client at once and returns the sum of all bytes
// they received.
func echoSample(s *contract.Sample, addr string, conns, rounds int, latency []int64, nofile uint64) (uint64, error) {
	sums := make([]uint64, conns)
	errs := make([]error, conns)
	var wg sync.WaitGroup

	s.Start()
	wg.Add(conns)
	for c := 0; c < conns; c++ {
		go func(c int) {
			sums[c], errs[c] = echoClient(addr, c, latency[c*rounds:(c+1)*rounds])
			wg.Done()
		}(c)
	}
	wg.Wait()
	s.Stop()

	var total uint64
	for c, err := range errs {
		if errors.Is(err, syscall.EMFILE) {
			return 0, contract.Skip(fmt.Sprintf("connection %d could not open a socket (%v) with RLIMIT_NOFILE %d", c, err, nofile))
		}
		if err != nil {
			return 0, fmt.Errorf("connection %d: %w", c, err)
		}
		total += sums[c]
	}
	return total, nil
}

// echoClient is connection c: it connects, does one round trip per slot of
// latency, recording each, checks every echo, and closes.
func echoClient(addr string, c int, latency []int64) (uint64, error) {
	// No keep-alive, as on the server side and in Rust.
	conn, err := (&net.Dialer{KeepAlive: -1}).Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	tcp := conn.(*net.TCPConn)
	if err := tcp.SetNoDelay(true); err != nil {
		tcp.Close()
		return 0, err
	}
	var sent, received [echoMessageBytes]byte
	var sum uint64
	for r := range latency {
		for j := range sent {
			sent[j] = byte((c*31 + r*7 + j) % 256)
		}
		start := time.Now()
		if _, err := tcp.Write(sent[:]); err != nil {
			tcp.Close()
			return 0, fmt.Errorf("round %d: write: %w", r, err)
		}
		if _, err := io.ReadFull(tcp, received[:]); err != nil {
			tcp.Close()
			return 0, fmt.Errorf("round %d: read: %w", r, err)
		}
		latency[r] = int64(time.Since(start))
		if received != sent {
			tcp.Close()
			return 0, fmt.Errorf("round %d: echoed bytes differ from the bytes sent", r)
		}
		for _, v := range received {
			sum += uint64(v)
		}
	}
	return sum, tcp.Close()
}
