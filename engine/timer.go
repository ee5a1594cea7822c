package engine

import (
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Timing is the GPU time of one recorded dispatch.
type Timing struct {
	Label string
	MS    float64
}

const queriesPerPool = 512

// timer writes a timestamp after every dispatch; the time of dispatch i is
// the difference between its stamp and the one before (barrier waits
// included).
type timer struct {
	pools  []vk.QueryPool
	labels []string
	used   int
	result []Timing
}

func (t *timer) stamp(r *Recorder, label string) error {
	if t.used%queriesPerPool == 0 {
		var qp vk.QueryPool
		res := vk.CreateQueryPool(r.d.dev, &vk.QueryPoolCreateInfo{SType: vk.StructureTypeQueryPoolCreateInfo,
			QueryType: vk.QueryTypeTimestamp, QueryCount: queriesPerPool}, nil, &qp)
		if err := check("vkCreateQueryPool", res); err != nil {
			return err
		}
		vk.CmdResetQueryPool(r.cb, qp, 0, queriesPerPool)
		t.pools = append(t.pools, qp)
	}
	vk.CmdWriteTimestamp(r.cb, vk.PipelineStageBottomOfPipeBit, t.pools[len(t.pools)-1], uint32(t.used%queriesPerPool))
	t.labels = append(t.labels, label)
	t.used++
	return nil
}

func (t *timer) read(d *Device) error {
	ticks := make([]uint64, t.used)
	for i, qp := range t.pools {
		n := t.used - i*queriesPerPool
		if n > queriesPerPool {
			n = queriesPerPool
		}
		dst := ticks[i*queriesPerPool : i*queriesPerPool+n]
		res := vk.GetQueryPoolResults(d.dev, qp, 0, uint32(n), uint(8*n), unsafe.Pointer(&dst[0]), 8,
			vk.QueryResultFlags(vk.QueryResult64Bit|vk.QueryResultWaitBit))
		if err := check("vkGetQueryPoolResults", res); err != nil {
			return err
		}
	}
	ns := float64(d.Info.TimestampNS)
	t.result = t.result[:0]
	for i := 1; i < t.used; i++ {
		t.result = append(t.result, Timing{Label: t.labels[i], MS: float64(ticks[i]-ticks[i-1]) * ns / 1e6})
	}
	return nil
}

func (t *timer) release(d *Device) {
	for _, qp := range t.pools {
		vk.DestroyQueryPool(d.dev, qp, nil)
	}
	t.pools = nil
}

// Timings returns the GPU time of each dispatch of the last Run.
func (r *Recorder) Timings() []Timing {
	if r.timer == nil {
		return nil
	}
	return r.timer.result
}
