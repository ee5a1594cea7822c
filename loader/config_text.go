package loader

import "fmt"

// CLIPConfig is the CLIP text encoder configuration.
type CLIPConfig struct {
	Hidden, Heads, Layers, Intermediate, Vocab, MaxPositions int
	Eps                                                      float64
	Act                                                      string
}

// T5Config is the T5 encoder configuration.
type T5Config struct {
	DModel, DKV, Heads, DFF, Layers, Vocab, NumBuckets, MaxDistance int
	Eps                                                             float64
}

// CLIPConfigOf infers widths, depth and vocabulary from shapes; the head
// count (CLIP-L: 12 of 64), epsilon and activation come from the
// configuration when there is one.
func CLIPConfigOf(c *Component) (CLIPConfig, error) {
	var cc CLIPConfig
	if c == nil || c.Kind != KindCLIP {
		return cc, fmt.Errorf("not a CLIP component")
	}
	tok, err := c.shapeOf("text_model.embeddings.token_embedding.weight", 2)
	if err != nil {
		return cc, err
	}
	pos, err := c.shapeOf("text_model.embeddings.position_embedding.weight", 2)
	if err != nil {
		return cc, err
	}
	fc1, err := c.shapeOf("text_model.encoder.layers.0.mlp.fc1.weight", 2)
	if err != nil {
		return cc, err
	}
	cc.Vocab, cc.Hidden, cc.MaxPositions, cc.Intermediate = tok[0], tok[1], pos[0], fc1[0]
	cc.Layers = len(blockIndices(c.names, "text_model.encoder.layers."))
	conf := cfg(c.Config)
	cc.Heads = max(cc.Hidden/64, 1)
	if h, ok := conf.int("num_attention_heads"); ok {
		cc.Heads = h
	}
	if cc.Heads <= 0 || cc.Hidden%cc.Heads != 0 {
		return cc, fmt.Errorf("%s: hidden size %d does not split into %d heads", c.Kind, cc.Hidden, cc.Heads)
	}
	cc.Eps, cc.Act = 1e-5, "quick_gelu"
	if v, ok := conf.num("layer_norm_eps"); ok {
		cc.Eps = v
	}
	if v, ok := conf.str("hidden_act"); ok {
		cc.Act = v
	}
	return cc, nil
}

// T5ConfigOf infers the T5 configuration from shapes: the head count is the
// width of the relative attention bias, d_kv the attention inner width over
// it (which need not equal d_model). Epsilon and the bucket distance come
// from the configuration, else T5 v1.1's.
func T5ConfigOf(c *Component) (T5Config, error) {
	var tc T5Config
	if c == nil || c.Kind != KindT5 {
		return tc, fmt.Errorf("not a T5 component")
	}
	shared, err := c.shapeOf("shared.weight", 2)
	if err != nil {
		return tc, err
	}
	bias, err := c.shapeOf("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", 2)
	if err != nil {
		return tc, err
	}
	q, err := c.shapeOf("encoder.block.0.layer.0.SelfAttention.q.weight", 2)
	if err != nil {
		return tc, err
	}
	wi := "encoder.block.0.layer.1.DenseReluDense.wi_0.weight"
	if !c.Has(wi) {
		wi = "encoder.block.0.layer.1.DenseReluDense.wi.weight"
	}
	ff, err := c.shapeOf(wi, 2)
	if err != nil {
		return tc, err
	}
	tc.Vocab, tc.DModel, tc.NumBuckets, tc.Heads, tc.DFF = shared[0], shared[1], bias[0], bias[1], ff[0]
	if tc.Heads == 0 || q[0]%tc.Heads != 0 {
		return tc, fmt.Errorf("%s: attention width %d does not split into %d heads", c.Kind, q[0], tc.Heads)
	}
	tc.DKV = q[0] / tc.Heads
	tc.Layers = len(blockIndices(c.names, "encoder.block."))
	conf := cfg(c.Config)
	if dkv, ok := conf.int("d_kv"); ok && dkv != tc.DKV {
		return tc, fmt.Errorf("%s: %s says d_kv %d, the tensors have %d", c.Kind, c.ConfigSource, dkv, tc.DKV)
	}
	tc.MaxDistance, tc.Eps = 128, 1e-6
	if v, ok := conf.int("relative_attention_max_distance"); ok {
		tc.MaxDistance = v
	}
	if v, ok := conf.num("layer_norm_epsilon"); ok {
		tc.Eps = v
	}
	return tc, nil
}
