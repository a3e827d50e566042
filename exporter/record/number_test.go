package record

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestNumbersMatchParseFloat checks the fast path against strconv on
// numbers shaped like training logs and on edge cases.
func TestNumbersMatchParseFloat(t *testing.T) {
	inputs := []string{
		"0", "-0", "1", "-1", "0.1", "0.3", "2.31", "1.6e-05", "5120.5", "1764115200.1", "1764115200123",
		"9007199254740992", "9007199254740993", "9999999999999999", "1e22", "1e23", "1e-22", "1e-23",
		"0.000000000000000000001", "123456789012345678", "1234567890123456789", "12345678901234567890",
		"0.1234567890123456789", "1.7976931348623157e308", "1e309", "-1e400", "4.9e-324", "1e-400",
		"100000000000000000000000", "0e10", "0.0e-999", "1E+2", "1e+022", "123.456e-7", "89884656743115795386465259539451236680898848947115328636715040578866337902750481566354238661203768010560056939935696678829394884407208311246423715319737062188883946712432742638151109800623047059726541476042502884419075341171231440736956555270413618581675255342293149119973622969239858152417678164812112068608",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var s string
		switch rng.IntN(4) {
		case 0:
			s = strconv.FormatFloat(rng.Float64()*math.Pow(10, float64(rng.IntN(40)-20)), 'g', -1, 64)
		case 1:
			s = strconv.FormatFloat(rng.NormFloat64(), 'f', rng.IntN(12), 64)
		case 2:
			s = strconv.FormatInt(rng.Int64N(1<<62)>>rng.IntN(62), 10)
		default:
			s = strconv.FormatFloat(float64(rng.IntN(1e6))/float64(1+rng.IntN(1000)), 'e', rng.IntN(17), 64)
		}
		inputs = append(inputs, s)
	}
	p := NewParser(Options{})
	for _, in := range inputs {
		want, _ := strconv.ParseFloat(in, 64)
		p.line, p.pos = []byte(in), 0
		got, err := p.scanNumber()
		if err != nil || p.pos != len(in) || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("scanNumber(%s) = %v, %v (pos %d), want %v", in, got, err, p.pos, want)
		}
	}
}
