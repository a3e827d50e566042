package record

// keyClass is the role a top-level key plays in a record.
type keyClass uint8

const (
	clsPlain keyClass = iota
	clsType
	clsStep
	clsEpoch
	clsTime
	clsPrefix
	clsContainer
	clsRunName
	clsLongName  // "metric" of the long form
	clsLongValue // "value" of the long form
	clsSplit     // train, val, ...: an object under it is a container
)

// Fixed keys that are not configurable.
const (
	runNameKey   = "run_name"
	longNameKey  = "metric"
	longValueKey = "value"
)

// splitKeys name the top-level objects that hold one split's metrics.
var splitKeys = []string{"train", "val", "valid", "validation", "eval", "test"}

type special struct {
	key string
	cls keyClass
	idx int // position in its option list: earlier wins
}

// longBucket collects special keys of this length or longer.
const longBucket = 32

// keyTable finds the class of a key. Keys are bucketed by length so a
// lookup compares at most a few strings; a map would cost more per key.
type keyTable [longBucket + 1][]special

func newKeyTable(o Options) *keyTable {
	t := new(keyTable)
	add := func(cls keyClass, keys ...string) {
		for idx, k := range keys {
			if c, _ := t.lookup([]byte(k)); c != clsPlain {
				continue // a key listed twice keeps its first role
			}
			b := min(len(k), longBucket)
			t[b] = append(t[b], special{key: k, cls: cls, idx: idx})
		}
	}
	add(clsType, o.TypeKeys...)
	add(clsStep, o.StepKeys...)
	add(clsEpoch, o.EpochKeys...)
	add(clsTime, o.TimeKeys...)
	add(clsPrefix, o.PrefixKeys...)
	add(clsContainer, o.ContainerKeys...)
	add(clsRunName, runNameKey)
	add(clsLongName, longNameKey)
	add(clsLongValue, longValueKey)
	add(clsSplit, splitKeys...)
	return t
}

func (t *keyTable) lookup(key []byte) (keyClass, int) {
	for _, s := range t[min(len(key), longBucket)] {
		if len(key) > 0 && key[0] == s.key[0] && string(key) == s.key {
			return s.cls, s.idx
		}
	}
	return clsPlain, 0
}
