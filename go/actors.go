// actors measures message passing to many mailboxes: claims B1 (1,000,000
// messages across 10,000 actors, Rust p99 1.2 ms) and B2 (Go's throughput
// beside Rust's). Each actor is a goroutine draining its own bounded channel;
// one driver sends every message and stamps it with the monotonic clock, and
// the actor records its latency. The actors and their mailboxes exist before
// the timer starts, so the sample is sending, delivery and shutdown. It
// deliberately does not read memory itself: for claim B3 the runner records
// each trial's max_rss_bytes.
//
// With --param rate=R above 0 the driver is paced: message k is due k/R
// seconds after the start, the driver yields to the scheduler until it is due, and
// its latency runs from that intended time rather than from when the driver
// got to send it (no coordinated omission, as wrk2 measures). Below
// saturation that is the hand-off latency; unpaced (R = 0) the latency is
// mostly the queue ahead of a message.

package main

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"versus/internal/contract"
)

// actorMessage is what the driver sends: the message's index and the time it
// was sent, as nanoseconds since actorsEpoch on the monotonic clock.
type actorMessage struct {
	k      uint64
	sentNs int64
}

var actorsWorkload = contract.Workload{
	Name:      "actors",
	Variants:  []string{"goroutine"},
	QuickSize: 10_000,
	Params: []contract.Param{
		{Key: "actors", Default: 100, Min: 1, Max: math.MaxInt32},
		{Key: "mailbox", Default: 64, Min: 1, Max: math.MaxInt32},
		{Key: "rate", Default: 0, Min: 0, Max: math.MaxInt32},
	},
	Setup: func(cfg contract.Config) (*contract.Bench, error) {
		m := int(cfg.Size())
		actors := int(cfg.Params["actors"])
		mailbox := int(cfg.Params["mailbox"])
		rate := cfg.Params["rate"]
		b := &contract.Bench{
			Ops:   int64(m),
			Extra: map[string]interface{}{"actors": actors, "mailbox": mailbox, "offered_rate_per_s": rate},
		}
		// One latency array for all samples: every slot is written once per
		// sample, and refilling it is cheaper than asking the collector for
		// a fresh one each time.
		latency := make([]int64, m)
		b.Sample = func(s *contract.Sample) (uint64, error) {
			sum, err := actorsSample(s, latency, actors, mailbox, rate)
			if err != nil || !s.Last {
				return sum, err
			}
			h, err := contract.LatencyHistogram(latency)
			if err != nil {
				return 0, err
			}
			b.Histogram = h
			contract.AddLatencyExtra(b.Extra, h)
			b.Extra["throughput_per_s"] = float64(m) / s.Elapsed().Seconds()
			return sum, nil
		}
		return b, nil
	},
}

// actorsSample runs one sample and leaves each message's latency in latency.
func actorsSample(s *contract.Sample, latency []int64, actors, mailbox int, rate int64) (uint64, error) {
	// -1 marks a slot not yet written, so a lost message is caught; writing
	// every slot also pre-faults the array outside the timed region.
	for i := range latency {
		latency[i] = -1
	}
	epoch := time.Now()
	mailboxes := make([]chan actorMessage, actors)
	sums := make([]uint64, actors)
	// running holds the timer until every actor has been scheduled once and
	// waits on its mailbox, so the sample does not include their first start.
	var running, wg sync.WaitGroup
	running.Add(actors)
	wg.Add(actors)
	for a := range mailboxes {
		mailboxes[a] = make(chan actorMessage, mailbox)
		go func(a int) {
			running.Done()
			// Each message counts k times this actor's number: a message
			// delivered to another actor than k mod A changes the checksum.
			weight := uint64(a + 1)
			var sum uint64
			for msg := range mailboxes[a] {
				latency[msg.k] = int64(time.Since(epoch)) - msg.sentNs
				sum += msg.k * weight
			}
			sums[a] = sum
			wg.Done()
		}(a)
	}

	running.Wait()

	s.Start()
	start := int64(time.Since(epoch))
	for k := range latency {
		sent := int64(time.Since(epoch))
		if rate > 0 {
			// Due k/rate seconds after the start, in nanoseconds, as the Rust
			// binary computes it (k·10⁹ fits in 64 bits for every k here).
			due := start + int64(uint64(k)*1_000_000_000/uint64(rate))
			// Waiting yields, so that woken actors run meanwhile, as the
			// Rust driver yields to tokio.
			for sent < due {
				runtime.Gosched()
				sent = int64(time.Since(epoch))
			}
			sent = due
		}
		mailboxes[k%actors] <- actorMessage{k: uint64(k), sentNs: sent}
	}
	for _, mb := range mailboxes {
		close(mb)
	}
	wg.Wait()
	s.Stop()

	var total uint64
	for _, sum := range sums {
		total += sum
	}
	for k, v := range latency {
		if v < 0 {
			return 0, fmt.Errorf("message %d was never received", k)
		}
	}
	return total, nil
}
