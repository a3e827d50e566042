// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import "math"

// The curves are pure functions of the global step g (0-based) so tests can
// check their shape without running the simulator.

// learningRate is a linear warmup to peak over warmup steps, then a cosine
// decay to minLR at the last step.
func learningRate(peak, minLR float64, warmup, total, g int) float64 {
	if g < warmup {
		return peak * float64(g+1) / float64(warmup)
	}
	span := max(total-1-warmup, 1)
	progress := min(float64(g-warmup)/float64(span), 1)
	return minLR + 0.5*(peak-minLR)*(1+math.Cos(math.Pi*progress))
}

// cleanLoss decays exponentially from start towards floor with time constant tau.
func cleanLoss(start, floor, tau float64, g int) float64 {
	return floor + (start-floor)*math.Exp(-float64(g)/tau)
}

// lossNoise is the relative noise of the train loss: large early, small late.
func lossNoise(tau float64, g int) float64 {
	return 0.015 + 0.05*math.Exp(-float64(g)/(0.7*tau))
}

// accuracy rises towards plateau as training progresses.
func accuracy(plateau, tau float64, g int) float64 {
	return plateau * (1 - math.Exp(-float64(g+1)/(1.2*tau)))
}

// jitter returns 1+sd*n bounded to [1-limit, 1+limit], so noise never flips
// a sign or fakes a spike.
func jitter(n, sd, limit float64) float64 {
	return min(max(1+sd*n, 1-limit), 1+limit)
}
