package pipeline

import "fmt"

// Conditioning is one prompt's encoding: the T5 sequence (txt) and the
// CLIP pooled vector (y).
type Conditioning struct {
	Txt, Y []float32
}

// Transformer predicts the flow velocity of packed latents at time t, for
// Batch() samples at once (their latents and conditionings stacked).
type Transformer interface {
	Batch() int
	SetConditioning(c ...Conditioning) error
	Predict(x []float32, t, guidance float32) ([]float32, error)
}

// Guide says how the prediction of each step is formed.
type Guide struct {
	Guidance float32       // dev's distilled guidance, an input of the model
	Negative *Conditioning // true classifier-free guidance when CFGScale > 1
	CFGScale float32
}

// Step is reported after each Euler step (the viewer and the progress bar
// use it; so does flux-vk check, to compare with the reference).
type Step struct {
	Index   int
	T       float32 // t_i given to the model
	Pred    []float32
	Latent  []float32 // x after the step
	X0      []float32 // the step's estimate of the clean latent, x − t·v (packed): what a preview shows
	PredPos []float32 // with true CFG: the two passes
	PredNeg []float32
}

// Denoise runs BFL's sampling loop: for each t_i of the schedule the model
// predicts v at (x, t_i) and x ← x + (t_{i+1} − t_i)·v, in f32 on the host
// (the latent is small; this keeps the update exact and the model graph
// replayable). With true CFG, v = v_neg + scale·(v_pos − v_neg): one pass
// over a batch of 2 when the model takes two samples, else two passes.
func Denoise(m Transformer, x []float32, sched []float32, pos Conditioning, guide Guide, onStep func(Step)) ([]float32, error) {
	x = append([]float32(nil), x...)
	cfg := guide.Negative != nil && guide.CFGScale > 1
	var err error
	switch {
	case cfg && m.Batch() == 2:
		err = m.SetConditioning(pos, *guide.Negative)
	case cfg && m.Batch() == 1:
	case m.Batch() == 1:
		err = m.SetConditioning(pos)
	default:
		err = fmt.Errorf("a transformer of batch %d cannot sample one picture", m.Batch())
	}
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(sched); i++ {
		st := Step{Index: i, T: sched[i]}
		if cfg {
			st.PredPos, st.PredNeg, st.Pred, err = cfgPredict(m, x, sched[i], pos, guide)
		} else {
			st.Pred, err = m.Predict(x, sched[i], guide.Guidance)
		}
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		if len(st.Pred) != len(x) {
			return nil, fmt.Errorf("step %d: prediction has %d values, latent %d", i, len(st.Pred), len(x))
		}
		if onStep != nil {
			st.X0 = make([]float32, len(x))
			for j := range x {
				st.X0[j] = x[j] - sched[i]*st.Pred[j]
			}
		}
		dt := sched[i+1] - sched[i]
		for j := range x {
			x[j] += dt * st.Pred[j]
		}
		if onStep != nil {
			st.Latent = x
			onStep(st)
		}
	}
	return x, nil
}

// cfgPredict returns the positive and negative predictions and their
// guided mix.
func cfgPredict(m Transformer, x []float32, t float32, pos Conditioning, guide Guide) (p, n, v []float32, err error) {
	if m.Batch() == 2 {
		var both []float32
		if both, err = m.Predict(append(append(make([]float32, 0, 2*len(x)), x...), x...), t, guide.Guidance); err != nil {
			return
		}
		if len(both) != 2*len(x) {
			return nil, nil, nil, fmt.Errorf("batch prediction has %d values, want %d", len(both), 2*len(x))
		}
		p, n = both[:len(x)], both[len(x):]
	} else {
		if err = m.SetConditioning(pos); err != nil {
			return
		}
		if p, err = m.Predict(x, t, guide.Guidance); err != nil {
			return
		}
		if err = m.SetConditioning(*guide.Negative); err != nil {
			return
		}
		if n, err = m.Predict(x, t, guide.Guidance); err != nil {
			return
		}
	}
	v = make([]float32, len(p))
	for j := range v {
		v[j] = n[j] + guide.CFGScale*(p[j]-n[j])
	}
	return
}
