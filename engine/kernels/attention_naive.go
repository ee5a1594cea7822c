package kernels

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
)

// AttentionNaive is the three-pass baseline (S = QKᵀ into scratch, softmax, O = PV) kept for the
// benchmark and as a second opinion in tests; scratch holds Heads*Lq*Lk f32.
//
// The scratch is O(L²): FLUX's 24 heads at L = 4352 need 24·4352²·4 bytes =
// 1.8 GB, against none for the flash kernel (Attention). Where the whole
// scratch exceeds the device's maxStorageBufferRange, the heads are done in
// groups, each binding its own slice.
func (l *Lib) AttentionNaive(rec *engine.Recorder, a AttentionArgs, scratch engine.Range) error {
	return l.attentionNaive(rec, a, scratch, l.D.Info.MaxStorage)
}

// attentionNaive binds at most limit bytes of scratch per dispatch.
func (l *Lib) attentionNaive(rec *engine.Recorder, a AttentionArgs, scratch engine.Range, limit uint64) error {
	if err := a.normalize(l); err != nil {
		return err
	}
	perHead := 4 * uint64(a.Lq) * uint64(a.Lk)
	if scratch.Buf == nil || attnRangeSize(scratch) < perHead*uint64(a.Heads) {
		return fmt.Errorf("attention naive: scratch must hold %d×%d×%d f32", a.Heads, a.Lq, a.Lk)
	}
	hb, err := attnHeadGroup(a.Heads, perHead, limit, l.D.Info.StorageAlign)
	if err != nil {
		return err
	}
	// The samples of a batch reuse the scratch one after the other.
	one := a
	one.Batch = 1
	for b := 0; b < a.Batch; b++ {
		one.QOff, one.OOff = a.QOff+b*a.Lq*a.QStride, a.OOff+b*a.Lq*a.OStride
		one.KOff, one.VOff = a.KOff+b*a.Lk*a.KStride, a.VOff+b*a.Lk*a.VStride
		for h0 := 0; h0 < a.Heads; h0 += hb {
			n := min(hb, a.Heads-h0)
			s := engine.Range{Buf: scratch.Buf, Off: scratch.Off + uint64(h0)*perHead, Size: uint64(n) * perHead}
			if err := l.attnNaiveGroup(rec, one, s, h0, n); err != nil {
				return fmt.Errorf("attention naive: %w", err)
			}
		}
	}
	return nil
}

// attnHeadGroup is how many heads one group of naive dispatches covers: all
// of them when the scratch fits one binding, else the most whose slice
// fits and keeps every group's offset aligned for storage buffers.
func attnHeadGroup(heads int, perHead, limit, align uint64) (int, error) {
	if perHead*uint64(heads) <= limit {
		return heads, nil
	}
	align = max(256, align)
	for hb := heads - 1; hb >= 1; hb-- {
		if uint64(hb)*perHead <= limit && uint64(hb)*perHead%align == 0 {
			return hb, nil
		}
	}
	return 0, fmt.Errorf("attention naive: a scratch of %d bytes per head cannot be split into aligned slices under maxStorageBufferRange %d", perHead, limit)
}

// attnNaiveGroup records the three passes for heads h0..h0+n over the
// scratch slice s.
func (l *Lib) attnNaiveGroup(rec *engine.Recorder, a AttentionArgs, s engine.Range, h0, n int) error {
	lim := l.D.Info.MaxGroups
	if groups(a.Lk, 16) > lim[0] || groups(a.Lq, 16) > lim[1] || uint32(n) > lim[2] {
		return fmt.Errorf("%d×%d scores × %d heads exceed the device's workgroup limits", a.Lq, a.Lk, n)
	}
	read, write := engine.Read, engine.Write
	scores, err := l.pipeline(actVariant("attn_scores", a.Type), []engine.Access{write, read, read, read}, 40)
	if err != nil {
		return err
	}
	push := Push(a.Lq, a.Lk, a.D, h0, a.QStride, a.KStride, a.QOff, a.KOff, a.Scale, a.Bias.Buf != nil)
	if err := rec.Dispatch(scores, []engine.Range{s, a.Q, a.K, l.orDummy(a.Bias)}, push,
		groups(a.Lk, 16), groups(a.Lq, 16), uint32(n)); err != nil {
		return err
	}
	softmax, err := l.pipeline("attn_softmax", []engine.Access{engine.ReadWrite}, 16)
	if err != nil {
		return err
	}
	rows := n * a.Lq
	gx := min(rows, int(lim[0]))
	gy := (rows + gx - 1) / gx
	if err := rec.Dispatch(softmax, []engine.Range{s}, Push(rows, a.Lq, a.Lk, a.Causal), uint32(gx), uint32(gy), 1); err != nil {
		return err
	}
	pv, err := l.pipeline(actVariant("attn_pv", a.Type), []engine.Access{write, read, read}, 32)
	if err != nil {
		return err
	}
	push = Push(a.Lq, a.Lk, a.D, h0, a.VStride, a.OStride, a.VOff, a.OOff)
	return rec.Dispatch(pv, []engine.Range{a.Out, s, a.V}, push, groups(a.D, 16), groups(a.Lq, 16), uint32(n))
}
