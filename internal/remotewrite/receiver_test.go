// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/snappy"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/prometheus/prompb"
	"google.golang.org/protobuf/proto"
)

// receiver is a remote-write receiver that answers requests in the order
// of its script (then 204), and keeps what it accepted.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	kind   receiverKind
	script []reply
	block  chan struct{} // when not nil, requests wait for it to close
	header string        // when set, requests without this header get 401, as Mimir without X-Scope-OrgID
	got    map[string][]prompb.Sample
	in     map[string]bool // protocols samples arrived in
	reqs   int
}

// reply is a scripted answer: a status, with its text (http.Error adds
// the newline receivers end it with), keeping the first keep samples of a
// 2.0 request and saying so in X-Prometheus-Remote-Write-Samples-Written,
// as Prometheus does with a request it takes in part. A 1.0 request that
// is refused is kept not at all, as Prometheus rolls it back.
type reply struct {
	code int
	body string
	keep int
}

// receiverKind is what a receiver does with a 2.0 request.
type receiverKind int

const (
	takes1Strict receiverKind = iota // answers 415, as Prometheus does when 2.0 is not enabled
	takes1Lax                        // reads it as 1.0, finds nothing, answers 204
	takesBoth
)

func (r *receiver) protocols() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.in)
}

func newReceiver(t *testing.T, script ...int) *receiver {
	replies := make([]reply, len(script))
	for i, code := range script {
		replies[i] = reply{code: code, body: "scripted failure"}
	}
	return newReceiverReplies(t, replies...)
}

func newReceiverReplies(t *testing.T, script ...reply) *receiver {
	r := &receiver{t: t, script: script, got: map[string][]prompb.Sample{}, in: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// pushPath is where the receiver takes requests; elsewhere is a 404.
const pushPath = "/api/v1/push"

func (r *receiver) url() string { return r.srv.URL + pushPath }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != pushPath {
		http.NotFound(w, req)
		return
	}
	r.mu.Lock()
	block := r.block
	r.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-req.Context().Done():
			return
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs++
	if r.header != "" && req.Header.Get(r.header) == "" {
		http.Error(w, "no org id", http.StatusUnauthorized)
		return
	}
	answer := reply{code: http.StatusNoContent, keep: math.MaxInt}
	if len(r.script) > 0 {
		answer = r.script[0]
		r.script = r.script[1:]
	}
	data, err := snappy.Decode(nil, body)
	if err != nil {
		r.t.Errorf("receiver: snappy: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	v2 := strings.Contains(req.Header.Get("Content-Type"), "io.prometheus.write.v2.Request")
	type seriesSample struct {
		series string
		s      prompb.Sample
	}
	var got []seriesSample
	switch {
	case v2 && r.kind == takes1Strict:
		http.Error(w, "unsupported", http.StatusUnsupportedMediaType)
		return
	case v2 && r.kind == takesBoth:
		var wr writev2.Request
		if err := proto.Unmarshal(data, &wr); err != nil {
			r.t.Errorf("receiver: protobuf 2.0: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ts := range wr.Timeseries {
			var ls []prompb.Label
			for i := 0; i+1 < len(ts.LabelsRefs); i += 2 {
				ls = append(ls, prompb.Label{Name: wr.Symbols[ts.LabelsRefs[i]], Value: wr.Symbols[ts.LabelsRefs[i+1]]})
			}
			key := seriesString(ls)
			for _, s := range ts.Samples {
				got = append(got, seriesSample{key, prompb.Sample{Value: s.Value, Timestamp: s.Timestamp}})
			}
		}
	default: // 1.0, or a 2.0 request read as 1.0 by a receiver that ignores the content type
		var wr prompb.WriteRequest
		if err := wr.Unmarshal(data); err != nil {
			r.t.Errorf("receiver: protobuf: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ts := range wr.Timeseries {
			key := seriesString(ts.Labels)
			for _, s := range ts.Samples {
				got = append(got, seriesSample{key, s})
			}
		}
		if answer.code/100 != 2 {
			answer.keep = 0
		}
		v2 = false
	}
	kept := min(answer.keep, len(got))
	for _, g := range got[:kept] {
		r.got[g.series] = append(r.got[g.series], g.s)
	}
	if kept > 0 {
		r.in[map[bool]string{false: "1.0", true: "2.0"}[v2]] = true
	}
	if v2 {
		w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", strconv.Itoa(kept))
	}
	if answer.code/100 == 2 {
		w.WriteHeader(answer.code)
		return
	}
	http.Error(w, answer.body, answer.code)
}

// seriesString writes labels as name{a="x",b="y"}, checking their order.
func seriesString(ls []prompb.Label) string {
	var name string
	var pairs []string
	for i, l := range ls {
		if i > 0 && ls[i-1].Name >= l.Name {
			panic("labels not sorted: " + ls[i-1].Name + " before " + l.Name)
		}
		if l.Name == "__name__" {
			name = l.Value
			continue
		}
		pairs = append(pairs, l.Name+"="+`"`+l.Value+`"`)
	}
	sort.Strings(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

func (r *receiver) samples(series string) []prompb.Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]prompb.Sample(nil), r.got[series]...)
}

func (r *receiver) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.got {
		n += len(s)
	}
	return n
}
